// Invitations lapse by this reactor, never by a clock read during a replay: it notes each pending invitation
// (InvitationSent) and each held seat (SeatReserved) with its expiry in notifications.db, committed with its checkpoint,
// forgets them once the log says they ended, and on every tick (REACTOR_TICK_SECONDS) asks the write side to expire
// those due. The write side decides again on the streams themselves (ExpireInvitation, ExpireSeatReservation: nothing
// before expiresAt, nothing for an invitation accepted or cancelled meanwhile), and what it decides is in the log, as
// the system (actorId `system`), caused by the event that set the expiry, on behalf of whoever invited. So an
// invitation lapses within one tick of its expiresAt, and a replay folds the same facts whenever it runs.
//
// A held seat is noted on its own as well as through its invitation: a crash between holding the seats and writing the
// invitation leaves seats no invitation names, and they lapse the same way.
import type { Application, SystemCause } from '../application/application';
import { isEventOf } from '../domain/events';
import { isProduct } from '../domain/plans';
import { type EventStore, EventStoreUnavailable, type RecordedEvent } from '../eventstore/port';
import type { LogConsumer } from '../processing/log-consumer';
import type { NotificationsDb } from './db';
import { type Commit, type ReactorGroupStatus, type RunningReactor, startReactor } from './reactor';
import type { Logger } from './transports';

const REACTOR_NAME = 'invitation-expiry';
/** The consumer group every instance's expiry reactor joins where the store has groups (EventStoreDB). */
const REACTOR_GROUP = 'seatledger-invitation-expiry';
export const DEFAULT_REACTOR_TICK_SECONDS = 10;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS invitation_expiries (
  -- 'invitation:<invitationId>' or 'seat:<accountId>:<product>:<invitationId>'
  key TEXT PRIMARY KEY,
  invitation_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  -- Null for an invitation; the product of a held seat.
  product TEXT,
  expires_at INTEGER NOT NULL,
  on_behalf_of TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  causation_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS invitation_expiries_due ON invitation_expiries (expires_at);
`;

interface InvitationExpiryOptions {
  readonly store: EventStore;
  readonly consumer: LogConsumer;
  readonly app: Application;
  /** notifications.db, shared with the notifier and the deactivation reactor. */
  readonly db: NotificationsDb;
  readonly logger: Logger;
  /** Seconds between looks for lapsed invitations (REACTOR_TICK_SECONDS). */
  readonly tickSeconds?: number;
  readonly now?: () => Date;
}

interface DueRow {
  key: string;
  invitation_id: string;
  account_id: string;
  product: string | null;
  on_behalf_of: string;
  correlation_id: string;
  causation_id: string;
}

export interface InvitationExpiryReactor {
  /** Resolves once caught up with the log as it was at start; ticks run from then on. */
  start(): Promise<void>;
  status(): ReactorGroupStatus | null;
  /** Expires what is due now (what a tick does); for tests and a clean shutdown. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

export function createInvitationExpiryReactor(options: InvitationExpiryOptions): InvitationExpiryReactor {
  const { store, app, db, logger } = options;
  const now = options.now ?? (() => new Date());
  const tickMs = (options.tickSeconds ?? DEFAULT_REACTOR_TICK_SECONDS) * 1000;
  db.exec(SCHEMA);
  const note = db.prepare(
    `INSERT OR IGNORE INTO invitation_expiries
       (key, invitation_id, account_id, product, expires_at, on_behalf_of, correlation_id, causation_id)
     VALUES (@key, @invitationId, @accountId, @product, @expiresAt, @onBehalfOf, @correlationId, @causationId)`,
  );
  const forget = db.prepare('DELETE FROM invitation_expiries WHERE key = ?');
  // Invitations first: expiring one frees its seats too, so its seats' own rows then find nothing to do.
  const due = db.prepare(
    `SELECT key, invitation_id, account_id, product, on_behalf_of, correlation_id, causation_id
       FROM invitation_expiries WHERE expires_at <= ? ORDER BY product IS NOT NULL, expires_at LIMIT 500`,
  );

  const invitationKey = (invitationId: string) => `invitation:${invitationId}`;
  const seatKey = (accountId: string, product: string, invitationId: string) =>
    `seat:${accountId}:${product}:${invitationId}`;

  async function handle(event: RecordedEvent): Promise<Commit | undefined> {
    const cause = {
      onBehalfOf: event.metadata.actorId,
      correlationId: event.metadata.correlationId,
      causationId: event.id,
    };
    if (isEventOf(event, 'InvitationSent')) {
      const { invitationId, accountId, expiresAt } = event.data;
      const row = { key: invitationKey(invitationId), invitationId, accountId, product: null, ...cause };
      return () => note.run({ ...row, expiresAt: Date.parse(expiresAt) });
    }
    if (isEventOf(event, 'SeatReserved')) {
      const { invitationId, accountId, product, expiresAt } = event.data;
      const row = { key: seatKey(accountId, product, invitationId), invitationId, accountId, product, ...cause };
      return () => note.run({ ...row, expiresAt: Date.parse(expiresAt) });
    }
    if (isEventOf(event, 'InvitationAccepted', 'InvitationCancelled', 'InvitationExpired')) {
      const key = invitationKey(event.data.invitationId);
      return () => forget.run(key);
    }
    if (isEventOf(event, 'SeatReservationConverted', 'SeatReservationCancelled', 'SeatReservationExpired')) {
      const key = seatKey(event.data.accountId, event.data.product, event.data.invitationId);
      return () => forget.run(key);
    }
    return undefined;
  }

  let ticking: Promise<void> | null = null;

  async function expireDue(): Promise<void> {
    const rows = due.all(now().getTime()) as DueRow[];
    for (const row of rows) {
      const cause: SystemCause = {
        correlationId: row.correlation_id,
        causationId: row.causation_id,
        onBehalfOf: row.on_behalf_of,
      };
      try {
        if (row.product === null) {
          await app.invitations.expireInvitation(cause, { invitationId: row.invitation_id });
        } else if (isProduct(row.product)) {
          const { account_id: accountId, product, invitation_id: invitationId } = row;
          await app.invitations.expireSeatReservation(cause, { accountId, product, invitationId });
        }
        // The row goes once the log's own event of the end comes through `handle`, in its checkpoint's transaction.
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        // Tried again on the next tick; the store out of reach stops this tick (every other row would fail alike).
        logger.warn({ reactor: REACTOR_NAME, key: row.key, error: message }, 'could not expire an invitation');
        if (error instanceof EventStoreUnavailable) return;
      }
    }
  }

  const tick = () => {
    // One tick at a time: a slow one is not overtaken by the next.
    ticking ??= expireDue().finally(() => {
      ticking = null;
    });
    return ticking;
  };

  let running: RunningReactor | null = null;
  let timer: NodeJS.Timeout | null = null;

  return {
    async start() {
      running = startReactor(
        {
          name: REACTOR_NAME,
          filter: { streamPrefixes: ['invitation-', 'subscription-'] },
          group: REACTOR_GROUP,
          handle,
        },
        { store, consumer: options.consumer, db, logger },
      );
      await running.started;
      timer = setInterval(() => void tick(), tickMs);
      timer.unref();
    },
    status: () => running?.status() ?? null,
    tick,
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await ticking;
      await running?.stop();
      running = null;
    },
  };
}
