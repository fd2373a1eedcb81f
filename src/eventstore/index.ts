// The event log's public face: the port and the embedded adapter (the EventStoreDB adapter is imported on its own).
export * from './port';
export { openSqliteEventStore, SqliteEventStore, type SqliteEventStoreOptions } from './sqlite';
