// No write's answer reads the licence history, so a write does not wait for history.db's own thread; a read of the
// history waits instead, until it shows every write answered so far. A real server over HTTP, its history held back
// by another connection keeping history.db's write lock (its thread's batches fail and retry): writes are answered
// from the read models at once, a history read that follows one waits and then shows it, and one that cannot be
// answered in time says so (SERVICE_UNAVAILABLE) rather than leave the write out.
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  ASSIGN,
  createUser,
  ok,
  purchase,
  REVOKE,
  signUpAccount,
  startTestSeatledger,
  type TestSeatledger,
} from '../support/seatledger';

const HISTORY = `{ licenseHistory(last: 1) { edges { node { type user { id } } } } }`;
// Long enough that a write kept waiting for the history would show plainly; the last case waits it out once.
const READ_YOUR_WRITES_MS = 2500;

type HistoryPage = { licenseHistory: { edges: { node: { type: string; user: { id: string } | null } }[] } };

describe('the licence history and read-your-writes', () => {
  let server: TestSeatledger;
  let token: string;
  let bob: { id: string };
  let lock: Database.Database;
  /** Another connection takes history.db's write lock: the history's thread cannot commit until it is let go. */
  const holdHistory = () => lock.exec('BEGIN IMMEDIATE');
  const releaseHistory = () => lock.exec('ROLLBACK');
  const timed = async <T>(run: () => Promise<T>) => {
    const started = Date.now();
    const result = await run();
    return { result, ms: Date.now() - started };
  };

  beforeAll(async () => {
    server = await startTestSeatledger({ reactors: false, readYourWritesTimeoutMs: READ_YOUR_WRITES_MS });
    const owner = await signUpAccount(server.gql, 'Fenced');
    token = owner.token;
    bob = await createUser(server.gql, token);
    await purchase(server.gql, token, 2, 'WEBINAR');
    lock = new Database(path.join(server.dataDir, 'history.db'));
  });

  afterAll(async () => {
    if (lock?.inTransaction) lock.exec('ROLLBACK');
    lock?.close();
    await server?.close();
  });

  it('answers a write from the read models without waiting for the history, whose next read waits and shows it', async () => {
    // given
    holdHistory();
    // when
    const assigned = await timed(() => server.gql(ASSIGN, { userId: bob.id, product: 'WEBINAR' }, token));
    // then: a full answer from the read models, long before the history could have shown the write
    expect(assigned.result.codes).toEqual([]);
    expect(ok(assigned.result).assignLicense.seats).toEqual({
      product: 'WEBINAR',
      purchased: 2,
      assigned: 1,
      available: 1,
    });
    expect(assigned.ms).toBeLessThan(READ_YOUR_WRITES_MS / 2);
    // when: the history is read while still held, and let go a moment later
    const read = server.gql<HistoryPage>(HISTORY, {}, token);
    await new Promise((resolve) => setTimeout(resolve, 200));
    releaseHistory();
    // then: the read waited for the history to show the write
    const page = ok(await read).licenseHistory.edges;
    expect(page.map((edge) => edge.node)).toEqual([{ type: 'LicenseAssigned', user: { id: bob.id } }]);
  });

  it('answers a history read the history cannot show in time with SERVICE_UNAVAILABLE, not without the write', async () => {
    // given
    holdHistory();
    const revoked = await timed(() => server.gql(REVOKE, { userId: bob.id, product: 'WEBINAR' }, token));
    expect(revoked.result.codes).toEqual([]);
    expect(revoked.ms).toBeLessThan(READ_YOUR_WRITES_MS / 2);
    // when
    const read = await timed(() => server.gql<HistoryPage>(HISTORY, {}, token));
    // then
    expect(read.result.codes).toEqual(['SERVICE_UNAVAILABLE']);
    expect(read.result.errors?.[0]?.message).toMatch(/licence history has not caught up with the latest writes/);
    expect(read.ms).toBeGreaterThanOrEqual(READ_YOUR_WRITES_MS - 50);
    // when: the history is let go, a read shows the revocation once the history's retry (after its backoff) is in,
    // as a client retrying shortly finds
    releaseHistory();
    let retried = await server.gql<HistoryPage>(HISTORY, {}, token);
    for (let attempt = 1; attempt < 5 && retried.codes.includes('SERVICE_UNAVAILABLE'); attempt++) {
      retried = await server.gql<HistoryPage>(HISTORY, {}, token);
    }
    expect(ok(retried).licenseHistory.edges.map((edge) => edge.node.type)).toEqual(['LicenseRevoked']);
  });
});
