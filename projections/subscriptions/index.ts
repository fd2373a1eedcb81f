// Read model `subscriptions`: each account's product subscriptions (plan, seats) and who holds their licences.
import { defineProjection } from '../../src/projection-runtime/define';
import { subscriptionKey } from '../subscription-key';

export const subscriptionsProjection = defineProjection({
  name: 'subscriptions',
  // 2: subscriptions lost created_at and updated_at, which nothing read.
  version: 2,
  tables: [
    `CREATE TABLE subscriptions (
      account_id TEXT NOT NULL,
      product TEXT NOT NULL,
      plan_id TEXT NOT NULL,
      purchased INTEGER NOT NULL,
      assigned INTEGER NOT NULL,
      PRIMARY KEY (account_id, product)
    ) WITHOUT ROWID`,
    `CREATE TABLE subscription_holders (
      account_id TEXT NOT NULL,
      product TEXT NOT NULL,
      user_id TEXT NOT NULL,
      assigned_at TEXT NOT NULL,
      assigned_by TEXT NOT NULL,
      position TEXT NOT NULL,
      PRIMARY KEY (account_id, product, user_id)
    ) WITHOUT ROWID`,
    // Assignees are listed in the order their licences were assigned: the log position is unique and stable.
    'CREATE INDEX subscription_holders_in_order ON subscription_holders (account_id, product, position)',
  ],
  handlers: {
    LicensePurchased: (db, e) =>
      db.run(
        `INSERT INTO subscriptions (account_id, product, plan_id, purchased, assigned) VALUES (?, ?, ?, ?, 0)
         ON CONFLICT DO UPDATE SET purchased = purchased + excluded.purchased`,
        ...subscriptionKey(e),
        e.data.planId,
        e.data.quantity,
      ),
    PlanUpgraded: (db, e) =>
      db.run(
        'UPDATE subscriptions SET plan_id = ? WHERE account_id = ? AND product = ?',
        e.data.toPlanId,
        ...subscriptionKey(e),
      ),
    LicensesReleased: (db, e) =>
      db.run(
        'UPDATE subscriptions SET purchased = purchased - ? WHERE account_id = ? AND product = ?',
        e.data.quantity,
        ...subscriptionKey(e),
      ),
    LicenseAssigned: (db, e) => {
      db.run(
        `INSERT OR IGNORE INTO subscription_holders (account_id, product, user_id, assigned_at, assigned_by, position)
         VALUES (?, ?, ?, ?, ?, ?)`,
        ...subscriptionKey(e),
        e.data.userId,
        e.metadata.occurredAt,
        e.metadata.actorId,
        e.position,
      );
      db.run(
        'UPDATE subscriptions SET assigned = assigned + 1 WHERE account_id = ? AND product = ?',
        ...subscriptionKey(e),
      );
    },
    LicenseRevoked: (db, e) => {
      db.run(
        'DELETE FROM subscription_holders WHERE account_id = ? AND product = ? AND user_id = ?',
        ...subscriptionKey(e),
        e.data.userId,
      );
      db.run(
        'UPDATE subscriptions SET assigned = assigned - 1 WHERE account_id = ? AND product = ?',
        ...subscriptionKey(e),
      );
    },
  },
});
