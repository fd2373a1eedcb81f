// Queries over `license-history`: an account's events oldest first, by user and product, paged by log position.
import type Database from 'better-sqlite3';
import type { Product } from '../../src/domain/plans';
import type { Position } from '../../src/eventstore/port';
import { prepared } from '../../src/projection-runtime/sql';
import { type Page, type PageArgs, pageSize, toPage } from '../pagination';

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

// One fixed statement per combination of filters, so each uses the index made for it.
const statements = {
  all: 'WHERE account_id = ? AND position > ?',
  user: 'WHERE account_id = ? AND user_id = ? AND position > ?',
  product: 'WHERE account_id = ? AND product = ? AND position > ?',
  both: 'WHERE account_id = ? AND user_id = ? AND product = ? AND position > ?',
};

/** The account's licence history, oldest first; `after` is the position of the last event of the previous page. */
export function history(db: Database.Database, accountId: string, args: HistoryArgs = {}): Page<LicenseEventRow> {
  const size = pageSize(args.first, 50);
  const after = args.after ?? '';
  const { userId, product } = args;
  const [where, params] =
    userId && product
      ? [statements.both, [accountId, userId, product]]
      : userId
        ? [statements.user, [accountId, userId]]
        : product
          ? [statements.product, [accountId, product]]
          : [statements.all, [accountId]];
  const rows = prepared(
    db,
    `SELECT event_id, position, account_id, type, occurred_at, actor_id, user_id, product, data
     FROM license_history ${where} ORDER BY position LIMIT ?`,
  ).all(...params, after, size + 1) as SqlEvent[];
  return toPage(rows, size, toEvent, (row) => row.position);
}
