// Per-request DataLoaders over real HTTP: listing users with their licences and who assigned them costs a fixed
// handful of read-model queries, the same for 50 users as for 500. The count comes from the read-model connection's
// own statements: every execution of a statement prepared on `<data dir>/readmodels.db` is counted.
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  ASSIGN,
  createUser,
  ok,
  purchase,
  type SignedUpAccount,
  signUpAccount,
  startTestSeatledger,
  TEST_AUTH_SECRET,
  type TestSeatledger,
  tokenFor,
} from '../support/seatledger';

const LISTING = `{
  users(first: 500) {
    totalCount
    edges { node { id name licenses { product plan { id } assignedBy { name } } entitlements } }
  }
}`;

interface Listing {
  users: {
    totalCount: number;
    edges: { node: { id: string; licenses: { assignedBy: { name: string } | null }[] } }[];
  };
}

type Execute = (this: Database.Statement, ...params: unknown[]) => unknown;
const EXECUTIONS = ['all', 'get', 'run', 'iterate'] as const;

/** Counts executions of statements on one database file while `work` runs; answers the SQL executed. */
async function statementsRunDuring(file: string, work: () => Promise<void>): Promise<string[]> {
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<(typeof EXECUTIONS)[number], Execute>;
  probe.close();
  const originals = EXECUTIONS.map((name) => [name, proto[name]] as const);
  const executed: string[] = [];
  for (const [name, original] of originals) {
    proto[name] = function (this: Database.Statement, ...params: unknown[]) {
      if (this.database.name === file) executed.push(this.source.replace(/\s+/g, ' ').trim());
      return original.apply(this, params);
    };
  }
  try {
    await work();
  } finally {
    for (const [name, original] of originals) proto[name] = original;
  }
  return executed;
}

describe('DataLoaders over HTTP', () => {
  let server: TestSeatledger;
  let readModels: string;
  beforeAll(async () => {
    // No reactors: nothing but the listing itself touches the read models while it is counted.
    server = await startTestSeatledger({ reactors: false, env: { AUTH_SECRET: TEST_AUTH_SECRET } });
    readModels = path.join(server.dataDir, 'readmodels.db');
  });
  afterAll(() => server?.close());

  /** An account of `size` users (owner included), each but the owner holding a licence given by one of three. */
  async function accountOf(size: number): Promise<SignedUpAccount> {
    const { gql } = server;
    const account = await signUpAccount(gql, `Size ${size}`);
    await purchase(gql, account.token, size);
    const admins = [
      await createUser(gql, account.token, { role: 'ADMIN', name: 'First Admin' }),
      await createUser(gql, account.token, { role: 'ADMIN', name: 'Second Admin' }),
    ];
    const assigners = [account.token, ...(await Promise.all(admins.map((admin) => tokenFor(admin.id))))];
    const users = [...admins];
    while (users.length < size - 1) {
      const batch = Math.min(25, size - 1 - users.length);
      users.push(...(await Promise.all(Array.from({ length: batch }, () => createUser(gql, account.token)))));
    }
    for (let i = 0; i < users.length; i += 25) {
      await Promise.all(
        users
          .slice(i, i + 25)
          .map(async (user, j) =>
            ok(await gql(ASSIGN, { userId: user.id, product: 'VIDEO_MEETING' }, assigners[j % assigners.length])),
          ),
      );
    }
    return account;
  }

  it('lists 50 and 500 users with licences and assigners in the same few queries', async () => {
    const small = await accountOf(50);
    const large = await accountOf(500);

    const count = async (account: SignedUpAccount, expectedUsers: number) => {
      let listing: Listing = { users: { totalCount: 0, edges: [] } };
      const executed = await statementsRunDuring(readModels, async () => {
        listing = ok(await server.gql<Listing>(LISTING, undefined, account.token));
      });
      expect(listing.users.totalCount).toBe(expectedUsers);
      expect(listing.users.edges).toHaveLength(expectedUsers);
      const withLicence = listing.users.edges.filter((e) => e.node.licenses.length === 1);
      expect(withLicence).toHaveLength(expectedUsers - 1);
      const assigners = new Set(withLicence.map((e) => e.node.licenses[0]?.assignedBy?.name));
      expect(assigners).toEqual(new Set([`Size ${expectedUsers} Owner`, 'First Admin', 'Second Admin']));
      return executed;
    };

    const forSmall = await count(small, 50);
    const forLarge = await count(large, 500);

    expect(forLarge.length).toBe(forSmall.length);
    expect(forLarge).toEqual(forSmall);
    // users page + its count, licences of the page, assigners: a handful, never one per user.
    expect(forLarge.length).toBeLessThanOrEqual(6);
  });

  it("answers an assignment with its user's licences and entitlements reading the licences once", async () => {
    const { gql } = server;
    const account = await signUpAccount(gql, 'Once');
    await purchase(gql, account.token, 2);
    const user = await createUser(gql, account.token);
    let answer: { assignLicense: { user: { licenses: { product: string }[]; entitlements: string[] } } } | undefined;
    const executed = await statementsRunDuring(readModels, async () => {
      answer = ok(
        await gql(
          `mutation ($userId: ID!) { assignLicense(input: { userId: $userId, product: VIDEO_MEETING }) {
            license { product } user { licenses { product } entitlements } seats { assigned } } }`,
          { userId: user.id },
          account.token,
        ),
      );
    });
    // The answer shows the licence it made: the licences the request's loader holds were read after the write.
    expect(answer?.assignLicense.user.licenses).toEqual([{ product: 'VIDEO_MEETING' }]);
    expect(answer?.assignLicense.user.entitlements.length).toBeGreaterThan(0);
    const licenceReads = executed.filter((sql) => sql.includes('FROM user_licenses l JOIN subscriptions'));
    expect(licenceReads).toHaveLength(1);
  });

  it("answers a revocation with its user's entitlements from the answer's own reads, all in one read transaction", async () => {
    const { gql } = server;
    const account = await signUpAccount(gql, 'Revoked once');
    await purchase(gql, account.token, 1);
    await purchase(gql, account.token, 1, 'WEBINAR');
    const user = await createUser(gql, account.token);
    for (const product of ['VIDEO_MEETING', 'WEBINAR']) {
      ok(await gql(ASSIGN, { userId: user.id, product }, account.token));
    }
    let answer:
      | { revokeLicense: { user: { licenses: { product: string }[] }; seats: { assigned: number } } }
      | undefined;
    const executed = await statementsRunDuring(readModels, async () => {
      answer = ok(
        await gql(
          `mutation ($userId: ID!) { revokeLicense(input: { userId: $userId, product: VIDEO_MEETING }) {
            user { licenses { product } entitlements } seats { assigned } } }`,
          { userId: user.id },
          account.token,
        ),
      );
    });
    expect(answer?.revokeLicense.user.licenses).toEqual([{ product: 'WEBINAR' }]);
    expect(answer?.revokeLicense.seats.assigned).toBe(0);
    // The user, the seats and the licences: read once each, between one BEGIN and its COMMIT (one read lock, one state),
    // the last transaction on the connection (the projections' own batch committed before the answer).
    const begin = executed.lastIndexOf('BEGIN');
    const commit = executed.lastIndexOf('COMMIT');
    const reads = executed.filter((sql) => sql.startsWith('SELECT'));
    expect(reads).toHaveLength(3);
    expect(executed.slice(begin + 1, commit)).toEqual(reads);
  });
});
