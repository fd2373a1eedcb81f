// Queries over `seat-availability`: the seat counts a resolver shows, never a source of truth for a decision.
import type Database from 'better-sqlite3';
import { PRODUCTS, type Product } from '../../src/domain/plans';
import { prepared } from '../../src/projection-runtime/sql';

interface SeatAvailability {
  readonly product: Product;
  readonly purchased: number;
  readonly assigned: number;
  /** Held for pending invitations. */
  readonly reserved: number;
  /** purchased − assigned − reserved */
  readonly available: number;
}

interface Row {
  product: Product;
  purchased: number;
  assigned: number;
  reserved: number;
}

const toSeats = (row: Row): SeatAvailability => ({
  product: row.product,
  purchased: row.purchased,
  assigned: row.assigned,
  reserved: row.reserved,
  available: row.purchased - row.assigned - row.reserved,
});

/** Zeros when the account never bought the product. */
export function seatAvailability(db: Database.Database, accountId: string, product: Product): SeatAvailability {
  const row = prepared(
    db,
    'SELECT product, purchased, assigned, reserved FROM seat_availability WHERE account_id = ? AND product = ?',
  ).get(accountId, product) as Row | undefined;
  return toSeats(row ?? { product, purchased: 0, assigned: 0, reserved: 0 });
}

/** Every product the account holds seats of, in catalog order. */
export function forAccount(db: Database.Database, accountId: string): SeatAvailability[] {
  const rows = prepared(
    db,
    'SELECT product, purchased, assigned, reserved FROM seat_availability WHERE account_id = ?',
  ).all(accountId) as Row[];
  return rows.sort((a, b) => PRODUCTS.indexOf(a.product) - PRODUCTS.indexOf(b.product)).map(toSeats);
}

/** Every account's counters, for `replay --verify` to hold against the fold of each subscription stream. */
export function allSeatCounters(
  db: Database.Database,
): { accountId: string; product: string; purchased: number; assigned: number; reserved: number }[] {
  return prepared(
    db,
    `SELECT account_id AS accountId, product, purchased, assigned, reserved FROM seat_availability
     ORDER BY account_id, product`,
  ).all() as { accountId: string; product: string; purchased: number; assigned: number; reserved: number }[];
}
