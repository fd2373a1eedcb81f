// Queries over the `seat-alerts` read model.
import type Database from 'better-sqlite3';
import type { Product } from '../../src/domain/plans';
import type { SeatAlertKind } from '../../src/domain/seat-alert';

export interface SeatAlertRow {
  readonly accountId: string;
  readonly product: Product;
  readonly kind: SeatAlertKind;
  readonly threshold: number;
  readonly firing: boolean;
  /** ISO-8601; null: never crossed since it was set. */
  readonly lastCrossedAt: string | null;
}

interface SqlSeatAlert {
  account_id: string;
  product: Product;
  kind: SeatAlertKind;
  threshold: number;
  firing: number;
  last_crossed_at: string | null;
}

const toRow = (row: SqlSeatAlert): SeatAlertRow => ({
  accountId: row.account_id,
  product: row.product,
  kind: row.kind,
  threshold: row.threshold,
  firing: row.firing === 1,
  lastCrossedAt: row.last_crossed_at,
});

/** The account's alerts, in product order. */
export function seatAlertsOf(db: Database.Database, accountId: string): SeatAlertRow[] {
  const rows = db
    .prepare(
      'SELECT account_id, product, kind, threshold, firing, last_crossed_at FROM seat_alerts WHERE account_id = ? ORDER BY product',
    )
    .all(accountId) as SqlSeatAlert[];
  return rows.map(toRow);
}
