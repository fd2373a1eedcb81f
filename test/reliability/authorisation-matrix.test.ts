// Who may do what, as one table: every mutation and query of the schema × every kind of caller (no token, a forged
// one, an expired one, a member, an admin, the owner, another account's owner), each cell the answer api.md promises.
// Every cell runs on fresh targets, so cells never depend on each other, and every refused cell appends nothing.
import { SignJWT } from 'jose';
import {
  ASSIGN,
  createUser,
  type Gql,
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
import { headOf } from './support';

jest.setTimeout(120_000);

const CALLERS = ['none', 'forged', 'expired', 'member', 'admin', 'owner', 'otherOwner'] as const;
type Caller = (typeof CALLERS)[number];
/** 'OK': data; 'NULL': the field answered null (not visible to this caller); otherwise the error code. */
type Answer = 'OK' | 'NULL' | string;

interface Operation {
  /** The GraphQL document; its one root field is what the cell looks at. */
  readonly document: string;
  readonly field: string;
  /** Fresh variables for one cell (targets created by the owner of account A, or the caller's own state). */
  readonly variables?: (caller: Caller) => Promise<Record<string, unknown>> | Record<string, unknown>;
  readonly expected: Readonly<Record<Caller, Answer>>;
}

const UNAUTH = { none: 'UNAUTHENTICATED', forged: 'UNAUTHENTICATED', expired: 'UNAUTHENTICATED' } as const;
/** What a signed-in member, admin, owner and another account's owner get when anyone signed in may read it. */
const READ_BY_ANYONE_SIGNED_IN = { ...UNAUTH, member: 'OK', admin: 'OK', owner: 'OK', otherOwner: 'OK' } as const;
const PUBLIC = Object.fromEntries(CALLERS.map((c) => [c, 'OK'])) as Record<Caller, Answer>;

describe('authorisation matrix', () => {
  let server: TestSeatledger;
  let gql: Gql;
  let a: SignedUpAccount;
  let b: SignedUpAccount;
  const tokens = {} as Record<Caller, string | undefined>;

  beforeAll(async () => {
    server = await startTestSeatledger({ env: { AUTH_SECRET: TEST_AUTH_SECRET }, reactors: false });
    gql = server.gql;
    a = await signUpAccount(gql, 'Account A');
    b = await signUpAccount(gql, 'Account B');
    await purchase(gql, a.token, 50);
    await purchase(gql, b.token, 5);
    const member = await createUser(gql, a.token);
    const admin = await createUser(gql, a.token, { role: 'ADMIN' });
    const now = Math.floor(Date.now() / 1000);
    tokens.none = undefined;
    tokens.forged = await tokenFor(a.ownerId, { secret: 'not-the-server-secret-but-long-enough-0123456789' });
    tokens.expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(a.ownerId)
      .setIssuer('seatledger')
      .setAudience('seatledger-api')
      .setIssuedAt(now - 7200)
      .setExpirationTime(now - 3600)
      .sign(new TextEncoder().encode(TEST_AUTH_SECRET));
    tokens.member = await tokenFor(member.id);
    tokens.admin = await tokenFor(admin.id);
    tokens.owner = a.token;
    tokens.otherOwner = b.token;
  });
  afterAll(() => server?.close());

  /** A fresh member of account A (the target of user mutations). */
  const freshMember = async () => (await createUser(gql, a.token)).id;
  /** The caller's own account's owner token: where an "own account" precondition is set up. */
  const ownerOf = (caller: Caller) => (caller === 'otherOwner' ? b.token : a.token);
  /** The next plan above the current VIDEO_MEETING plan of the caller's account. */
  const nextVideoPlan = async (caller: Caller) => {
    const data = ok(
      await gql(
        '{ seatAvailability(product: VIDEO_MEETING) { product } subscriptions { product plan { id rank } } }',
        undefined,
        ownerOf(caller),
      ),
    );
    const video = data.subscriptions.find((s: { product: string }) => s.product === 'VIDEO_MEETING');
    return { 1: 'video-pro', 2: 'video-business', 3: 'video-business' }[video.plan.rank as 1 | 2 | 3];
  };

  const operations: Record<string, Operation> = {
    signUp: {
      document: 'mutation ($input: SignUpInput!) { signUp(input: $input) { token } }',
      field: 'signUp',
      variables: () => ({
        input: { accountName: 'New Co', ownerName: 'New Owner', ownerEmail: uniqueEmail(), password: PASSWORD },
      }),
      // Public: a stale or bad token beside it is ignored, not held against the caller.
      expected: PUBLIC,
    },
    login: {
      document:
        'mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { token } }',
      field: 'login',
      variables: () => ({ email: a.email, password: PASSWORD }),
      expected: PUBLIC,
    },
    activateAccount: {
      document: 'mutation ($input: ActivateAccountInput!) { activateAccount(input: $input) { token } }',
      field: 'activateAccount',
      variables: () => ({ input: { token: 'no-such-activation-token', password: PASSWORD } }),
      // Whoever asks: an unknown activation token is UNAUTHENTICATED.
      expected: Object.fromEntries(CALLERS.map((c) => [c, 'UNAUTHENTICATED'])) as Record<Caller, Answer>,
    },
    purchaseLicenses: {
      document: `mutation { purchaseLicenses(input: { product: WEBINAR, plan: "webinar-100", quantity: 1 }) { subscription { id } } }`,
      field: 'purchaseLicenses',
      // Another account's owner buys for their own account: allowed.
      expected: { ...UNAUTH, member: 'FORBIDDEN', admin: 'OK', owner: 'OK', otherOwner: 'OK' },
    },
    upgradePlan: {
      document:
        'mutation ($plan: ID!) { upgradePlan(input: { product: VIDEO_MEETING, plan: $plan }) { subscription { id } } }',
      field: 'upgradePlan',
      variables: async (caller) => ({ plan: await nextVideoPlan(caller) }),
      expected: { ...UNAUTH, member: 'FORBIDDEN', admin: 'OK', owner: 'OK', otherOwner: 'OK' },
    },
    releaseLicenses: {
      document: 'mutation { releaseLicenses(input: { product: VIDEO_MEETING, quantity: 1 }) { subscription { id } } }',
      field: 'releaseLicenses',
      expected: { ...UNAUTH, member: 'FORBIDDEN', admin: 'OK', owner: 'OK', otherOwner: 'OK' },
    },
    assignLicense: {
      document: ASSIGN,
      field: 'assignLicense',
      variables: async () => ({ userId: await freshMember(), product: 'VIDEO_MEETING' }),
      // Another account's user is NOT_FOUND: never reveal it exists.
      expected: { ...UNAUTH, member: 'FORBIDDEN', admin: 'OK', owner: 'OK', otherOwner: 'NOT_FOUND' },
    },
    revokeLicense: {
      document: REVOKE,
      field: 'revokeLicense',
      variables: async () => {
        const userId = await freshMember();
        ok(await gql(ASSIGN, { userId, product: 'VIDEO_MEETING' }, a.token));
        return { userId, product: 'VIDEO_MEETING' };
      },
      expected: { ...UNAUTH, member: 'FORBIDDEN', admin: 'OK', owner: 'OK', otherOwner: 'NOT_FOUND' },
    },
    'createUser (MEMBER)': {
      document: 'mutation ($input: CreateUserInput!) { createUser(input: $input) { user { id } } }',
      field: 'createUser',
      variables: () => ({ input: { email: uniqueEmail(), name: 'New Member' } }),
      expected: { ...UNAUTH, member: 'FORBIDDEN', admin: 'OK', owner: 'OK', otherOwner: 'OK' },
    },
    'createUser (ADMIN)': {
      document: 'mutation ($input: CreateUserInput!) { createUser(input: $input) { user { id } } }',
      field: 'createUser',
      variables: () => ({ input: { email: uniqueEmail(), name: 'New Admin', role: 'ADMIN' } }),
      // Only OWNER creates an ADMIN.
      expected: { ...UNAUTH, member: 'FORBIDDEN', admin: 'FORBIDDEN', owner: 'OK', otherOwner: 'OK' },
    },
    changeUserRole: {
      document: 'mutation ($userId: ID!) { changeUserRole(input: { userId: $userId, role: ADMIN }) { user { id } } }',
      field: 'changeUserRole',
      variables: async () => ({ userId: await freshMember() }),
      expected: { ...UNAUTH, member: 'FORBIDDEN', admin: 'FORBIDDEN', owner: 'OK', otherOwner: 'NOT_FOUND' },
    },
    deactivateUser: {
      document: 'mutation ($userId: ID!) { deactivateUser(input: { userId: $userId }) { user { id } } }',
      field: 'deactivateUser',
      variables: async () => ({ userId: await freshMember() }),
      expected: { ...UNAUTH, member: 'FORBIDDEN', admin: 'OK', owner: 'OK', otherOwner: 'NOT_FOUND' },
    },
    me: { document: '{ me { id } }', field: 'me', expected: READ_BY_ANYONE_SIGNED_IN },
    account: { document: '{ account { id name } }', field: 'account', expected: READ_BY_ANYONE_SIGNED_IN },
    plans: { document: '{ plans { id } }', field: 'plans', expected: READ_BY_ANYONE_SIGNED_IN },
    seatAvailability: {
      document: '{ seatAvailability(product: VIDEO_MEETING) { purchased assigned } }',
      field: 'seatAvailability',
      expected: READ_BY_ANYONE_SIGNED_IN,
    },
    subscriptions: { document: '{ subscriptions { id } }', field: 'subscriptions', expected: READ_BY_ANYONE_SIGNED_IN },
    users: { document: '{ users(first: 5) { totalCount } }', field: 'users', expected: READ_BY_ANYONE_SIGNED_IN },
    'user (of account A)': {
      document: 'query ($id: ID!) { user(id: $id) { id } }',
      field: 'user',
      variables: async () => ({ id: await freshMember() }),
      // Another account's user reads as no user at all.
      expected: { ...READ_BY_ANYONE_SIGNED_IN, otherOwner: 'NULL' },
    },
    licenseHistory: {
      document: '{ licenseHistory(first: 5) { edges { node { type } } } }',
      field: 'licenseHistory',
      expected: READ_BY_ANYONE_SIGNED_IN,
    },
    notifications: {
      document: '{ notifications(first: 5) { edges { node { status } } } }',
      field: 'notifications',
      // Delivery records are for the account's OWNER and ADMINs only.
      expected: { ...READ_BY_ANYONE_SIGNED_IN, member: 'FORBIDDEN' },
    },
  };

  it('answers every operation × caller as api.md says, and refusals append nothing', async () => {
    const expected: Record<string, Record<Caller, Answer>> = {};
    const actual: Record<string, Record<Caller, Answer>> = {};
    const appendedByRefusals: string[] = [];
    for (const [name, operation] of Object.entries(operations)) {
      expected[name] = { ...operation.expected };
      actual[name] = {} as Record<Caller, Answer>;
      for (const caller of CALLERS) {
        const variables = operation.variables ? await operation.variables(caller) : undefined;
        const before = await headOf(server.dataDir);
        const result = await gql(operation.document, variables, tokens[caller]);
        const answer: Answer = result.errors?.length
          ? String(result.codes[0])
          : result.data?.[operation.field] === null
            ? 'NULL'
            : 'OK';
        (actual[name] as Record<Caller, Answer>)[caller] = answer;
        if (answer !== 'OK' && (await headOf(server.dataDir)) !== before) appendedByRefusals.push(`${name}/${caller}`);
      }
    }
    expect(actual).toEqual(expected);
    expect(appendedByRefusals).toEqual([]);
  });
});
