// Read model `license-history`: every event of each account's licence streams, oldest first, for auditors and the SPA.
import type { RecordedEvent } from '../../src/eventstore/port';
import { defineProjection } from '../../src/projection-runtime/define';

/** The user an event is about, if any (never the actor: that is actor_id). */
const subjectOf = (event: RecordedEvent): string | null => {
  const userId = event.data.userId;
  return typeof userId === 'string' ? userId : null;
};

export const licenseHistoryProjection = defineProjection({
  name: 'license-history',
  // 2: events by id, for node(id:).
  version: 2,
  tables: [
    `CREATE TABLE license_history (
      seq INTEGER PRIMARY KEY,
      position TEXT NOT NULL,
      account_id TEXT NOT NULL,
      event_id TEXT NOT NULL,
      type TEXT NOT NULL,
      occurred_at TEXT NOT NULL,
      actor_id TEXT NOT NULL,
      user_id TEXT,
      product TEXT,
      data TEXT NOT NULL
    )`,
    'CREATE INDEX license_history_by_account ON license_history (account_id, position)',
    'CREATE INDEX license_history_by_user ON license_history (account_id, user_id, position) WHERE user_id IS NOT NULL',
    'CREATE INDEX license_history_by_product ON license_history (account_id, product, position) WHERE product IS NOT NULL',
    'CREATE INDEX license_history_by_event ON license_history (event_id)',
  ],
  handlers: {
    // Every type of the licence streams, known today or added later: history is the log as it stands.
    '*': (db, e) => {
      const accountId = e.metadata.accountId ?? e.data.accountId;
      if (typeof accountId !== 'string') return;
      const product = e.data.product;
      db.run(
        `INSERT INTO license_history
         (position, account_id, event_id, type, occurred_at, actor_id, user_id, product, data)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        e.position,
        accountId,
        e.id,
        e.type,
        e.metadata.occurredAt,
        e.metadata.actorId,
        subjectOf(e),
        typeof product === 'string' ? product : null,
        JSON.stringify(e.data),
      );
    },
  },
});
