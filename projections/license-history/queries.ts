// Queries over `license-history`: an account's events oldest first, by user and product, paged by log position.
import type Database from 'better-sqlite3';
import type { Product } from '../../src/domain/plans';
import type { Position } from '../../src/eventstore/port';
import { prepared } from '../../src/projection-runtime/sql';
import { keysetPage, type Page, type PageArgs, pageWindow } from '../pagination';

export interface LicenseEventRow {
  readonly id: string;
  /** The event's log position: also its cursor (the contract lets clients pass it back as `after`). */
  readonly position: Position;
  readonly accountId: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly actorId: string;
  readonly userId: string | null;
  readonly product: Product | null;
  /** The event's payload as a JSON object string. */
  readonly data: string;
}

interface HistoryArgs extends PageArgs {
  readonly userId?: string | null;
  readonly product?: Product | null;
}

interface SqlEvent {
  event_id: string;
  position: string;
  account_id: string;
  type: string;
  occurred_at: string;
  actor_id: string;
  user_id: string | null;
  product: Product | null;
  data: string;
}

const toEvent = (row: SqlEvent): LicenseEventRow => ({
  id: row.event_id,
  position: row.position,
  accountId: row.account_id,
  type: row.type,
  occurredAt: row.occurred_at,
  actorId: row.actor_id,
  userId: row.user_id,
  product: row.product,
  data: row.data,
});

// One fixed filter per combination of filters, so each uses the index made for it.
const filters = {
  all: 'FROM license_history WHERE account_id = ?',
  user: 'FROM license_history WHERE account_id = ? AND user_id = ?',
  product: 'FROM license_history WHERE account_id = ? AND product = ?',
  both: 'FROM license_history WHERE account_id = ? AND user_id = ? AND product = ?',
};

function filtered(accountId: string, { userId, product }: HistoryArgs): [string, string[]] {
  if (userId && product) return [filters.both, [accountId, userId, product]];
  if (userId) return [filters.user, [accountId, userId]];
  if (product) return [filters.product, [accountId, product]];
  return [filters.all, [accountId]];
}

/**
 * The account's licence history, oldest first; `after` is the position of the last event of the previous page,
 * `before` (with `last`) the position of the first event of the next one.
 */
export function history(db: Database.Database, accountId: string, args: HistoryArgs = {}): Page<LicenseEventRow> {
  const [from, params] = filtered(accountId, args);
  return keysetPage(db, pageWindow(args, 50), {
    select: 'event_id, position, account_id, type, occurred_at, actor_id, user_id, product, data',
    from,
    params,
    keys: ['position'],
    after: args.after ? [args.after] : null,
    before: args.before ? [args.before] : null,
    node: toEvent,
    cursor: (row: SqlEvent) => row.position,
  });
}

/** How many events the history holds under the same filters (counted on its index, only when asked). */
export function historyCount(db: Database.Database, accountId: string, args: HistoryArgs = {}): number {
  const [from, params] = filtered(accountId, args);
  return prepared(db, `SELECT count(*) ${from}`)
    .pluck()
    .get(...params) as number;
}

/** One event of the account's history by its id; null for no such event or another account's. */
export function eventById(db: Database.Database, accountId: string, eventId: string): LicenseEventRow | null {
  const row = prepared(
    db,
    `SELECT event_id, position, account_id, type, occurred_at, actor_id, user_id, product, data
     FROM license_history WHERE event_id = ? AND account_id = ?`,
  ).get(eventId, accountId) as SqlEvent | undefined;
  return row ? toEvent(row) : null;
}
