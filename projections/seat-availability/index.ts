// Read model `seat-availability`: purchased, assigned and reserved (held for invitations) seats per account and
// product; available is purchased − assigned − reserved.
import { defineProjection } from '../../src/projection-runtime/define';
import { subscriptionKey } from '../subscription-key';

/** A held seat is freed (converted, cancelled or expired): one fewer reserved. */
const freed = 'UPDATE seat_availability SET reserved = reserved - 1 WHERE account_id = ? AND product = ?';

export const seatAvailabilityProjection = defineProjection({
  name: 'seat-availability',
  // 2: seats held for invitations (reserved).
  version: 2,
  tables: [
    `CREATE TABLE seat_availability (
      account_id TEXT NOT NULL,
      product TEXT NOT NULL,
      purchased INTEGER NOT NULL,
      assigned INTEGER NOT NULL,
      reserved INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (account_id, product)
    ) WITHOUT ROWID`,
  ],
  handlers: {
    LicensePurchased: (db, e) =>
      db.run(
        `INSERT INTO seat_availability (account_id, product, purchased, assigned) VALUES (?, ?, ?, 0)
         ON CONFLICT DO UPDATE SET purchased = purchased + excluded.purchased`,
        ...subscriptionKey(e),
        e.data.quantity,
      ),
    LicensesReleased: (db, e) =>
      db.run(
        'UPDATE seat_availability SET purchased = purchased - ? WHERE account_id = ? AND product = ?',
        e.data.quantity,
        ...subscriptionKey(e),
      ),
    // An upsert, not an update: the read model mirrors the log even where the log breaks a rule (replay --verify
    // then reports it rather than the read model hiding it).
    LicenseAssigned: (db, e) =>
      db.run(
        `INSERT INTO seat_availability (account_id, product, purchased, assigned) VALUES (?, ?, 0, 1)
         ON CONFLICT DO UPDATE SET assigned = assigned + 1`,
        ...subscriptionKey(e),
      ),
    LicenseRevoked: (db, e) =>
      db.run(
        'UPDATE seat_availability SET assigned = assigned - 1 WHERE account_id = ? AND product = ?',
        ...subscriptionKey(e),
      ),
    SeatReserved: (db, e) =>
      db.run(
        `INSERT INTO seat_availability (account_id, product, purchased, assigned, reserved) VALUES (?, ?, 0, 0, 1)
         ON CONFLICT DO UPDATE SET reserved = reserved + 1`,
        ...subscriptionKey(e),
      ),
    // The LicenseAssigned that follows a conversion counts the seat as assigned.
    SeatReservationConverted: (db, e) => db.run(freed, ...subscriptionKey(e)),
    SeatReservationCancelled: (db, e) => db.run(freed, ...subscriptionKey(e)),
    SeatReservationExpired: (db, e) => db.run(freed, ...subscriptionKey(e)),
  },
});
