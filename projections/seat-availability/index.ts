// Read model `seat-availability`: purchased, assigned and reserved (held for invitations) seats per account and
// product; available is purchased − assigned − reserved.
import { defineProjection } from '../../src/projection-runtime/define';
import type { ProjectionDb } from '../../src/projection-runtime/sql';

/**
 * Counters of one subscription move: most events of the log do this, so they are tallied per batch. A tally creates
 * a missing row, so the read model mirrors the log even where the log breaks a rule (replay --verify then reports it
 * rather than the read model hiding it).
 */
const count = (
  db: ProjectionDb,
  e: { readonly data: { readonly accountId: string; readonly product: string } },
  deltas: { purchased?: number; assigned?: number; reserved?: number },
) => db.tally('seat_availability', { account_id: e.data.accountId, product: e.data.product }, deltas);

export const seatAvailabilityProjection = defineProjection({
  name: 'seat-availability',
  // 2: seats held for invitations (reserved). 3: counters default to 0 (tallied per batch).
  version: 3,
  tables: [
    `CREATE TABLE seat_availability (
      account_id TEXT NOT NULL,
      product TEXT NOT NULL,
      purchased INTEGER NOT NULL DEFAULT 0,
      assigned INTEGER NOT NULL DEFAULT 0,
      reserved INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (account_id, product)
    ) WITHOUT ROWID`,
  ],
  handlers: {
    LicensePurchased: (db, e) => count(db, e, { purchased: e.data.quantity }),
    LicensesReleased: (db, e) => count(db, e, { purchased: -e.data.quantity }),
    LicenseAssigned: (db, e) => count(db, e, { assigned: 1 }),
    LicenseRevoked: (db, e) => count(db, e, { assigned: -1 }),
    SeatReserved: (db, e) => count(db, e, { reserved: 1 }),
    // A held seat is freed (converted, cancelled or expired): one fewer reserved. The LicenseAssigned that follows a
    // conversion counts the seat as assigned.
    SeatReservationConverted: (db, e) => count(db, e, { reserved: -1 }),
    SeatReservationCancelled: (db, e) => count(db, e, { reserved: -1 }),
    SeatReservationExpired: (db, e) => count(db, e, { reserved: -1 }),
  },
});
