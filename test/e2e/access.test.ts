// Who may do what, over real HTTP: roles (member, admin, owner), accounts that cannot see each other, and tokens
// that are missing, expired, forged or unsigned.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SignJWT } from 'jose';
import {
  ASSIGN,
  createUser,
  type GraphQLResult,
  ok,
  purchase,
  type SignedUpAccount,
  signUpAccount,
  startTestSeatledger,
  type TestSeatledger,
  tokenFor,
  uniqueEmail,
} from '../support/seatledger';

const CREATE_USER = 'mutation ($input: CreateUserInput!) { createUser(input: $input) { user { id role } } }';
const CHANGE_ROLE = `mutation ($userId: ID!, $role: Role!) {
  changeUserRole(input: { userId: $userId, role: $role }) { user { id role } }
}`;

// The server signs with the data dir's own generated `auth-secret` here (no AUTH_SECRET), as on a fresh install.
let server: TestSeatledger;
let secret: Uint8Array;
const gql: TestSeatledger['gql'] = (...args) => server.gql(...args);

beforeAll(async () => {
  server = await startTestSeatledger();
  secret = Buffer.from(fs.readFileSync(path.join(server.dataDir, 'auth-secret'), 'utf8').trim(), 'base64url');
});
afterAll(() => server?.close());

const errorCodes = (result: GraphQLResult) => result.codes;

describe('roles', () => {
  let owner: SignedUpAccount;
  beforeAll(async () => {
    owner = await signUpAccount(gql, 'Roles Inc');
    await purchase(gql, owner.token, 10);
  });

  it('a member cannot assign, an admin can', async () => {
    const member = await createUser(gql, owner.token);
    const admin = await createUser(gql, owner.token, { role: 'ADMIN' });
    const target = await createUser(gql, owner.token);

    const byMember = await gql(
      ASSIGN,
      { userId: target.id, product: 'VIDEO_MEETING' },
      await tokenFor(member.id, { secret }),
    );
    expect(errorCodes(byMember)).toEqual(['FORBIDDEN']);

    const byAdmin = ok(
      await gql(ASSIGN, { userId: target.id, product: 'VIDEO_MEETING' }, await tokenFor(admin.id, { secret })),
    );
    expect(byAdmin.assignLicense.license.assignedBy).toEqual({ id: admin.id });
    expect(byAdmin.assignLicense.seats.assigned).toBe(1);
  });

  it('a member cannot buy or add users either', async () => {
    const member = await createUser(gql, owner.token);
    const token = await tokenFor(member.id, { secret });
    const buy = await gql(
      'mutation { purchaseLicenses(input: { product: WEBINAR, plan: "webinar-100", quantity: 1 }) { subscription { id } } }',
      undefined,
      token,
    );
    expect(errorCodes(buy)).toEqual(['FORBIDDEN']);
    const add = await gql(CREATE_USER, { input: { email: uniqueEmail(), name: 'By Member' } }, token);
    expect(errorCodes(add)).toEqual(['FORBIDDEN']);
  });

  it('only the owner makes admins, by createUser and by changeUserRole', async () => {
    const admin = await createUser(gql, owner.token, { role: 'ADMIN' });
    const adminToken = await tokenFor(admin.id, { secret });
    const member = await createUser(gql, owner.token);

    // an admin may add members, but not admins
    const addedMember = ok(await gql(CREATE_USER, { input: { email: uniqueEmail(), name: 'Memb' } }, adminToken));
    expect(addedMember.createUser.user.role).toBe('MEMBER');
    expect(
      errorCodes(await gql(CREATE_USER, { input: { email: uniqueEmail(), name: 'Adm', role: 'ADMIN' } }, adminToken)),
    ).toEqual(['FORBIDDEN']);
    expect(errorCodes(await gql(CHANGE_ROLE, { userId: member.id, role: 'ADMIN' }, adminToken))).toEqual(['FORBIDDEN']);

    // the owner may do both
    const madeAdmin = ok(
      await gql(CREATE_USER, { input: { email: uniqueEmail(), name: 'New Admin', role: 'ADMIN' } }, owner.token),
    );
    expect(madeAdmin.createUser.user.role).toBe('ADMIN');
    const promoted = ok(await gql(CHANGE_ROLE, { userId: member.id, role: 'ADMIN' }, owner.token));
    expect(promoted.changeUserRole.user).toEqual({ id: member.id, role: 'ADMIN' });
  });

  it('nobody creates a second OWNER', async () => {
    const admin = await createUser(gql, owner.token, { role: 'ADMIN' });
    const member = await createUser(gql, owner.token);
    for (const token of [owner.token, await tokenFor(admin.id, { secret })]) {
      const created = await gql(
        CREATE_USER,
        { input: { email: uniqueEmail(), name: 'Owner 2', role: 'OWNER' } },
        token,
      );
      expect(errorCodes(created)).toEqual(['FORBIDDEN']);
      expect(errorCodes(await gql(CHANGE_ROLE, { userId: member.id, role: 'OWNER' }, token))).toEqual(['FORBIDDEN']);
    }
    const owners = ok(await gql('{ users(first: 500) { edges { node { role } } } }', undefined, owner.token));
    expect(owners.users.edges.filter((e: { node: { role: string } }) => e.node.role === 'OWNER')).toHaveLength(1);
  });

  it('a role comes from our records, not from the token: a demoted admin is a member at once', async () => {
    const admin = await createUser(gql, owner.token, { role: 'ADMIN' });
    const token = await tokenFor(admin.id, { secret });
    const target = await createUser(gql, owner.token);
    ok(await gql(CHANGE_ROLE, { userId: admin.id, role: 'MEMBER' }, owner.token));
    expect(errorCodes(await gql(ASSIGN, { userId: target.id, product: 'VIDEO_MEETING' }, token))).toEqual([
      'FORBIDDEN',
    ]);
  });
});

describe('two accounts', () => {
  let alpha: SignedUpAccount;
  let beta: SignedUpAccount;
  let alphaUser: { id: string; email: string; name: string };
  let betaUser: { id: string; email: string; name: string };

  beforeAll(async () => {
    alpha = await signUpAccount(gql, 'Alpha');
    beta = await signUpAccount(gql, 'Beta');
    await purchase(gql, alpha.token, 4);
    await purchase(gql, beta.token, 2, 'WEBINAR');
    alphaUser = await createUser(gql, alpha.token, { name: 'Shared Name' });
    betaUser = await createUser(gql, beta.token, { name: 'Shared Name' });
    ok(await gql(ASSIGN, { userId: alphaUser.id, product: 'VIDEO_MEETING' }, alpha.token));
    ok(await gql(ASSIGN, { userId: betaUser.id, product: 'WEBINAR' }, beta.token));
  });

  it('see only their own users, even when searching for the other one', async () => {
    const ids = async (token: string, search?: string) =>
      ok(
        await gql(
          'query ($s: String) { users(search: $s, first: 500) { edges { node { id } } totalCount } }',
          { s: search ?? null },
          token,
        ),
      ).users.edges.map((e: { node: { id: string } }) => e.node.id);
    expect(new Set(await ids(alpha.token))).toEqual(new Set([alpha.ownerId, alphaUser.id]));
    expect(await ids(alpha.token, 'shared name')).toEqual([alphaUser.id]);
    expect(await ids(alpha.token, betaUser.email)).toEqual([]);
    expect(await ids(beta.token, 'shared')).toEqual([betaUser.id]);
  });

  it("answer null for the other's user(id), like an id nobody has", async () => {
    const read = async (id: string) => await gql('query ($id: ID!) { user(id: $id) { id } }', { id }, alpha.token);
    const cross = await read(betaUser.id);
    expect(cross.errors).toBeUndefined();
    expect(cross.data).toEqual({ user: null });
    expect((await read(randomUUID())).data).toEqual({ user: null });
    expect((await read(alphaUser.id)).data).toEqual({ user: { id: alphaUser.id } });
  });

  it("never show the other's history, even filtered by the other's user", async () => {
    const history = async (token: string, userId?: string) =>
      ok(
        await gql(
          'query ($u: ID) { licenseHistory(userId: $u, first: 500) { edges { node { user { id } actor { id } data } } } }',
          { u: userId ?? null },
          token,
        ),
      ).licenseHistory.edges;
    const alphaHistory = await history(alpha.token);
    expect(alphaHistory.length).toBeGreaterThan(0);
    const seen = JSON.stringify(alphaHistory);
    for (const foreign of [beta.ownerId, betaUser.id, beta.accountId]) expect(seen).not.toContain(foreign);
    // Filtering by the other's user answers as for an id nobody has: NOT_FOUND.
    const filter = 'query ($u: ID) { licenseHistory(userId: $u) { edges { cursor } } }';
    expect(errorCodes(await gql(filter, { u: betaUser.id }, alpha.token))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await gql(filter, { u: randomUUID() }, alpha.token))).toEqual(['NOT_FOUND']);
    expect((await history(alpha.token, alphaUser.id)).length).toBeGreaterThan(0);
  });

  it("never show the other's seats or subscriptions", async () => {
    const seats = ok(
      await gql(
        '{ webinar: seatAvailability(product: WEBINAR) { purchased assigned } video: seatAvailability(product: VIDEO_MEETING) { purchased assigned } subscriptions { product } }',
        undefined,
        alpha.token,
      ),
    );
    expect(seats).toEqual({
      webinar: { purchased: 0, assigned: 0 },
      video: { purchased: 4, assigned: 1 },
      subscriptions: [{ product: 'VIDEO_MEETING' }],
    });
  });

  it("answer NOT_FOUND for the other's ids in every write", async () => {
    await purchase(gql, alpha.token, 1, 'WEBINAR');
    const writes: [string, Record<string, unknown>][] = [
      [ASSIGN, { userId: betaUser.id, product: 'WEBINAR' }],
      [
        'mutation ($u: ID!) { revokeLicense(input: { userId: $u, product: WEBINAR }) { user { id } } }',
        { u: betaUser.id },
      ],
      ['mutation ($u: ID!) { deactivateUser(input: { userId: $u }) { user { id } } }', { u: betaUser.id }],
      ['mutation ($u: ID!) { changeUserRole(input: { userId: $u, role: ADMIN }) { user { id } } }', { u: betaUser.id }],
    ];
    for (const [mutation, variables] of writes) {
      expect(errorCodes(await gql(mutation, variables, alpha.token))).toEqual(['NOT_FOUND']);
    }
    // and beta's user is untouched
    const still = ok(
      await gql(
        'query ($id: ID!) { user(id: $id) { active role licenses { product } } }',
        { id: betaUser.id },
        beta.token,
      ),
    );
    expect(still.user).toEqual({ active: true, role: 'MEMBER', licenses: [{ product: 'WEBINAR' }] });
  });
});

describe('tokens', () => {
  let account: SignedUpAccount;
  beforeAll(async () => {
    account = await signUpAccount(gql, 'Tokens');
  });

  const me = (token?: string) => gql('{ me { id } }', undefined, token);

  it('accepts the token sign-up answered (the control for the refusals below)', async () => {
    expect(ok(await me(account.token)).me).toEqual({ id: account.ownerId });
    expect(ok(await me(await tokenFor(account.ownerId, { secret }))).me).toEqual({
      id: account.ownerId,
    });
  });

  it('refuses a missing token', async () => {
    expect(errorCodes(await me())).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses an expired token signed with the right secret', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(account.ownerId)
      .setIssuer('seatledger')
      .setAudience('seatledger-api')
      .setIssuedAt(now - 7200)
      .setExpirationTime(now - 3600)
      .sign(secret);
    expect(errorCodes(await me(expired))).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses a token signed with another secret, and one with a tampered subject', async () => {
    const forged = await tokenFor(account.ownerId, { secret: 'not-the-servers-secret-but-long-enough-0123' });
    expect(errorCodes(await me(forged))).toEqual(['UNAUTHENTICATED']);

    const [header, , signature] = account.token.split('.');
    const payload = JSON.parse(Buffer.from(account.token.split('.')[1] ?? '', 'base64url').toString());
    const tampered = Buffer.from(JSON.stringify({ ...payload, sub: randomUUID() })).toString('base64url');
    expect(errorCodes(await me(`${header}.${tampered}.${signature}`))).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses an unsigned alg:none token', async () => {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({
      sub: account.ownerId,
      iss: 'seatledger',
      aud: 'seatledger-api',
      iat: now,
      exp: now + 600,
    })}.`;
    expect(errorCodes(await me(unsigned))).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses garbage and a token of a deactivated user', async () => {
    expect(errorCodes(await me('not.a.jwt'))).toEqual(['UNAUTHENTICATED']);
    await purchase(gql, account.token, 1);
    const leaver = await createUser(gql, account.token);
    const leaverToken = await tokenFor(leaver.id, { secret });
    expect(ok(await me(leaverToken)).me).toEqual({ id: leaver.id });
    ok(
      await gql(
        'mutation ($u: ID!) { deactivateUser(input: { userId: $u }) { user { id } } }',
        { u: leaver.id },
        account.token,
      ),
    );
    expect(errorCodes(await me(leaverToken))).toEqual(['UNAUTHENTICATED']);
  });
});
