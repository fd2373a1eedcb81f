// Read model `subscriptions`: each account's product subscriptions (their plan) and who holds their licences.
// Seat counts are seat-availability's: ProductSubscription.seats reads them there.
import { defineProjection } from '../../src/projection-runtime/define';
import { subscriptionKey } from '../subscription-key';

export const subscriptionsProjection = defineProjection({
  name: 'subscriptions',
  // 2: subscriptions lost created_at, updated_at and the seat counts, subscription_holders assigned_at and
  // assigned_by: nothing read them.
  version: 2,
  tables: [
    `CREATE TABLE subscriptions (
      account_id TEXT NOT NULL,
      product TEXT NOT NULL,
      plan_id TEXT NOT NULL,
      PRIMARY KEY (account_id, product)
    ) WITHOUT ROWID`,
    `CREATE TABLE subscription_holders (
      account_id TEXT NOT NULL,
      product TEXT NOT NULL,
      user_id TEXT NOT NULL,
      position TEXT NOT NULL,
      PRIMARY KEY (account_id, product, user_id)
    ) WITHOUT ROWID`,
    // Assignees are listed in the order their licences were assigned: the log position is unique and stable.
    'CREATE INDEX subscription_holders_in_order ON subscription_holders (account_id, product, position)',
  ],
  handlers: {
    LicensePurchased: (db, e) =>
      db.run(
        'INSERT OR IGNORE INTO subscriptions (account_id, product, plan_id) VALUES (?, ?, ?)',
        ...subscriptionKey(e),
        e.data.planId,
      ),
    PlanUpgraded: (db, e) =>
      db.run(
        'UPDATE subscriptions SET plan_id = ? WHERE account_id = ? AND product = ?',
        e.data.toPlanId,
        ...subscriptionKey(e),
      ),
    LicenseAssigned: (db, e) =>
      db.run(
        'INSERT OR IGNORE INTO subscription_holders (account_id, product, user_id, position) VALUES (?, ?, ?, ?)',
        ...subscriptionKey(e),
        e.data.userId,
        e.position,
      ),
    LicenseRevoked: (db, e) =>
      db.run(
        'DELETE FROM subscription_holders WHERE account_id = ? AND product = ? AND user_id = ?',
        ...subscriptionKey(e),
        e.data.userId,
      ),
  },
});
