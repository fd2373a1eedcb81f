// The one backoff formula of everything that follows the log: the consumer's resubscriptions, a failing processor's
// retries, a reactor's consumer-group rejoins. Exponential from a base to a cap, with jitter so that many instances
// retrying after one outage spread out instead of returning together.

export interface BackoffPolicy {
  /** Wait after the first failure; doubled after each further one. */
  readonly baseMs: number;
  readonly maxMs: number;
}

/** The wait before try `attempt + 1` after `attempt` failures in a row (attempt ≥ 1): between half and all of the step. */
export function backoffDelay(attempt: number, policy: BackoffPolicy): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + (Math.random() * step) / 2);
}

/** A sleep that `wake()` ends early (a stop should not wait out a backoff). */
export function wakeableSleep(ms: number): { readonly done: Promise<void>; wake(): void } {
  let wake = () => {};
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  return { done, wake };
}
