// `<data dir>/notifications.db`: the reactors' checkpoints and the notifier's delivery state, and the query
// the GraphQL `notifications(status:)` field reads. Not a read model: it holds what happened outside (mail sent).
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  decodeCursor,
  encodeCursor,
  keysetPage,
  type Page,
  type PageArgs,
  pageWindow,
} from '../../projections/pagination';
import type { Position } from '../eventstore/port';
import { makePrivateDir, preparePrivateDatabase } from '../private-files';

export type NotificationsDb = Database.Database;

/**
 * The notifier's name in logs and /readyz, and the key of its checkpoint here (a restore sets it). Kept with the
 * tables rather than the notifier, so the CLI's backup, restore and migrate do not load the notifier to name it.
 */
export const NOTIFIER_NAME = 'notifier';

export type DeliveryStatus = 'PENDING' | 'SENT' | 'FAILED';
export type DeliveryKind = 'LICENSE_ASSIGNED' | 'LICENSE_REVOKED' | 'INVITATION' | 'SEAT_ALERT';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS checkpoint (
  name TEXT PRIMARY KEY,
  position TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
  -- The event's id; for a seat alert, one row per recipient: '<eventId>/<userId>'.
  event_id TEXT PRIMARY KEY,
  position TEXT NOT NULL,
  account_id TEXT NOT NULL,
  recipient_user_id TEXT NOT NULL,
  recipient_email TEXT NOT NULL,
  kind TEXT NOT NULL,
  -- What the mail needs besides the people: product, plan, reason, assigner, correlation id. Never a secret.
  payload TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('PENDING', 'SENT', 'FAILED')),
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  next_attempt_at INTEGER NOT NULL,
  -- Set once this delivery's activation link is issued; the token itself is recomputed, never stored.
  activation_expires_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
-- What the worker asks for, in its order: only deliveries still to send, so a sent one leaves the index.
CREATE INDEX IF NOT EXISTS deliveries_pending ON deliveries (next_attempt_at, position) WHERE status = 'PENDING';
-- Before 2026-12 every delivery ever made stayed in this one.
DROP INDEX IF EXISTS deliveries_due;
CREATE INDEX IF NOT EXISTS deliveries_by_account ON deliveries (account_id, position);
`;

export function openNotificationsDb(dataDir: string): NotificationsDb {
  makePrivateDir(dataDir);
  const file = path.join(dataDir, 'notifications.db');
  preparePrivateDatabase(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // A delivery row and the checkpoint commit together, so losing the last commits to a power cut loses both
  // and the event is handled again: NORMAL is enough, at worst a mail goes out twice with the same Message-ID.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  return db;
}

export function readCheckpoint(db: NotificationsDb, name: string): Position | undefined {
  const row = db.prepare('SELECT position FROM checkpoint WHERE name = ?').get(name) as
    | { position: string }
    | undefined;
  return row?.position;
}

// Prepared once per connection: every reactor moves its checkpoint once per event it records.
const checkpointWrites = new WeakMap<NotificationsDb, Database.Statement>();

export function writeCheckpoint(db: NotificationsDb, name: string, position: Position): void {
  let statement = checkpointWrites.get(db);
  if (!statement) {
    statement = db.prepare(
      'INSERT INTO checkpoint (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position',
    );
    checkpointWrites.set(db, statement);
  }
  statement.run(name, position);
}

export interface Delivery {
  readonly eventId: string;
  /** The event's position in the log: the sort key (with the row's id, for a crossing's several recipients). */
  readonly position: Position;
  readonly accountId: string;
  readonly recipient: { readonly userId: string; readonly email: string };
  readonly kind: DeliveryKind;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  /** Why the last try failed (no secret in it); null once sent. */
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

interface DeliveryRecord {
  event_id: string;
  position: string;
  account_id: string;
  recipient_user_id: string;
  recipient_email: string;
  kind: DeliveryKind;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

const toDelivery = (r: DeliveryRecord): Delivery => ({
  eventId: r.event_id,
  position: r.position,
  accountId: r.account_id,
  recipient: { userId: r.recipient_user_id, email: r.recipient_email },
  kind: r.kind,
  status: r.status,
  attempts: r.attempts,
  lastError: r.last_error,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const MAX_PAGE_SIZE = 100;

const DELIVERY_COLUMNS = `event_id, position, account_id, recipient_user_id, recipient_email, kind, status, attempts,
  last_error, created_at, updated_at`;

type DeliveryFilter = { readonly status?: DeliveryStatus | null };

function deliveriesOf(accountId: string, { status }: DeliveryFilter): [string, string[]] {
  return status
    ? ['FROM deliveries WHERE account_id = ? AND status = ?', [accountId, status]]
    : ['FROM deliveries WHERE account_id = ?', [accountId]];
}

/**
 * One account's deliveries, newest first (what an admin looking for failures wants to see first), a page at a time:
 * `first` after `after` (the `endCursor` of the previous page) or `last` before `before`. The caller checks that the
 * viewer is the account's OWNER or an ADMIN.
 */
export function listDeliveries(
  db: NotificationsDb,
  accountId: string,
  options: DeliveryFilter & PageArgs = {},
): Page<Delivery> {
  const window = pageWindow(options, 20);
  const [from, params] = deliveriesOf(accountId, options);
  return keysetPage(
    db,
    { ...window, size: Math.min(window.size, MAX_PAGE_SIZE) },
    {
      select: DELIVERY_COLUMNS,
      from,
      params,
      // The position alone is not unique: a seat alert's crossing has one row per recipient at its event's position.
      keys: ['position', 'event_id'],
      descending: true,
      after: options.after ? decodeCursor(options.after, 2, 'after') : null,
      before: options.before ? decodeCursor(options.before, 2, 'before') : null,
      node: toDelivery,
      cursor: (row: DeliveryRecord) => encodeCursor([row.position, row.event_id]),
    },
  );
}

/** How many deliveries the account has under the same filter. */
export function countDeliveries(db: NotificationsDb, accountId: string, filter: DeliveryFilter = {}): number {
  const [from, params] = deliveriesOf(accountId, filter);
  return db
    .prepare(`SELECT count(*) ${from}`)
    .pluck()
    .get(...params) as number;
}

/** One delivery of the account by the id of the event it is about; null for none or another account's. */
export function deliveryById(db: NotificationsDb, accountId: string, eventId: string): Delivery | null {
  const row = db
    .prepare(`SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE event_id = ? AND account_id = ?`)
    .get(eventId, accountId) as DeliveryRecord | undefined;
  return row ? toDelivery(row) : null;
}

/**
 * A backup's copy of notifications.db (`file`) as of its log copy's head. The notifier's effect, mail, is outside the log: its progress is kept,
 * cut back to the head where it went past (what it recorded about later events goes: those events are not in the
 * backup, and a restored log gives their positions to new events). Deliveries at or before the head keep their state:
 * SENT is not sent again, PENDING goes out after a restore. Every other reactor's effects are in the log itself (the
 * deactivation's revocations, the invitations' expiries), and those it appended after the head are not in the backup:
 * its progress goes, so that after a restore it folds the log again from the start and redoes them (idempotent: what
 * is already in the log is not done twice).
 */
export function cutNotificationsAt(file: string, head: Position | null, notifierName: string): void {
  const db = new Database(file);
  try {
    db.transaction(() => {
      // `group-joined:` marks (EventStoreDB's consumer groups) hold a time, not a position.
      db.prepare(`DELETE FROM checkpoint WHERE name <> ? AND name NOT LIKE 'group-joined:%'`).run(notifierName);
      if (head === null) {
        db.prepare('DELETE FROM checkpoint WHERE name = ?').run(notifierName);
        db.prepare('DELETE FROM deliveries').run();
      } else {
        db.prepare('UPDATE checkpoint SET position = ? WHERE name = ? AND position > ?').run(head, notifierName, head);
        db.prepare('DELETE FROM deliveries WHERE position > ?').run(head);
      }
    })();
  } finally {
    db.close();
  }
}
