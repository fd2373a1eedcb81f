// RATE_LIMITED: too many attempts (sign-in, activation) or too much password hashing waiting already. The answer
// names how long to wait, so a client can say so instead of retrying in a loop.

export class RateLimited extends Error {
  readonly code = 'RATE_LIMITED';
  /** Whole seconds, at least 1: when a retry may be answered (api.md's `extensions.retryAfterSeconds`). */
  readonly retryAfterSeconds: number;

  constructor(retryAfterMs: number, message = 'too many attempts: wait before trying again') {
    super(message);
    this.name = 'RateLimited';
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  }
}
