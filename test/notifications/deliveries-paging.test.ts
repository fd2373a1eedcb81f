// Paging the notifications list when one event has several deliveries: a seat alert's crossing is mailed to each
// OWNER and ADMIN, one row per recipient at the same log position. Paging by position alone skipped some of them.
import { listDeliveries, type NotificationsDb, openNotificationsDb } from '../../src/notifications/db';
import { makeTempDir } from '../support/temp-dir';

const ACCOUNT = 'a1';

function insert(db: NotificationsDb, eventId: string, position: string): void {
  db.prepare(
    `INSERT INTO deliveries (event_id, position, account_id, recipient_user_id, recipient_email, kind, payload, status,
       next_attempt_at, created_at, updated_at)
     VALUES (?, ?, ?, 'u', 'u@example.test', 'SEAT_ALERT', '{}', 'FAILED', 0, '2026-01-01', '2026-01-01')`,
  ).run(eventId, position, ACCOUNT);
}

describe('the notifications list, a page at a time', () => {
  const temp = makeTempDir();
  let db: NotificationsDb;

  beforeEach(() => {
    db = openNotificationsDb(temp.dir);
    db.exec('DELETE FROM deliveries');
    insert(db, 'e1', '00000000000000000001');
    for (const user of ['owner', 'admin1', 'admin2']) insert(db, `e2/${user}`, '00000000000000000002');
    insert(db, 'e3', '00000000000000000003');
  });
  afterEach(() => db.close());

  it('given three recipients of one crossing, when paged one by one forward, then lists every delivery once', () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i += 1) {
      const page = listDeliveries(db, ACCOUNT, { first: 1, after });
      seen.push(...page.nodes.map((d) => d.eventId));
      if (!page.hasNextPage) break;
      after = page.endCursor;
    }
    // Newest position first; within one position a fixed order (the row's id, descending).
    expect(seen).toEqual(['e3', 'e2/owner', 'e2/admin2', 'e2/admin1', 'e1']);
  });

  it('given the same, when paged backward two at a time, then lists every delivery once, in the same order', () => {
    const forward = listDeliveries(db, ACCOUNT, { first: 10 }).nodes.map((d) => d.eventId);
    const pages: string[][] = [];
    let before: string | null = null;
    for (let i = 0; i < 10; i += 1) {
      const page = listDeliveries(db, ACCOUNT, { last: 2, before });
      pages.unshift(page.nodes.map((d) => d.eventId));
      if (!page.hasPreviousPage) break;
      before = page.startCursor;
    }
    expect(pages.flat()).toEqual(forward);
    expect(forward).toHaveLength(5);
  });

  it('given a cursor that is not one of this list, then refuses it', () => {
    expect(() => listDeliveries(db, ACCOUNT, { first: 1, after: '00000000000000000002' })).toThrow(/not a cursor/);
  });
});
