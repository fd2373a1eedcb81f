// Deactivating a user revokes their licences: on UserDeactivated this reactor issues RevokeLicense for each
// product as the system (actorId `system`), caused by the deactivation event, on behalf of whoever deactivated
// them (metadata `onBehalfOf`), with the reason "user deactivated". The revocation mail then follows from
// LicenseRevoked like any other. `deactivateUser` answers only once these revocations show in the read models
// (the query service's deactivationAfter), so how fast this reactor runs is how fast that mutation answers.
//
// Idempotent by construction: a licence the user no longer holds answers NotAssigned, which is fine, so reading
// events again after a crash revokes nothing twice. It also closes a race the write side cannot see: an
// assignment decided while the user was still active but appended after their deactivation. So a LicenseAssigned
// to a user who is inactive now is revoked too, on behalf of the assigner.
import type { Application, SystemCause } from '../application/application';
import { NotAssigned, NotFound } from '../domain/errors';
import { isEventOf } from '../domain/events';
import { PRODUCTS, type Product } from '../domain/plans';
import { type EventStore, EventStoreUnavailable, type RecordedEvent } from '../eventstore/port';
import type { LogConsumer } from '../processing/log-consumer';
import { type NotificationsDb, openNotificationsDb } from './db';
import type { RetryPolicy } from './notifier';
import { type ReactorGroupStatus, type RunningReactor, startReactor } from './reactor';
import type { Logger } from './transports';

const DEACTIVATION_REACTOR_NAME = 'deactivation';
const DEACTIVATION_REASON = 'user deactivated';
/** The consumer group every instance's deactivation reactor joins where the store has groups (EventStoreDB). */
const DEACTIVATION_GROUP = 'seatledger-deactivation';

interface DeactivationReactorOptions {
  readonly store: EventStore;
  /** The process's log consumer: the reactor follows the log as one of its processors (or joins its group). */
  readonly consumer: LogConsumer;
  readonly app: Application;
  /** Opens `<data dir>/notifications.db`; or pass an open one (shared with the notifier). */
  readonly dataDir?: string;
  readonly db?: NotificationsDb;
  readonly logger: Logger;
  /** For a revocation that fails for another reason than "not assigned" (a conflict, the store unreachable). */
  readonly retry?: RetryPolicy;
}

interface DeactivationReactor {
  /** Resolves once caught up with the log as it was at start. */
  start(): Promise<void>;
  /** Its state in its consumer group, for /readyz (null where it is a processor of the log consumer). */
  status(): ReactorGroupStatus | null;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createDeactivationReactor(options: DeactivationReactorOptions): DeactivationReactor {
  const { store, app, logger } = options;
  if (!options.db && !options.dataDir) throw new Error('createDeactivationReactor needs a dataDir or a db');
  const ownsDb = !options.db;
  const db = options.db ?? openNotificationsDb(options.dataDir as string);
  const retry = options.retry ?? { attempts: 5, baseDelayMs: 200, maxDelayMs: 5_000 };

  async function revoke(cause: SystemCause, accountId: string, userId: string, product: Product): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await app.revokeLicenseAsSystem(cause, { accountId, userId, product, reason: DEACTIVATION_REASON });
        logger.info({ userId, product, causationId: cause.causationId }, 'licence of a deactivated user revoked');
        return true;
      } catch (error) {
        if (error instanceof NotAssigned || error instanceof NotFound) return false;
        // The log cannot be written (disk full, store down): giving up would advance the checkpoint past a
        // revocation never made. Throw instead, so the loop resumes from its checkpoint until the log is back.
        if (error instanceof EventStoreUnavailable) throw error;
        const message = error instanceof Error ? error.message : String(error);
        if (attempt >= retry.attempts) {
          // Giving up keeps the reactor moving; the licence stays with an inactive user, who cannot sign in.
          logger.error({ userId, product, error: message }, 'could not revoke the licence of a deactivated user');
          return false;
        }
        await sleep(Math.min(retry.baseDelayMs * 2 ** (attempt - 1), retry.maxDelayMs ?? Number.POSITIVE_INFINITY));
      }
    }
  }

  async function handle(event: RecordedEvent) {
    let userId: string;
    let accountId: string;
    let products: readonly Product[];
    if (isEventOf(event, 'UserDeactivated')) {
      userId = event.data.userId;
      const user = await app.loadUser(userId);
      if (user.status === 'absent') return undefined;
      accountId = user.accountId;
      products = PRODUCTS;
    } else if (isEventOf(event, 'LicenseAssigned')) {
      const user = await app.loadUser(event.data.userId);
      if (user.status !== 'inactive') return undefined;
      ({ userId, accountId } = event.data);
      products = [event.data.product];
    } else {
      return undefined;
    }
    // Recorded as the system, caused by this event, for the user whose act it carries out: nobody's role is
    // borrowed, and the revocation's authority is the deactivation the user decider already accepted.
    const cause: SystemCause = {
      correlationId: event.metadata.correlationId,
      causationId: event.id,
      onBehalfOf: event.metadata.actorId,
    };
    for (const product of products) await revoke(cause, accountId, userId, product);
    // Nothing to record but the checkpoint, now: the commands are written, so don't read this event again.
    return () => {};
  }

  let running: RunningReactor | null = null;

  return {
    async start() {
      running = startReactor(
        {
          name: DEACTIVATION_REACTOR_NAME,
          filter: { streamPrefixes: ['user-', 'subscription-'] },
          // Revoking twice would be harmless (NotAssigned is ignored), but with a group one instance does the work.
          // No outside effect, so no claim (see notifier.ts): the revocations are idempotent in the log itself.
          group: DEACTIVATION_GROUP,
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
      if (ownsDb) db.close();
    },
  };
}
