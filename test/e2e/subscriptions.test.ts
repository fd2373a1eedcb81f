// GraphQL subscriptions over a real WebSocket (graphql-ws client, protocol graphql-transport-ws) against what `serve`
// runs: live order, catch-up then live with no gap or duplicate at the seam, account isolation, refused tokens,
// seat pushes, no leftovers after a disconnect, and a slow reader that does not make the server buffer the log.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { loadOrCreateSecret } from '../../src/auth/tokens';
import type { Product } from '../../src/domain/plans';
import { subscriptionStream } from '../../src/domain/streams';
import { openSqliteEventStore } from '../../src/eventstore/sqlite';
import {
  ASSIGN,
  createUser,
  type Gql,
  ok,
  purchase,
  REVOKE,
  type SignedUpAccount,
  signUpAccount,
  startTestSeatledger,
  type TestSeatledger,
  tokenFor,
} from '../support/seatledger';

jest.setTimeout(20_000);

interface LicenseEvent {
  readonly id: string;
  readonly position: string;
  readonly type: string;
  readonly product: Product | null;
  readonly user: { readonly id: string } | null;
}

interface Seats {
  readonly product: Product;
  readonly purchased: number;
  readonly assigned: number;
  readonly available: number;
}

const LICENSE_EVENTS = `subscription ($after: String) {
  licenseEvents(after: $after) { id position type product user { id } }
}`;
const SEATS_CHANGED = `subscription ($product: Product) {
  seatAvailabilityChanged(product: $product) { product purchased assigned available }
}`;

/** Resolves once `check` holds, looking again every few milliseconds; fails naming what it waited for. */
async function eventually<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** What one subscription received, with a way to wait for more. */
interface Received<T> {
  readonly items: T[];
  readonly errors: unknown[];
  until(what: string, done: (items: readonly T[]) => boolean): Promise<void>;
  stop(): void;
}

function subscribe<T>(client: Client, query: string, variables: Record<string, unknown>, field: string): Received<T> {
  const items: T[] = [];
  const errors: unknown[] = [];
  let notify = () => {};
  const stop = client.subscribe<Record<string, T>>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors) errors.push(result.errors);
        if (result.data) items.push(result.data[field] as T);
        notify();
      },
      error: (error) => {
        errors.push(error);
        notify();
      },
      complete: () => notify(),
    },
  );
  return {
    items,
    errors,
    stop,
    until: (what, done) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${items.length}`)), 10_000);
        notify = () => {
          if (errors.length > 0) {
            clearTimeout(timer);
            reject(new Error(`subscription failed: ${JSON.stringify(errors)}`));
          } else if (done(items)) {
            clearTimeout(timer);
            resolve();
          }
        };
        notify();
      }),
  };
}

describe('GraphQL subscriptions over WebSocket', () => {
  let server: TestSeatledger;
  let gql: Gql;
  let wsUrl: string;
  const clients: Client[] = [];

  const connect = (token: string | undefined, extra: Partial<Parameters<typeof createClient>[0]> = {}) => {
    const client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: token === undefined ? {} : { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: true,
      ...extra,
    });
    clients.push(client);
    return client;
  };

  /** One figure from /metrics (summed over its labels). */
  const metric = async (name: string): Promise<number> => {
    const text = await (await fetch(server.url.replace(/\/graphql$/, '/metrics'))).text();
    let sum = 0;
    let found = false;
    for (const line of text.split('\n')) {
      const match = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
      if (match?.[1] === name) {
        sum += Number(match[3]);
        found = true;
      }
    }
    if (!found) throw new Error(`no ${name} in /metrics`);
    return sum;
  };

  /** The account's whole licence history over HTTP, oldest first. */
  const history = async (
    token: string,
    after: string | null = null,
    fields = 'id position type product user { id }',
  ): Promise<LicenseEvent[]> => {
    const events: LicenseEvent[] = [];
    let cursor = after;
    for (;;) {
      const { licenseHistory } = ok(
        await gql<{
          licenseHistory: {
            edges: { node: LicenseEvent }[];
            pageInfo: { hasNextPage: boolean; endCursor: string | null };
          };
        }>(
          `query ($after: String) { licenseHistory(first: 500, after: $after) {
            edges { node { ${fields} } } pageInfo { hasNextPage endCursor } } }`,
          { after: cursor },
          token,
        ),
      );
      events.push(...licenseHistory.edges.map((edge) => edge.node));
      if (!licenseHistory.pageInfo.hasNextPage) return events;
      cursor = licenseHistory.pageInfo.endCursor;
    }
  };

  const assign = (token: string, userId: string, product: Product = 'VIDEO_MEETING') =>
    gql(ASSIGN, { userId, product }, token).then(ok);
  const revoke = (token: string, userId: string, product: Product = 'VIDEO_MEETING') =>
    gql(REVOKE, { userId, product }, token).then(ok);

  /** An account with seats of both products and `users` members. */
  const account = async (name: string, users = 1) => {
    const owner = await signUpAccount(gql, name);
    await purchase(gql, owner.token, 10, 'VIDEO_MEETING');
    await purchase(gql, owner.token, 10, 'WEBINAR');
    const members = [];
    for (let i = 0; i < users; i += 1) members.push((await createUser(gql, owner.token)).id);
    return { owner, members };
  };

  /** Each member assigned and revoked `rounds` times, the members in parallel: 2 × rounds × members events. */
  const burst = (owner: SignedUpAccount, members: readonly string[], rounds: number) =>
    Promise.all(
      members.map(async (userId) => {
        for (let i = 0; i < rounds; i += 1) {
          await assign(owner.token, userId);
          await revoke(owner.token, userId);
        }
      }),
    );

  /** Listeners on the projection runner with no subscription open: /metrics' own. */
  let idleListeners: number;
  const listenersSettleAt = (count: number) =>
    eventually(
      `${count} projection listeners`,
      async () => (await metric('seatledger_projection_listeners')) === count,
    );

  beforeAll(async () => {
    server = await startTestSeatledger({ reactors: false });
    gql = server.gql;
    wsUrl = server.url.replace(/^http/, 'ws');
    idleListeners = await metric('seatledger_projection_listeners');
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
    // Every test leaves the server as it found it: no subscription still listening.
    await listenersSettleAt(idleListeners);
  });

  afterAll(async () => {
    await server?.close();
  });

  it('given licenseEvents without after, then only what happens from now on arrives, in order', async () => {
    const { owner, members } = await account('Now');
    const [ann] = members as [string];
    await assign(owner.token, ann);
    const client = connect(owner.token);

    const received = subscribe<LicenseEvent>(client, LICENSE_EVENTS, {}, 'licenseEvents');
    // Listening means its start is fixed (a feed registers only after reading the head).
    await listenersSettleAt(idleListeners + 1);
    await revoke(owner.token, ann);
    await assign(owner.token, ann, 'WEBINAR');
    await revoke(owner.token, ann, 'WEBINAR');
    await received.until('3 events', (items) => items.length >= 3);

    const tail = (await history(owner.token)).slice(-3);
    expect(received.items).toEqual(tail);
    expect(received.items.map((e) => [e.type, e.product, e.user?.id])).toEqual([
      ['LicenseRevoked', 'VIDEO_MEETING', ann],
      ['LicenseAssigned', 'WEBINAR', ann],
      ['LicenseRevoked', 'WEBINAR', ann],
    ]);
  });

  it('given after: <position> while a burst is appending, then catch-up runs into live with no gap and no duplicate, and another account’s concurrent events never arrive', async () => {
    const { owner, members } = await account('Seam', 4);
    const other = await account('Other', 2);
    const before = await history(owner.token);
    const from = (before.at(-1) as LicenseEvent).position;
    // More than a page of the feed (200) behind by the time the subscriber starts, more being appended meanwhile.
    await burst(owner, members, 26);
    const running = Promise.all([burst(owner, members, 10), burst(other.owner, other.members, 10)]);

    const received = subscribe<LicenseEvent>(connect(owner.token), LICENSE_EVENTS, { after: from }, 'licenseEvents');
    await running;
    // A last event after the burst: anything duplicated or trailing would arrive before it.
    await assign(owner.token, members[0] as string, 'WEBINAR');
    const expected = await history(owner.token, from);
    const last = (expected.at(-1) as LicenseEvent).position;
    await received.until('the last event', (items) => items.at(-1)?.position === last);

    expect(expected).toHaveLength(2 * (26 + 10) * 4 + 1);
    expect(received.items.map((e) => e.position)).toEqual(expected.map((e) => e.position));
    expect(received.items).toEqual(expected);
    const positions = received.items.map((e) => e.position);
    expect(positions.every((p, i) => i === 0 || p > (positions[i - 1] as string))).toBe(true);
    const foreign = new Set((await history(other.owner.token)).map((e) => e.id));
    expect(received.items.filter((e) => foreign.has(e.id))).toEqual([]);
  });

  it.each([
    ['no token', async () => undefined],
    [
      'a forged token',
      async (userId: string) => tokenFor(userId, { secret: 'not-the-server-secret-0123456789abcdef' }),
    ],
    ['a malformed token', async () => 'not.a.jwt'],
  ])('given %s, then the connection is closed with 4403 and no event arrives', async (_what, token) => {
    const { owner, members } = await account('Intruded');
    const client = connect(await token(owner.ownerId));
    const closed = new Promise<{ code: number; reason: string }>((resolve) => {
      client.on('closed', (event) => resolve(event as { code: number; reason: string }));
    });
    const received = subscribe<LicenseEvent>(client, LICENSE_EVENTS, { after: '' }, 'licenseEvents');

    expect(await closed).toMatchObject({ code: 4403, reason: 'Forbidden' });
    await assign(owner.token, members[0] as string);
    expect(received.items).toEqual([]);
    expect(received.errors).toHaveLength(1);
    expect(await metric('seatledger_projection_listeners')).toBe(idleListeners);
  });

  it('given a token that expires while connected, then the connection is closed (4403) and its feeds stop', async () => {
    const { owner } = await account('Expiring');
    const secret = loadOrCreateSecret(server.dataDir);
    // Two seconds of validity (a whole second at least, as `exp` counts in seconds): enough to connect first.
    const client = connect(await tokenFor(owner.ownerId, { secret, ttlSeconds: 2 }));
    const closed = new Promise<{ code: number; reason: string }>((resolve) => {
      client.on('closed', (event) => resolve(event as { code: number; reason: string }));
    });
    const received = subscribe<Seats>(client, SEATS_CHANGED, {}, 'seatAvailabilityChanged');
    await listenersSettleAt(idleListeners + 1);

    expect(await closed).toMatchObject({ code: 4403, reason: 'TOKEN_EXPIRED' });
    await listenersSettleAt(idleListeners);
    expect(received.items).toEqual([]);
  });

  it('given seatAvailabilityChanged(product:), then each assign and revoke of that product pushes the new counts, other products none', async () => {
    const { owner, members } = await account('Seats', 2);
    const [ann, bob] = members as [string, string];
    const client = connect(owner.token);
    const video = subscribe<Seats>(client, SEATS_CHANGED, { product: 'VIDEO_MEETING' }, 'seatAvailabilityChanged');
    const every = subscribe<Seats>(client, SEATS_CHANGED, {}, 'seatAvailabilityChanged');
    await listenersSettleAt(idleListeners + 2);

    await assign(owner.token, ann, 'WEBINAR');
    await every.until('the webinar push', (items) => items.length === 1);
    await assign(owner.token, ann);
    await video.until('the first push', (items) => items.length === 1);
    await assign(owner.token, bob);
    await video.until('the second push', (items) => items.length === 2);
    await revoke(owner.token, ann);
    await video.until('the third push', (items) => items.length === 3);
    await every.until('all four pushes', (items) => items.length === 4);

    expect(video.items).toEqual([
      { product: 'VIDEO_MEETING', purchased: 10, assigned: 1, available: 9 },
      { product: 'VIDEO_MEETING', purchased: 10, assigned: 2, available: 8 },
      { product: 'VIDEO_MEETING', purchased: 10, assigned: 1, available: 9 },
    ]);
    expect(every.items[0]).toEqual({ product: 'WEBINAR', purchased: 10, assigned: 1, available: 9 });
    expect(every.items.slice(1)).toEqual(video.items);
  });

  it('given operations the server refuses, then each answers its code and the connection stays open for the next', async () => {
    const { owner } = await account('Refused');
    // Not lazy: the client would otherwise close the socket itself whenever no subscription is running.
    const client = connect(owner.token, { lazy: false });
    let closed = false;
    client.on('closed', () => {
      closed = true;
    });
    const codesOf = (query: string, variables: Record<string, unknown> = {}) =>
      new Promise<unknown[]>((resolve) => {
        client.subscribe(
          { query, variables },
          {
            next: (result) => result.errors && resolve(result.errors.map((e) => e.extensions?.code)),
            error: (errors) => resolve((errors as { extensions?: { code?: string } }[]).map((e) => e.extensions?.code)),
            complete: () => {},
          },
        );
      });
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: id`).join(' ');

    expect(await codesOf('subscription { licenseEvents { id ')).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(await codesOf(`subscription { licenseEvents { ${aliases} } }`)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(await codesOf('subscription { licenseEvents { nope } }')).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(await codesOf(LICENSE_EVENTS, { after: 'x'.repeat(201) })).toEqual(['BAD_USER_INPUT']);
    expect(await codesOf('query { me { id } }')).toEqual(['BAD_REQUEST']);
    // One connection may hold 100 subscriptions; the 101st is refused and the others keep running.
    const open = Array.from({ length: 100 }, () =>
      subscribe<Seats>(client, SEATS_CHANGED, {}, 'seatAvailabilityChanged'),
    );
    await listenersSettleAt(idleListeners + 100);
    expect(await codesOf(SEATS_CHANGED)).toEqual(['BAD_REQUEST']);
    for (const one of open) one.stop();
    await listenersSettleAt(idleListeners);
    const live = subscribe<Seats>(client, SEATS_CHANGED, {}, 'seatAvailabilityChanged');
    await listenersSettleAt(idleListeners + 1);
    await purchase(gql, owner.token, 1, 'WEBINAR');
    await live.until('a push on the same connection', (items) => items.length === 1);
    expect(closed).toBe(false);
  });

  it('given a client that disconnects mid-stream, then its feed stops listening and reads nothing more', async () => {
    const { owner, members } = await account('Leaver', 2);
    const first = (await history(owner.token))[0] as LicenseEvent;
    const running = burst(owner, members, 20);
    const client = connect(owner.token);
    const received = subscribe<LicenseEvent>(client, LICENSE_EVENTS, { after: first.position }, 'licenseEvents');
    await received.until('the first events', (items) => items.length >= 5);

    await client.dispose();
    await running;
    await listenersSettleAt(idleListeners);
    await eventually('the socket closed', async () => (await metric('seatledger_websocket_connections')) === 0);
    const readBefore = await metric('seatledger_live_feed_rows_read_total');
    // Each write answers once the projections applied it: a feed still listening would have read it by now.
    await burst(owner, members, 3);

    expect(await metric('seatledger_live_feed_rows_read_total')).toBe(readBefore);
    expect(received.items.length).toBeLessThan(2 * 20 * 2);
  });

  it('given a reader that stops reading while 5,000 events are appended, then the server holds one message for it and reads no further than what the socket took; all arrive once it reads again', async () => {
    const { owner, members } = await account('Slow');
    const [ann] = members as [string];
    const from = (await history(owner.token)).at(-1)?.position as string;
    // Thirty copies of each event's payload make a message of some 5 kB: 5,000 of them are far more than the
    // kernel's socket buffers take, so the server meets a full socket long before the end.
    const copies = Array.from({ length: 30 }, (_, i) => `d${i}: data`).join(' ');
    const raw = new WebSocket(wsUrl, 'graphql-transport-ws');
    const positions: string[] = [];
    let acknowledged = false;
    let onFrame = () => {};
    raw.on('message', (data) => {
      const frame = JSON.parse(String(data));
      if (frame.type === 'connection_ack') acknowledged = true;
      if (frame.type === 'next') positions.push(frame.payload.data.licenseEvents.position);
      onFrame();
    });
    const frameWhere = (done: () => boolean) =>
      new Promise<void>((resolve) => {
        onFrame = () => done() && resolve();
        onFrame();
      });
    await new Promise((resolve) => raw.once('open', resolve));
    raw.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${owner.token}` } }));
    await frameWhere(() => acknowledged);
    const readBefore = await metric('seatledger_live_feed_rows_read_total');
    raw.send(
      JSON.stringify({
        id: '1',
        type: 'subscribe',
        payload: {
          query: `subscription ($after: String) { licenseEvents(after: $after) { position ${copies} } }`,
          variables: { after: from },
        },
      }),
    );
    await listenersSettleAt(idleListeners + 1);
    raw.pause();

    // Appended by another writer on the same log, as a second process would, in batches to be quick.
    const total = 5_000;
    const store = openSqliteEventStore({ file: path.join(server.dataDir, 'events.db') });
    try {
      const data = { accountId: owner.accountId, product: 'VIDEO_MEETING', planId: 'video-standard', userId: ann };
      for (let batch = 0; batch < total / 500; batch += 1) {
        const events = Array.from({ length: 500 }, (_, i) => ({
          id: randomUUID(),
          type: i % 2 === 0 ? 'LicenseAssigned' : 'LicenseRevoked',
          data: i % 2 === 0 ? data : { ...data, reason: null },
          metadata: {
            accountId: owner.accountId,
            actorId: owner.ownerId,
            occurredAt: new Date().toISOString(),
            correlationId: randomUUID(),
            causationId: randomUUID(),
            schemaVersion: i % 2 === 0 ? 1 : 2,
          },
        }));
        await store.appendToStream(subscriptionStream(owner.accountId, 'VIDEO_MEETING'), events, {
          expectedRevision: 'any',
        });
      }
    } finally {
      await store.close();
    }
    await eventually(
      'every processor of the log to handle them',
      async () => (await metric('seatledger_processor_lag_positions')) === 0,
    );
    // The socket is full: a message waits in the process and the feed waits with it.
    await eventually('a full socket', async () => (await metric('seatledger_websocket_buffered_bytes')) > 0);
    const read = (await metric('seatledger_live_feed_rows_read_total')) - readBefore;
    const buffered = await metric('seatledger_websocket_buffered_bytes');

    // Seen here: ~5.4 kB held (one message) and ~800 rows read: ~600 messages in the kernel's buffers plus one
    // 200-row page. Without backpressure the feed would have read all 5,000 and the process held ~27 MB.
    expect(buffered).toBeLessThan(64 * 1024);
    expect(read).toBeLessThan(total / 2);
    expect((await metric('seatledger_live_feed_rows_read_total')) - readBefore).toBe(read);

    raw.resume();
    await frameWhere(() => positions.length >= total);
    expect(positions).toEqual((await history(owner.token, from, 'position')).map((e) => e.position));
    raw.terminate();
    await eventually('the socket closed', async () => (await metric('seatledger_websocket_connections')) === 0);
  });
});
