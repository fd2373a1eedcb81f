// Seat alerts fire by this reactor: after each event of a subscription stream, and after each change of an account's
// seat alert rule, it asks the write side to evaluate that product's alert (src/application/seat-alerts.ts). The
// write side decides every step not yet decided on the alert stream `alert-<accountId>-<product>`, as the system,
// caused by the event of each step: SeatThresholdCrossed once when the counts cross the rule, SeatThresholdCleared
// when they recover. The mail follows from those events (the notifier), like any other.
//
// Idempotent by construction: the alert stream is decided with its expected revision and a step already behind it
// decides nothing, so an event read again after a crash, or handed to two instances, writes one crossing. It has no
// outside effect of its own, so it claims nothing; with groups one instance does the work.
import type { Application } from '../application/application';
import { isEventOf, isSubscriptionEvent } from '../domain/events';
import type { Product } from '../domain/plans';
import type { EventStore, RecordedEvent } from '../eventstore/port';
import type { LogConsumer } from '../processing/log-consumer';
import type { NotificationsDb } from './db';
import { type Commit, type ReactorGroupStatus, type RunningReactor, startReactor } from './reactor';
import type { Logger } from './transports';

const REACTOR_NAME = 'seat-alerts';
/** The consumer group every instance's alert reactor joins where the store has groups (EventStoreDB). */
const REACTOR_GROUP = 'seatledger-seat-alerts';

interface SeatAlertReactorOptions {
  readonly store: EventStore;
  readonly consumer: LogConsumer;
  readonly app: Application;
  /** notifications.db, shared with the other reactors: its checkpoint lives there. */
  readonly db: NotificationsDb;
  readonly logger: Logger;
}

export interface SeatAlertReactor {
  /** Resolves once caught up with the log as it was at start. */
  start(): Promise<void>;
  status(): ReactorGroupStatus | null;
  stop(): Promise<void>;
}

export function createSeatAlertReactor(options: SeatAlertReactorOptions): SeatAlertReactor {
  const { store, app, db, logger } = options;

  async function handle(event: RecordedEvent): Promise<Commit | undefined> {
    let target: { accountId: string; product: Product } | null = null;
    if (isSubscriptionEvent(event)) target = { accountId: event.data.accountId, product: event.data.product };
    else if (isEventOf(event, 'SeatAlertSet', 'SeatAlertRemoved')) {
      target = { accountId: event.data.accountId, product: event.data.product };
    }
    if (!target) return undefined;
    // A throw (the log out of reach, a conflict lost eight times) hands the event over again: deciding it twice
    // writes nothing twice.
    const appended = await app.seatAlerts.evaluate(target.accountId, target.product);
    if (appended === 0) return undefined;
    logger.info({ reactor: REACTOR_NAME, ...target, causationId: event.id, appended }, 'seat alert crossed or cleared');
    // Nothing to record but the checkpoint, committed now: what it decided is in the log.
    return () => {};
  }

  let running: RunningReactor | null = null;

  return {
    async start() {
      running = startReactor(
        {
          name: REACTOR_NAME,
          // The counts live in the subscription streams, the rules in the account streams.
          filter: { streamPrefixes: ['subscription-', 'account-'] },
          group: REACTOR_GROUP,
          handle,
        },
        { store, consumer: options.consumer, db, logger },
      );
      await running.started;
    },
    status: () => running?.status() ?? null,
    async stop() {
      await running?.stop();
      running = null;
    },
  };
}
