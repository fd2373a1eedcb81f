// Follows the whole log live and reports every stream written, by this process or another, so the command handler
// can keep serving a cached stream state without reading the stream again until something lands after it. Signed-in
// requests resolve their viewer from a user stream, and a licence write reads two or three streams: without the
// watch each of those is a read of the log that almost always finds nothing new.
import type { AllSubscription, EventStore, Position } from '../eventstore/port';

/** Told of each event the watch sees: its stream and revision. */
export type StreamWritten = (stream: string, revision: number) => void;

export interface LogWatchLogger {
  warn(details: object, message?: string): void;
}

export interface LogWatchOptions {
  readonly store: EventStore;
  readonly logger?: LogWatchLogger;
  /** Wait before following again after the subscription failed; default 1 s. */
  readonly restartDelayMs?: number;
}

export class LogWatch {
  private readonly listeners = new Set<StreamWritten>();
  private subscription: AllSubscription | null = null;
  private running: Promise<void> | null = null;
  private stopping = false;
  private restart: { timer: NodeJS.Timeout; resolve: () => void } | null = null;
  // Bumped whenever the watch starts or stops being live: what was checked under another epoch is not trusted,
  // since events may have gone by unseen in between.
  private epochCount = 0;
  private live = false;

  constructor(private readonly options: LogWatchOptions) {}

  /**
   * While the watch is live, a number that stays the same until it stops being live; null otherwise. A stream state
   * read under epoch E is current for as long as the epoch is still E and no later event of its stream was reported.
   */
  get epoch(): number | null {
    return this.live ? this.epochCount : null;
  }

  /** Calls `listener` for every event seen from now on; answers the function that removes it. */
  onWritten(listener: StreamWritten): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Follows the log from its head; resolves once live. Reconnects after failures until stopped. */
  start(): Promise<void> {
    if (this.running) throw new Error('the log watch started twice');
    this.stopping = false;
    return new Promise<void>((resolveLive) => {
      this.running = (async () => {
        let after: Position | undefined;
        while (!this.stopping) {
          try {
            after ??= (await this.options.store.headPosition()) ?? undefined;
            after = await this.follow(after, resolveLive);
          } catch (error) {
            this.options.logger?.warn(
              { error: error instanceof Error ? error.message : String(error) },
              'log watch lost the log; cached stream states are read again until it is back',
            );
          }
          this.setLive(false);
          if (this.stopping) break;
          await new Promise<void>((resolve) => {
            this.restart = { timer: setTimeout(resolve, this.options.restartDelayMs ?? 1000), resolve };
          });
          this.restart = null;
        }
        resolveLive();
      })();
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.setLive(false);
    if (this.restart) {
      clearTimeout(this.restart.timer);
      this.restart.resolve();
    }
    await this.subscription?.unsubscribe();
    await this.running;
    this.running = null;
  }

  /** Follows after `after` until the subscription ends; answers the position of the last event seen. */
  private async follow(after: Position | undefined, onLive: () => void): Promise<Position | undefined> {
    const subscription = this.options.store.subscribeToAll(after === undefined ? {} : { after });
    this.subscription = subscription;
    let last = after;
    try {
      for await (const message of subscription) {
        if (this.stopping) break;
        if (message.kind === 'event') {
          const { streamName, revision, position } = message.event;
          for (const listener of this.listeners) listener(streamName, revision);
          last = position;
        } else if (message.kind === 'caughtUp') {
          this.setLive(true);
          onLive();
        }
      }
    } finally {
      this.subscription = null;
    }
    return last;
  }

  private setLive(live: boolean): void {
    if (this.live === live) return;
    this.live = live;
    this.epochCount++;
  }
}
