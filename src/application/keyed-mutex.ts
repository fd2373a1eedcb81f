// One task at a time per key (a stream name): commands on one stream in this process queue up instead of
// all deciding on the same revision and all but one losing the append.

export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    let release!: () => void;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous ? previous.then(() => done) : done;
    this.tails.set(key, tail);
    try {
      if (previous) await previous;
      return await task();
    } finally {
      release();
      // The last task of a key removes it, so idle keys cost nothing.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Whether a task of `key` is running or queued. */
  isBusy(key: string): boolean {
    return this.tails.has(key);
  }

  /** Keys with a task running or queued. */
  get busyKeys(): number {
    return this.tails.size;
  }
}
