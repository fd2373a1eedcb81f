// The answer cache over real HTTP (src/http/answer-cache.ts): a repeated seatAvailability is answered from it (counted
// in /metrics), yet a read after one's own write sees the write, another account never gets this account's answer, and
// an ended session, a deactivated user or a changed role is checked before any cached answer is reached. What it never
// keeps: `asOf`, a query of anything but seatAvailability, an answer with errors.
import {
  ASSIGN,
  createUser,
  type GraphQLResult,
  ok,
  purchase,
  REVOKE,
  type SignedUpAccount,
  signUpAccount,
  startTestSeatledger,
  TEST_AUTH_SECRET,
  type TestSeatledger,
  tokenFor,
} from '../support/seatledger';

jest.setTimeout(30_000);

const SEATS = '{ seatAvailability(product: VIDEO_MEETING) { purchased assigned available } }';
const SEATS_OF = 'query Seats($p: Product!) { seatAvailability(product: $p) { id product purchased available } }';
const CHANGE_ROLE = `mutation ($userId: ID!, $role: Role!) {
  changeUserRole(input: { userId: $userId, role: $role }) { user { id role } }
}`;
const DEACTIVATE = 'mutation ($userId: ID!) { deactivateUser(input: { userId: $userId }) { user { id } } }';
const LOGOUT = 'mutation { logout(input: { allSessions: false }) { sessionsEnded } }';

let server: TestSeatledger;
const gql: TestSeatledger['gql'] = (...args) => server.gql(...args);

beforeAll(async () => {
  server = await startTestSeatledger({ env: { AUTH_SECRET: TEST_AUTH_SECRET } });
});
afterAll(() => server?.close());

/** How many answers the server has reused so far. */
async function cachedAnswers(): Promise<number> {
  const text = await (await fetch(server.url.replace(/\/graphql$/, '/metrics'))).text();
  const match = /^seatledger_graphql_cached_answers_total (\d+)$/m.exec(text);
  if (!match) throw new Error('no seatledger_graphql_cached_answers_total in /metrics');
  return Number(match[1]);
}

/** Runs `query` and answers it with whether it was answered from the cache. */
async function read(query: string, token: string, variables?: Record<string, unknown>) {
  const before = await cachedAnswers();
  const result = await gql(query, variables, token);
  return { result, cached: (await cachedAnswers()) > before };
}

const seatsOf = (result: GraphQLResult) => ok(result).seatAvailability;

describe('answer cache', () => {
  let owner: SignedUpAccount;
  beforeAll(async () => {
    owner = await signUpAccount(gql, 'Cached Seats');
    await purchase(gql, owner.token, 5);
  });

  it('reuses a repeated seat read, and a read after one’s own write sees the write', async () => {
    const first = await read(SEATS, owner.token);
    expect(first.cached).toBe(false);
    expect(seatsOf(first.result)).toEqual({ purchased: 5, assigned: 0, available: 5 });
    const again = await read(SEATS, owner.token);
    expect(again).toEqual({ result: first.result, cached: true });

    const user = await createUser(gql, owner.token);
    ok(await gql(ASSIGN, { userId: user.id, product: 'VIDEO_MEETING' }, owner.token));
    const afterAssign = await read(SEATS, owner.token);
    expect(afterAssign.cached).toBe(false);
    expect(seatsOf(afterAssign.result)).toEqual({ purchased: 5, assigned: 1, available: 4 });
    expect(await read(SEATS, owner.token)).toEqual({ result: afterAssign.result, cached: true });

    ok(await gql(REVOKE, { userId: user.id, product: 'VIDEO_MEETING' }, owner.token));
    await purchase(gql, owner.token, 2);
    const afterPurchase = await read(SEATS, owner.token);
    expect(afterPurchase.cached).toBe(false);
    expect(seatsOf(afterPurchase.result)).toEqual({ purchased: 7, assigned: 0, available: 7 });
  });

  it('keeps answers per document and variables, and never hands one account’s answer to another', async () => {
    const other = await signUpAccount(gql, 'Other Seats');
    await purchase(gql, other.token, 3);
    const mine = await read(SEATS_OF, owner.token, { p: 'VIDEO_MEETING' });
    expect(seatsOf(mine.result).purchased).toBe(7);
    expect((await read(SEATS_OF, owner.token, { p: 'VIDEO_MEETING' })).cached).toBe(true);

    const theirs = await read(SEATS_OF, other.token, { p: 'VIDEO_MEETING' });
    expect(theirs.cached).toBe(false);
    expect(seatsOf(theirs.result)).toMatchObject({ id: expect.stringContaining(other.accountId), purchased: 3 });
    const webinar = await read(SEATS_OF, owner.token, { p: 'WEBINAR' });
    expect(webinar.cached).toBe(false);
    expect(seatsOf(webinar.result)).toMatchObject({ product: 'WEBINAR', purchased: 0 });
    // The other account's write does not void this account's answer.
    await purchase(gql, other.token, 1);
    expect((await read(SEATS_OF, owner.token, { p: 'VIDEO_MEETING' })).cached).toBe(true);
  });

  it('keeps no answer of asOf, of a query of more than seats, or with errors', async () => {
    const asOf = 'query ($at: DateTime!) { seatAvailability(product: VIDEO_MEETING, asOf: $at) { purchased } }';
    const at = new Date().toISOString();
    for (const [query, variables] of [
      [asOf, { at }],
      ['{ seatAvailability(product: VIDEO_MEETING) { purchased } me { id } }', undefined],
      ['{ seatAvailability(product: NO_SUCH_PRODUCT) { purchased } }', undefined],
    ] as const) {
      await read(query, owner.token, variables);
      expect((await read(query, owner.token, variables)).cached).toBe(false);
    }
  });

  it('checks the session before a cached answer: a logged-out token is refused', async () => {
    const { token } = await signUpAccount(gql, 'Leaving Seats');
    await read(SEATS, token);
    expect((await read(SEATS, token)).cached).toBe(true);
    expect(ok(await gql(LOGOUT, undefined, token)).logout.sessionsEnded).toBe(1);
    const after = await read(SEATS, token);
    expect(after.cached).toBe(false);
    expect(after.result.data).toBeNull();
    expect(after.result.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'SESSION_ENDED' });
  });

  it('checks the user before a cached answer: a changed role reads anew, a deactivated user is refused', async () => {
    const admin = await createUser(gql, owner.token, { role: 'ADMIN' });
    const token = await tokenFor(admin.id);
    await read(SEATS, token);
    expect((await read(SEATS, token)).cached).toBe(true);

    ok(await gql(CHANGE_ROLE, { userId: admin.id, role: 'MEMBER' }, owner.token));
    const asMember = await read(SEATS, token);
    expect(asMember.cached).toBe(false);
    expect(seatsOf(asMember.result).purchased).toBe(7);
    expect((await read(SEATS, token)).cached).toBe(true);

    ok(await gql(DEACTIVATE, { userId: admin.id }, owner.token));
    const deactivated = await read(SEATS, token);
    expect(deactivated.cached).toBe(false);
    expect(deactivated.result.codes).toEqual(['UNAUTHENTICATED']);
  });
});
