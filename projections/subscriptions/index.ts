// Read model `subscriptions`: each account's product subscriptions (their plan). Seat counts are seat-availability's
// (ProductSubscription.seats reads them there); who holds the licences is users' user_licenses (assignees reads it).
import { defineProjection } from '../../src/projection-runtime/define';
import { subscriptionKey } from '../subscription-key';

export const subscriptionsProjection = defineProjection({
  name: 'subscriptions',
  // 2: subscriptions lost created_at, updated_at and the seat counts, subscription_holders assigned_at and
  // assigned_by: nothing read them. 3: subscription_holders went, a copy of users' user_licenses (one licence, one row).
  version: 3,
  tables: [
    `CREATE TABLE subscriptions (
      account_id TEXT NOT NULL,
      product TEXT NOT NULL,
      plan_id TEXT NOT NULL,
      PRIMARY KEY (account_id, product)
    ) WITHOUT ROWID`,
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
  },
});
