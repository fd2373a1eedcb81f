// A small queue in front of password hashing: at most `concurrency` hashes run at once (scrypt takes a core and
// 32 MiB each), the rest wait in arrival order, and when `maxWaiting` already wait a new one is refused at once with
// RATE_LIMITED. So a flood of sign-ins costs the flood its own waiting, not everyone's CPU, memory and libuv threads.
import { RateLimited } from './rate-limited';

export interface HashQueueSettings {
  /** Hashes running at once; the number of cores by default. */
  readonly concurrency: number;
  /** Hashes waiting beyond those; a further one is refused rather than queued. */
  readonly maxWaiting: number;
}

export class HashQueue {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly settings: HashQueueSettings) {
    for (const [name, value] of Object.entries(settings)) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`hash queue ${name} must be a whole number ≥ 1`);
    }
  }

  /** Runs `job` when a slot is free; throws RateLimited without running it when the queue is full. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.settings.concurrency) {
      if (this.waiting.length >= this.settings.maxWaiting) {
        throw new RateLimited(1_000, 'too many sign-ins at once: try again in a moment');
      }
      // The slot is handed over by the job that frees it (see below), so `running` never drops in between.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }

  /** Hashes waiting for a slot (for tests and metrics). */
  get queued(): number {
    return this.waiting.length;
  }
}
