// Read model `seat-alerts`: each account's seat alert per product (its rule), whether it is firing and when it last
// crossed, for `seatAlerts`. The rule comes from the account stream, the firing from the alert streams.
import { defineProjection } from '../../src/projection-runtime/define';

export const seatAlertsProjection = defineProjection({
  name: 'seat-alerts',
  version: 1,
  tables: [
    `CREATE TABLE seat_alerts (
      account_id TEXT NOT NULL,
      product TEXT NOT NULL,
      kind TEXT NOT NULL,
      threshold INTEGER NOT NULL,
      firing INTEGER NOT NULL,
      last_crossed_at TEXT,
      PRIMARY KEY (account_id, product)
    ) WITHOUT ROWID`,
  ],
  handlers: {
    // Set anew: armed again (the alert reactor fires at once if the counts already stand past it).
    SeatAlertSet: (db, e) =>
      db.run(
        `INSERT INTO seat_alerts (account_id, product, kind, threshold, firing, last_crossed_at)
         VALUES (?, ?, ?, ?, 0, NULL)
         ON CONFLICT (account_id, product) DO UPDATE SET kind = excluded.kind, threshold = excluded.threshold, firing = 0`,
        e.data.accountId,
        e.data.product,
        e.data.kind,
        e.data.threshold,
      ),
    SeatAlertRemoved: (db, e) =>
      db.run('DELETE FROM seat_alerts WHERE account_id = ? AND product = ?', e.data.accountId, e.data.product),
    // A crossing of a rule removed meanwhile finds no row: nothing fires for an alert that is gone.
    SeatThresholdCrossed: (db, e) =>
      db.run(
        'UPDATE seat_alerts SET firing = 1, last_crossed_at = ? WHERE account_id = ? AND product = ?',
        e.metadata.occurredAt,
        e.data.accountId,
        e.data.product,
      ),
    SeatThresholdCleared: (db, e) =>
      db.run(
        'UPDATE seat_alerts SET firing = 0 WHERE account_id = ? AND product = ?',
        e.data.accountId,
        e.data.product,
      ),
  },
});
