// Sessions over real HTTP and WebSocket: refresh rotates the pair, two tabs racing with one refresh token get one pair,
// a spent token after the grace ends the whole session, logout ends one session or all at once (access tokens too,
// open sockets closed), an expired token says TOKEN_EXPIRED (and a live socket closes 4403 TOKEN_EXPIRED), tokens with
// bad claims are refused, no refresh token or its hash leaves in an export, and a logout on one instance reaches another. Windows and lifetimes come from the
// documented env vars, short.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { type Client, createClient } from 'graphql-ws';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { runExport } from '../../src/cli/export';
import { openSqliteEventStore } from '../../src/eventstore/sqlite';
import { type EventStoreDbForTests, eventStoreDbForTests, eventStoreDbTarget } from '../support/eventstoredb-target';
import {
  type Gql,
  type GraphQLResult,
  ok,
  PASSWORD,
  signUpAccount,
  startTestSeatledger,
  TEST_AUTH_SECRET,
  type TestSeatledger,
} from '../support/seatledger';

jest.setTimeout(30_000);

interface Pair {
  readonly token: string;
  readonly expiresAt: string;
  readonly refreshToken: string;
}

const LOGIN = `mutation ($email: String!, $password: String!) {
  login(email: $email, password: $password) { token expiresAt refreshToken user { id } }
}`;
const REFRESH = `mutation ($refreshToken: String!) {
  refreshSession(input: { refreshToken: $refreshToken }) { token expiresAt refreshToken user { id } }
}`;
const LOGOUT = 'mutation ($all: Boolean) { logout(input: { allSessions: $all }) { sessionsEnded } }';
const ME = '{ me { id } }';

const pairOf = (result: GraphQLResult, field: 'login' | 'refreshSession'): Pair => {
  const { token, expiresAt, refreshToken } = ok(result)[field];
  return { token, expiresAt, refreshToken };
};
const signIn = async (gql: Gql, email: string) => pairOf(await gql(LOGIN, { email, password: PASSWORD }), 'login');
const refresh = (gql: Gql, refreshToken: string) => gql(REFRESH, { refreshToken });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const unauthenticated = (result: GraphQLResult) => ({
  codes: result.codes,
  reason: result.errors?.[0]?.extensions?.reason,
});

/** A graphql-ws client for a server, and a promise of how its connection closed. */
function openSocket(
  server: TestSeatledger,
  token: string,
): { client: Client; closed: Promise<{ code: number; reason: string }> } {
  const client = createClient({
    url: server.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: false,
    // The close is what the tests wait for, not an error to print.
    onNonLazyError: () => {},
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    client.on('closed', (event) => resolve(event as { code: number; reason: string }));
  });
  return { client, closed };
}
/** Resolves once `check` holds, looking again every 20 ms; fails naming what it waited for. */
async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
const connected = (client: Client) => new Promise<void>((resolve) => client.on('connected', () => resolve()));

describe('sessions (grace 1 s)', () => {
  let server: TestSeatledger;
  let secret: Uint8Array;
  const gql: Gql = (...args) => server.gql(...args);
  const sockets: Client[] = [];

  beforeAll(async () => {
    server = await startTestSeatledger({ env: { AUTH_REFRESH_GRACE_SECONDS: '1' } });
    secret = Buffer.from(fs.readFileSync(path.join(server.dataDir, 'auth-secret'), 'utf8').trim(), 'base64url');
  });
  afterAll(async () => {
    await Promise.all(sockets.map((client) => client.dispose()));
    await server?.close();
  });

  it('signUp and login answer an access token of 15 minutes naming its session, and a refresh token', async () => {
    const owner = await signUpAccount(gql, 'Pairs');
    // The sign-up's token names a session of its own: logging out of it ends one.
    expect(ok(await gql(LOGOUT, { all: false }, owner.token)).logout.sessionsEnded).toBe(1);
    const before = Date.now();
    const pair = await signIn(gql, owner.email);
    expect(Date.parse(pair.expiresAt) - before).toBeGreaterThan(899_000);
    expect(Date.parse(pair.expiresAt)).toBeLessThanOrEqual(Date.now() + 900_000);
    const claims = JSON.parse(Buffer.from(pair.token.split('.')[1] as string, 'base64url').toString('utf8'));
    expect(claims).toMatchObject({ sub: owner.ownerId, sid: expect.any(String) });
    expect(claims.exp - claims.iat).toBe(900);
    expect(ok(await gql(ME, undefined, pair.token)).me.id).toBe(owner.ownerId);
  });

  it('refreshSession rotates the pair: the new access token works, the old refresh token is spent', async () => {
    const owner = await signUpAccount(gql, 'Rotate');
    const first = await signIn(gql, owner.email);
    const second = pairOf(await refresh(gql, first.refreshToken), 'refreshSession');
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(ok(await gql(ME, undefined, second.token)).me.id).toBe(owner.ownerId);
    const third = pairOf(await refresh(gql, second.refreshToken), 'refreshSession');
    expect(third.refreshToken).not.toBe(second.refreshToken);
    // A refresh token that was never issued, or altered, is refused.
    expect((await refresh(gql, `${third.refreshToken.slice(0, -2)}xx`)).codes).toEqual(['UNAUTHENTICATED']);
    expect((await refresh(gql, 'not-a-refresh-token')).codes).toEqual(['UNAUTHENTICATED']);
  });

  it('two tabs refreshing with one token at once both get the same new pair, and the session goes on', async () => {
    const owner = await signUpAccount(gql, 'Tabs');
    const pair = await signIn(gql, owner.email);
    const [one, two] = await Promise.all([refresh(gql, pair.refreshToken), refresh(gql, pair.refreshToken)]);
    const a = pairOf(one, 'refreshSession');
    const b = pairOf(two, 'refreshSession');
    expect(b).toEqual(a);
    // Within the grace, a third time too: still that pair.
    expect(pairOf(await refresh(gql, pair.refreshToken), 'refreshSession')).toEqual(a);
    expect(ok(await gql(ME, undefined, a.token)).me.id).toBe(owner.ownerId);
    expect(pairOf(await refresh(gql, a.refreshToken), 'refreshSession').token).toEqual(expect.any(String));
  });

  it('a spent refresh token after the grace ends the whole session: its new pair is refused too', async () => {
    const owner = await signUpAccount(gql, 'Stolen');
    const pair = await signIn(gql, owner.email);
    const other = await signIn(gql, owner.email); // another session of the same user: not touched
    const rotated = pairOf(await refresh(gql, pair.refreshToken), 'refreshSession');
    expect(ok(await gql(ME, undefined, rotated.token)).me.id).toBe(owner.ownerId);
    await sleep(1_300);

    expect((await refresh(gql, pair.refreshToken)).codes).toEqual(['UNAUTHENTICATED']);
    expect(unauthenticated(await gql(ME, undefined, rotated.token))).toEqual({
      codes: ['UNAUTHENTICATED'],
      reason: 'SESSION_ENDED',
    });
    expect((await refresh(gql, rotated.refreshToken)).codes).toEqual(['UNAUTHENTICATED']);
    expect(ok(await gql(ME, undefined, other.token)).me.id).toBe(owner.ownerId);
    expect(pairOf(await refresh(gql, other.refreshToken), 'refreshSession').token).toEqual(expect.any(String));
  });

  it('logout ends this session at once (access and refresh token, open socket); other sessions go on', async () => {
    const owner = await signUpAccount(gql, 'Logout');
    const mine = await signIn(gql, owner.email);
    const other = await signIn(gql, owner.email);
    const socket = openSocket(server, mine.token);
    sockets.push(socket.client);
    await connected(socket.client);

    expect(ok(await gql(LOGOUT, {}, mine.token)).logout.sessionsEnded).toBe(1);
    expect(unauthenticated(await gql(ME, undefined, mine.token))).toEqual({
      codes: ['UNAUTHENTICATED'],
      reason: 'SESSION_ENDED',
    });
    expect((await refresh(gql, mine.refreshToken)).codes).toEqual(['UNAUTHENTICATED']);
    expect(await socket.closed).toEqual(expect.objectContaining({ code: 4403, reason: 'SESSION_ENDED' }));
    expect(ok(await gql(ME, undefined, other.token)).me.id).toBe(owner.ownerId);
  });

  it('logout(allSessions: true) ends every session of the caller, and only theirs', async () => {
    const owner = await signUpAccount(gql, 'Everywhere');
    const stranger = await signUpAccount(gql, 'Elsewhere');
    const sessions = [await signIn(gql, owner.email), await signIn(gql, owner.email), await signIn(gql, owner.email)];
    // The sign-up's session and the three logins.
    expect(ok(await gql(LOGOUT, { all: true }, sessions[0]?.token)).logout.sessionsEnded).toBe(4);
    for (const session of [...sessions, { token: owner.token, refreshToken: '' }]) {
      expect((await gql(ME, undefined, session.token)).codes).toEqual(['UNAUTHENTICATED']);
    }
    expect((await refresh(gql, sessions[2]?.refreshToken as string)).codes).toEqual(['UNAUTHENTICATED']);
    expect(ok(await gql(ME, undefined, stranger.token)).me.id).toBe(stranger.ownerId);
  });

  describe('local tokens with bad claims are refused (issue 15)', () => {
    const signed = (claims: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer('seatledger').setAudience('seatledger-api');
    const now = () => Math.floor(Date.now() / 1000);
    let ownerId: string;
    beforeAll(async () => {
      ownerId = (await signUpAccount(gql, 'Claims')).ownerId;
    });

    it('a well-formed one is accepted (so the refusals below are about the claim)', async () => {
      const token = await signed({ sub: ownerId })
        .setIssuedAt(now())
        .setExpirationTime(now() + 900)
        .sign(secret);
      expect(ok(await gql(ME, undefined, token)).me.id).toBe(ownerId);
    });

    it.each([
      ['without exp', () => signed({ sub: ownerId }).setIssuedAt(now()).sign(secret)],
      [
        'without iat',
        () =>
          signed({ sub: ownerId })
            .setExpirationTime(now() + 60)
            .sign(secret),
      ],
      [
        'living longer than the TTL',
        () =>
          signed({ sub: ownerId })
            .setIssuedAt(now())
            .setExpirationTime(now() + 900 + 120)
            .sign(secret),
      ],
      [
        'issued in the future to last longer',
        () =>
          signed({ sub: ownerId })
            .setIssuedAt(now() + 3600)
            .setExpirationTime(now() + 3600 + 900)
            .sign(secret),
      ],
      [
        'whose sub is a number',
        () =>
          signed({ sub: 42 })
            .setIssuedAt(now())
            .setExpirationTime(now() + 60)
            .sign(secret),
      ],
      [
        'whose sub is an object',
        () =>
          signed({ sub: { id: ownerId } })
            .setIssuedAt(now())
            .setExpirationTime(now() + 60)
            .sign(secret),
      ],
    ])('%s', async (_what, token) => {
      const result = await gql(ME, undefined, await token());
      expect(unauthenticated(result)).toEqual({ codes: ['UNAUTHENTICATED'], reason: undefined });
    });
  });

  it('no refresh token or its hash is in the log’s published events: export, history; the log keeps hashes only', async () => {
    const owner = await signUpAccount(gql, 'Secrets');
    const first = await signIn(gql, owner.email);
    const second = pairOf(await refresh(gql, first.refreshToken), 'refreshSession');
    ok(await gql(LOGOUT, {}, second.token));
    const secrets = [first.refreshToken, second.refreshToken].flatMap((token) => [
      token,
      createHash('sha256').update(token).digest('hex'),
    ]);

    // The log itself holds the session's events, with the hashes only.
    const store = openSqliteEventStore({ file: path.join(server.dataDir, 'events.db') });
    const raw: string[] = [];
    try {
      for await (const event of store.readAll()) {
        if (event.streamName === `sessions-${owner.ownerId}`) raw.push(JSON.stringify(event));
      }
    } finally {
      await store.close();
    }
    expect(raw.length).toBeGreaterThanOrEqual(4);
    expect(raw.join('\n')).toContain(secrets[3]); // the second token's hash: the test looks in the right place
    expect(raw.join('\n')).not.toContain(first.refreshToken);
    expect(raw.join('\n')).not.toContain(second.refreshToken);

    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    const code = await runExport([], {
      stdout,
      stderr: new PassThrough(),
      env: { SEATLEDGER_DATA_DIR: server.dataDir },
      cwd: server.dataDir,
    });
    expect(code).toBe(0);
    const exported = Buffer.concat(chunks).toString('utf8');
    expect(exported).toContain(owner.ownerId); // the account's own events are there
    expect(exported).not.toMatch(/"Session(Started|Refreshed|Ended)"|sessions-/);
    for (const secret of secrets) expect(exported).not.toContain(secret);

    const history = ok(
      await gql(
        '{ licenseHistory(first: 100) { edges { node { type } } } }',
        undefined,
        (await signIn(gql, owner.email)).token,
      ),
    );
    expect(history.licenseHistory.edges.map((e: { node: { type: string } }) => e.node.type)).not.toContain(
      'SessionStarted',
    );
  });
});

describe('sessions (access tokens of 2 s)', () => {
  let server: TestSeatledger;
  const gql: Gql = (...args) => server.gql(...args);

  beforeAll(async () => {
    server = await startTestSeatledger({ env: { AUTH_TOKEN_TTL_SECONDS: '2' } });
  });
  afterAll(() => server?.close());

  it('an expired access token answers UNAUTHENTICATED with reason TOKEN_EXPIRED; the refresh token still renews it', async () => {
    const owner = await signUpAccount(gql, 'Expiry');
    const pair = await signIn(gql, owner.email);
    expect(Date.parse(pair.expiresAt) - Date.now()).toBeLessThanOrEqual(2_000);
    expect(ok(await gql(ME, undefined, pair.token)).me.id).toBe(owner.ownerId);
    await sleep(Date.parse(pair.expiresAt) - Date.now() + 200);

    const expired = await gql(ME, undefined, pair.token);
    expect(unauthenticated(expired)).toEqual({ codes: ['UNAUTHENTICATED'], reason: 'TOKEN_EXPIRED' });
    // A token that was never valid says no reason: only ours, correctly signed, are "expired".
    expect(unauthenticated(await gql(ME, undefined, `${pair.token.slice(0, -3)}abc`))).toEqual({
      codes: ['UNAUTHENTICATED'],
      reason: undefined,
    });
    const renewed = pairOf(await refresh(gql, pair.refreshToken), 'refreshSession');
    expect(ok(await gql(ME, undefined, renewed.token)).me.id).toBe(owner.ownerId);
  });

  it('a live WebSocket is closed with 4403 TOKEN_EXPIRED when its token expires; one opened with it after is too', async () => {
    const owner = await signUpAccount(gql, 'Socket');
    const pair = await signIn(gql, owner.email);
    const socket = openSocket(server, pair.token);
    await connected(socket.client);
    const opened = Date.now();
    expect(await socket.closed).toEqual(expect.objectContaining({ code: 4403, reason: 'TOKEN_EXPIRED' }));
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(pair.expiresAt) - 50);
    expect(Date.now() - opened).toBeLessThan(3_000);
    await socket.client.dispose();

    const late = openSocket(server, pair.token);
    expect(await late.closed).toEqual(expect.objectContaining({ code: 4403, reason: 'TOKEN_EXPIRED' }));
    await late.client.dispose();
  });

  it('a graphql-ws client with connectionParams as a function reconnects with a refreshed token and its subscription goes on', async () => {
    const owner = await signUpAccount(gql, 'Reconnect');
    let pair = await signIn(gql, owner.email);
    const sent: string[] = [];
    const client = createClient({
      url: server.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      // As the README shows: every (re)connect asks for a token, refreshing the pair when it is about to expire.
      connectionParams: async () => {
        if (Date.parse(pair.expiresAt) - Date.now() < 1_500) {
          pair = pairOf(await refresh(gql, pair.refreshToken), 'refreshSession');
        }
        sent.push(pair.token);
        return { authorization: `Bearer ${pair.token}` };
      },
      shouldRetry: (event) => (event as { reason?: string }).reason !== 'SESSION_ENDED',
      retryAttempts: 5,
      retryWait: () => sleep(50),
    });
    const closes: string[] = [];
    client.on('closed', (event) => closes.push((event as { reason: string }).reason));
    const pushes: unknown[] = [];
    const done = new Promise<void>((resolve, reject) =>
      client.subscribe(
        { query: 'subscription { seatAvailabilityChanged { purchased } }' },
        { next: (value) => pushes.push(value.data), error: reject, complete: resolve },
      ),
    );
    try {
      await waitFor('a reconnect after the expiry', () => closes.includes('TOKEN_EXPIRED') && sent.length >= 2);
      await waitFor('the second connection', async () => {
        ok(
          await gql(
            'mutation { purchaseLicenses(input: { product: WEBINAR, plan: "webinar-100", quantity: 1 }) { subscription { id } } }',
            undefined,
            pair.token,
          ),
        );
        await sleep(200);
        return pushes.length > 0;
      });
      expect(new Set(sent).size).toBeGreaterThanOrEqual(2);
    } finally {
      await client.dispose();
      await done.catch(() => undefined);
    }
  });
});

describe(`sessions on two API instances (${eventStoreDbTarget})`, () => {
  let eventStoreDb: EventStoreDbForTests | undefined;
  let one: TestSeatledger;
  let two: TestSeatledger;

  beforeAll(async () => {
    eventStoreDb = await eventStoreDbForTests();
    const env = { EVENTSTORE_CONNECTION_STRING: eventStoreDb.connectionString, AUTH_SECRET: TEST_AUTH_SECRET };
    [one, two] = await Promise.all([startTestSeatledger({ env }), startTestSeatledger({ env, reactors: false })]);
  });
  afterAll(async () => {
    await Promise.all([one, two].map((server) => server?.close()));
    await eventStoreDb?.stop();
  });

  it('a logout on one instance reaches the other through the log: its requests refused, its socket closed', async () => {
    const owner = await signUpAccount(one.gql, 'Two Sites');
    const pair = await signIn(one.gql, owner.email);
    // Two has served this session (its state is cached there) and holds a socket of it.
    expect(ok(await two.gql(ME, undefined, pair.token)).me.id).toBe(owner.ownerId);
    const socket = openSocket(two, pair.token);
    await connected(socket.client);

    expect(ok(await one.gql(LOGOUT, {}, pair.token)).logout.sessionsEnded).toBe(1);
    expect(await socket.closed).toEqual(expect.objectContaining({ code: 4403, reason: 'SESSION_ENDED' }));
    expect(unauthenticated(await two.gql(ME, undefined, pair.token))).toEqual({
      codes: ['UNAUTHENTICATED'],
      reason: 'SESSION_ENDED',
    });
    // A refresh on the other instance is refused as well, and one made there rotates for both.
    expect((await refresh(two.gql, pair.refreshToken)).codes).toEqual(['UNAUTHENTICATED']);
    const other = await signIn(two.gql, owner.email);
    const rotated = pairOf(await refresh(two.gql, other.refreshToken), 'refreshSession');
    expect(pairOf(await refresh(one.gql, other.refreshToken), 'refreshSession')).toEqual(rotated);
    await socket.client.dispose();
  });
});
