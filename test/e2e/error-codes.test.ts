// Each error code of api.md provoked once over real HTTP, and every refused operation leaves the log untouched:
// the store's head position is the same before and after. (CONFLICT needs lost races after retries: not provoked.)
import { randomUUID } from 'node:crypto';
import { openEventStore } from '../../src/eventstore/open';
import type { EventStore } from '../../src/eventstore/port';
import {
  ASSIGN,
  createUser,
  type GraphQLResult,
  ok,
  PASSWORD,
  purchase,
  REVOKE,
  type SignedUpAccount,
  signUpAccount,
  startTestSeatledger,
  TEST_AUTH_SECRET,
  type TestSeatledger,
  tokenFor,
  uniqueEmail,
} from '../support/seatledger';

const CREATE_USER = 'mutation ($input: CreateUserInput!) { createUser(input: $input) { user { id } } }';
const PURCHASE =
  'mutation ($input: PurchaseLicensesInput!) { purchaseLicenses(input: $input) { subscription { id } } }';
const UPGRADE = 'mutation ($input: UpgradePlanInput!) { upgradePlan(input: $input) { subscription { id } } }';

describe('api.md error codes over HTTP', () => {
  let server: TestSeatledger;
  let log: EventStore;
  let owner: SignedUpAccount;

  beforeAll(async () => {
    server = await startTestSeatledger({ env: { AUTH_SECRET: TEST_AUTH_SECRET } });
    log = await openEventStore({ dataDir: server.dataDir });
    owner = await signUpAccount(server.gql, 'Initech');
  });
  afterAll(async () => {
    await log?.close();
    await server?.close();
  });

  /** The head once no reactor is still writing (the notifier and deactivation reactor append in the background). */
  async function settledHead(): Promise<string | null> {
    let head = await log.headPosition();
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const again = await log.headPosition();
      if (again === head) return head;
      head = again;
    }
  }

  /** Runs a request that must be refused with `code`, and checks that it appended nothing. */
  async function expectRefused(code: string, request: () => Promise<GraphQLResult>): Promise<GraphQLResult> {
    const before = await settledHead();
    const result = await request();
    expect(result.codes).toEqual([code]);
    expect(result.data ?? null).toBeNull();
    expect(await log.headPosition()).toBe(before);
    return result;
  }

  const gql: TestSeatledger['gql'] = (...args) => server.gql(...args);

  it('UNAUTHENTICATED: no token, and a wrong password', async () => {
    await expectRefused('UNAUTHENTICATED', () => gql('{ me { id } }'));
    await expectRefused('UNAUTHENTICATED', () => gql(CREATE_USER, { input: { email: uniqueEmail(), name: 'Nobody' } }));
    const wrong = await expectRefused('UNAUTHENTICATED', () =>
      gql('mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', {
        e: owner.email,
        p: `${PASSWORD}-not`,
      }),
    );
    // The same answer as for an unknown e-mail: a wrong password never reveals that the account exists.
    const unknown = await gql('mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', {
      e: uniqueEmail('nobody'),
      p: PASSWORD,
    });
    expect(unknown.codes).toEqual(['UNAUTHENTICATED']);
    expect(unknown.errors?.[0]?.message).toBe(wrong.errors?.[0]?.message);
  });

  it('FORBIDDEN: a member assigns, an admin creates an admin', async () => {
    const member = await createUser(gql, owner.token, { role: 'MEMBER' });
    const admin = await createUser(gql, owner.token, { role: 'ADMIN' });
    await purchase(gql, owner.token, 2);
    const memberToken = await tokenFor(member.id);
    const adminToken = await tokenFor(admin.id);

    await expectRefused('FORBIDDEN', () => gql(ASSIGN, { userId: member.id, product: 'VIDEO_MEETING' }, memberToken));
    await expectRefused('FORBIDDEN', () =>
      gql(CREATE_USER, { input: { email: uniqueEmail(), name: 'Second Admin', role: 'ADMIN' } }, adminToken),
    );
  });

  it('BAD_USER_INPUT naming the field: a bad e-mail, quantity 0, first 501', async () => {
    const email = await expectRefused('BAD_USER_INPUT', () =>
      gql(CREATE_USER, { input: { email: 'not-an-email', name: 'Bad Mail' } }, owner.token),
    );
    expect(email.errors?.[0]?.message).toMatch(/email/i);
    const quantity = await expectRefused('BAD_USER_INPUT', () =>
      gql(PURCHASE, { input: { product: 'VIDEO_MEETING', plan: 'video-standard', quantity: 0 } }, owner.token),
    );
    expect(quantity.errors?.[0]?.message).toMatch(/quantity/i);
    const first = await expectRefused('BAD_USER_INPUT', () =>
      gql('{ users(first: 501) { totalCount } }', undefined, owner.token),
    );
    expect(first.errors?.[0]?.message).toMatch(/first/i);
  });

  it("NOT_FOUND: an unknown user id, and another account's user id", async () => {
    await purchase(gql, owner.token, 1, 'WEBINAR');
    await expectRefused('NOT_FOUND', () => gql(ASSIGN, { userId: randomUUID(), product: 'WEBINAR' }, owner.token));
    const other = await signUpAccount(gql, 'Umbrella');
    const stranger = await createUser(gql, other.token);
    const cross = await expectRefused('NOT_FOUND', () =>
      gql(ASSIGN, { userId: stranger.id, product: 'WEBINAR' }, owner.token),
    );
    // Never reveal that the id exists elsewhere: the same words as for an id nobody has.
    const unknown = await gql(ASSIGN, { userId: randomUUID(), product: 'WEBINAR' }, owner.token);
    expect(cross.errors?.[0]?.message.replace(stranger.id, 'ID')).toBe(
      unknown.errors?.[0]?.message.replace(/[0-9a-f-]{36}/, 'ID'),
    );
  });

  it('NO_SEATS_AVAILABLE, ALREADY_ASSIGNED and NOT_ASSIGNED', async () => {
    const account = await signUpAccount(gql, 'Hooli');
    await purchase(gql, account.token, 1);
    const ann = await createUser(gql, account.token);
    const bob = await createUser(gql, account.token);
    ok(await gql(ASSIGN, { userId: ann.id, product: 'VIDEO_MEETING' }, account.token));

    await expectRefused('NO_SEATS_AVAILABLE', () =>
      gql(ASSIGN, { userId: bob.id, product: 'VIDEO_MEETING' }, account.token),
    );
    await expectRefused('ALREADY_ASSIGNED', () =>
      gql(ASSIGN, { userId: ann.id, product: 'VIDEO_MEETING' }, account.token),
    );
    await expectRefused('NOT_ASSIGNED', () => gql(REVOKE, { userId: bob.id, product: 'VIDEO_MEETING' }, account.token));
  });

  it('PLAN_MISMATCH and NOT_AN_UPGRADE', async () => {
    const account = await signUpAccount(gql, 'Vandelay');
    await purchase(gql, account.token, 2, 'VIDEO_MEETING', 'video-pro');
    await expectRefused('PLAN_MISMATCH', () =>
      gql(PURCHASE, { input: { product: 'VIDEO_MEETING', plan: 'video-business', quantity: 1 } }, account.token),
    );
    await expectRefused('NOT_AN_UPGRADE', () =>
      gql(UPGRADE, { input: { product: 'VIDEO_MEETING', plan: 'video-pro' } }, account.token),
    );
    await expectRefused('NOT_AN_UPGRADE', () =>
      gql(UPGRADE, { input: { product: 'VIDEO_MEETING', plan: 'video-standard' } }, account.token),
    );
  });

  it('EMAIL_TAKEN, whatever the case of the e-mail', async () => {
    const taken = await createUser(gql, owner.token, { email: uniqueEmail('taken').toLowerCase() });
    await expectRefused('EMAIL_TAKEN', () =>
      gql(CREATE_USER, { input: { email: taken.email.toUpperCase(), name: 'Twin' } }, owner.token),
    );
    // Across accounts too: an e-mail signs in to one account only.
    const other = await signUpAccount(gql, 'Soylent');
    await expectRefused('EMAIL_TAKEN', () =>
      gql(CREATE_USER, { input: { email: owner.email, name: 'Owner Twin' } }, other.token),
    );
  });

  it('USER_INACTIVE: assigning to a deactivated user', async () => {
    const account = await signUpAccount(gql, 'Wonka');
    await purchase(gql, account.token, 3);
    const leaver = await createUser(gql, account.token);
    const deactivated = ok(
      await gql(
        'mutation ($id: ID!) { deactivateUser(input: { userId: $id }) { user { id active } } }',
        { id: leaver.id },
        account.token,
      ),
    );
    expect(deactivated.deactivateUser.user).toEqual({ id: leaver.id, active: false });
    await expectRefused('USER_INACTIVE', () =>
      gql(ASSIGN, { userId: leaver.id, product: 'VIDEO_MEETING' }, account.token),
    );
  });

  it('IDEMPOTENCY_KEY_REUSED: the same key with another input', async () => {
    const account = await signUpAccount(gql, 'Stark');
    const input = { product: 'VIDEO_MEETING', plan: 'video-standard', quantity: 2, idempotencyKey: randomUUID() };
    const seats = 'subscription { seats { purchased } }';
    const mutation = `mutation ($input: PurchaseLicensesInput!) { purchaseLicenses(input: $input) { ${seats} } }`;
    const first = ok(await gql(mutation, { input }, account.token));
    expect(first.purchaseLicenses.subscription.seats.purchased).toBe(2);

    // the same key and input again: the first result, nothing bought twice
    const head = await settledHead();
    const again = ok(await gql(mutation, { input }, account.token));
    expect(again.purchaseLicenses.subscription.seats.purchased).toBe(2);
    expect(await log.headPosition()).toBe(head);

    await expectRefused('IDEMPOTENCY_KEY_REUSED', () =>
      gql(mutation, { input: { ...input, quantity: 3 } }, account.token),
    );
  });
});
