// A bounded single-consumer queue: a subscription's driver puts, the application's `for await` takes.
// Bounded so a slow consumer stops the driver pulling from gRPC, and flow control slows the server down.

export class MessageQueue<T> {
  private readonly items: T[] = [];
  private taker: ((result: IteratorResult<T>) => void) | null = null;
  private takerFailed: ((error: unknown) => void) | null = null;
  private putter: (() => void) | null = null;
  private ended = false;
  private failure: { error: unknown } | null = null;

  constructor(private readonly limit: number) {}

  /** Resolves once there is room; an ended queue drops the item. */
  async put(item: T): Promise<void> {
    while (!this.ended && this.items.length >= this.limit) {
      await new Promise<void>((resolve) => {
        this.putter = resolve;
      });
    }
    if (this.ended) return;
    if (this.taker) {
      const taker = this.taker;
      this.clearTaker();
      taker({ value: item, done: false });
      return;
    }
    this.items.push(item);
  }

  take(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) {
      const value = this.items.shift() as T;
      this.wakePutter();
      return Promise.resolve({ value, done: false });
    }
    if (this.failure) return Promise.reject(this.failure.error);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.taker = resolve;
      this.takerFailed = reject;
    });
  }

  /** No more items: a waiting `take` ends, waiting `put`s return. Items already queued are dropped. */
  end(): void {
    this.ended = true;
    this.items.length = 0;
    this.wakePutter();
    const taker = this.taker;
    this.clearTaker();
    taker?.({ value: undefined, done: true });
  }

  /** Ends the queue with an error the consumer sees after the items already queued. */
  fail(error: unknown): void {
    this.failure = { error };
    this.ended = true;
    this.wakePutter();
    const failed = this.takerFailed;
    this.clearTaker();
    failed?.(error);
  }

  private clearTaker(): void {
    this.taker = null;
    this.takerFailed = null;
  }

  private wakePutter(): void {
    const putter = this.putter;
    this.putter = null;
    putter?.();
  }
}
