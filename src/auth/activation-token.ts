// Moved to src/application/activation-token.ts so notifications (which may not import auth) can issue tokens;
// re-exported here so auth's imports stay as they were.
export * from '../application/activation-token';
