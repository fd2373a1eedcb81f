// The deliveries' index of what is due holds only deliveries still to send. A data dir from before it had an index
// of every delivery ever made by status: opening it drops that one and builds the new one from the rows there.
import path from 'node:path';
import Database from 'better-sqlite3';
import { openNotificationsDb } from '../../src/notifications/db';
import { makeTempDir } from '../support/temp-dir';

const OLD_SCHEMA = `
CREATE TABLE deliveries (event_id TEXT PRIMARY KEY, position TEXT NOT NULL, account_id TEXT NOT NULL,
  recipient_user_id TEXT NOT NULL, recipient_email TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('PENDING', 'SENT', 'FAILED')), attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT, next_attempt_at INTEGER NOT NULL, activation_expires_at TEXT, created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_by_account ON deliveries (account_id, position);`;

describe("the deliveries' index of what is due", () => {
  const temp = makeTempDir();

  it('given a notifications.db from before, when opened, then indexes only the pending deliveries', () => {
    const old = new Database(path.join(temp.dir, 'notifications.db'));
    old.exec(OLD_SCHEMA);
    const insert = old.prepare(
      `INSERT INTO deliveries (event_id, position, account_id, recipient_user_id, recipient_email, kind, payload,
         status, next_attempt_at, created_at, updated_at)
       VALUES (?, ?, 'a1', 'u', 'u@example.test', 'LICENSE_ASSIGNED', '{}', ?, 0, '2026-01-01', '2026-01-01')`,
    );
    insert.run('e1', '00000000000000000001', 'SENT');
    insert.run('e2', '00000000000000000002', 'PENDING');
    insert.run('e3', '00000000000000000003', 'FAILED');
    old.close();

    const db = openNotificationsDb(temp.dir);
    try {
      const indexes = db
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'deliveries' AND sql IS NOT NULL`)
        .pluck()
        .all();
      expect(indexes.sort()).toEqual(['deliveries_by_account', 'deliveries_pending']);
      const pending = db
        .prepare(`SELECT event_id FROM deliveries INDEXED BY deliveries_pending WHERE status = 'PENDING'`)
        .pluck()
        .all();
      expect(pending).toEqual(['e2']);
      // The worker's question, in its order, straight from the index: no sort of its own.
      const plan = db
        .prepare(
          `EXPLAIN QUERY PLAN SELECT event_id FROM deliveries WHERE status = 'PENDING' AND next_attempt_at <= ?
             ORDER BY next_attempt_at, position LIMIT ?`,
        )
        .all(0, 1)
        .map((row) => (row as { detail: string }).detail);
      expect(plan).toEqual(['SEARCH deliveries USING INDEX deliveries_pending (next_attempt_at<?)']);
    } finally {
      db.close();
    }
  });
});
