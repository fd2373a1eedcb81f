// Ids a normalized cache can trust, over real HTTP and WebSocket: the live seat counts carry one id wherever they
// appear (query, mutation payloads, subscriptions[].seats, seatAvailabilityChanged), counts as of a time another;
// node(id:) resolves every id it gave out within the caller's account and answers null for anything else; a
// history event's eventType and payload are its type and data, typed.
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import {
  createUser,
  type Gql,
  ok,
  purchase,
  type SignedUpAccount,
  signUpAccount,
  startTestSeatledger,
  type TestSeatledger,
} from '../support/seatledger';

jest.setTimeout(30_000);

const SEATS = 'id product purchased assigned reserved available';

/** Resolves once `check` answers something, looking again every few milliseconds. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('ids a normalized cache can trust, and node(id:)', () => {
  let server: TestSeatledger;
  let gql: Gql;
  let acme: SignedUpAccount;
  let other: SignedUpAccount;
  let ann: { id: string };
  let ws: Client;

  beforeAll(async () => {
    server = await startTestSeatledger();
    gql = server.gql;
    acme = await signUpAccount(gql, 'Acme');
    other = await signUpAccount(gql, 'Other');
    await purchase(gql, acme.token, 3);
    await purchase(gql, other.token, 1);
    ann = await createUser(gql, acme.token, { name: 'Ann Example' });
    ws = createClient({
      url: server.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${acme.token}` },
      retryAttempts: 0,
    });
  });

  afterAll(async () => {
    await ws?.dispose();
    await server?.close();
  });

  const live = (account: SignedUpAccount) => `SeatAvailability:${account.accountId}:VIDEO_MEETING`;

  it('gives the live seat counts one id in queries, payloads, subscriptions[].seats and seatAvailabilityChanged', async () => {
    // given a client listening for seat changes
    const pushed: { id: string; assigned: number }[] = [];
    const stop = ws.subscribe<{ seatAvailabilityChanged: { id: string; assigned: number } }>(
      { query: `subscription { seatAvailabilityChanged(product: VIDEO_MEETING) { ${SEATS} } }` },
      {
        next: (result) => result.data && pushed.push(result.data.seatAvailabilityChanged),
        error: (error) => pushed.push({ id: `error ${JSON.stringify(error)}`, assigned: -1 }),
        complete: () => {},
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 200));

    // when a licence is assigned and then revoked
    const assigned = ok(
      await gql(
        `mutation ($userId: ID!) { assignLicense(input: { userId: $userId, product: VIDEO_MEETING }) {
          license { id } seats { ${SEATS} } } }`,
        { userId: ann.id },
        acme.token,
      ),
    ).assignLicense;
    const read = ok(
      await gql(
        `{ seatAvailability(product: VIDEO_MEETING) { ${SEATS} }
           subscriptions { id seats { ${SEATS} } }
           account { subscriptions { seats { id } } } }`,
        {},
        acme.token,
      ),
    );
    await eventually('a pushed count of 1 assigned', async () => pushed.find((p) => p.assigned === 1) ?? undefined);
    const revoked = ok(
      await gql(
        `mutation ($userId: ID!) { revokeLicense(input: { userId: $userId, product: VIDEO_MEETING }) { seats { ${SEATS} } } }`,
        { userId: ann.id },
        acme.token,
      ),
    ).revokeLicense;
    await eventually('a pushed count of 0 assigned', async () => pushed.find((p) => p.assigned === 0) ?? undefined);
    stop();

    // then every one of them names the same entity, and only Acme's
    expect(assigned.seats).toEqual({
      id: live(acme),
      product: 'VIDEO_MEETING',
      purchased: 3,
      assigned: 1,
      reserved: 0,
      available: 2,
    });
    expect(assigned.license.id).toBe(`License:${ann.id}:VIDEO_MEETING`);
    expect(read.seatAvailability).toEqual(assigned.seats);
    expect(read.subscriptions[0].seats).toEqual(assigned.seats);
    expect(read.account.subscriptions[0].seats.id).toBe(live(acme));
    expect(revoked.seats).toMatchObject({ id: live(acme), assigned: 0, available: 3 });
    expect(new Set(pushed.map((p) => p.id))).toEqual(new Set([live(acme)]));
    const theirs = ok(await gql('{ seatAvailability(product: VIDEO_MEETING) { id } }', {}, other.token));
    expect(theirs.seatAvailability.id).toBe(live(other));
  });

  it('gives counts as of a time their own id, the same for any spelling of that instant', async () => {
    // given an instant written two ways
    const utc = '2030-01-02T03:04:05.678Z';
    const offset = '2030-01-02T04:04:05.678+01:00';

    // when seats are read as of it, beside the live ones
    const data = ok(
      await gql(
        `query ($a: DateTime!, $b: DateTime!) {
          live: seatAvailability(product: VIDEO_MEETING) { id }
          a: seatAvailability(product: VIDEO_MEETING, asOf: $a) { id purchased }
          b: seatAvailability(product: VIDEO_MEETING, asOf: $b) { id }
          past: seatAvailability(product: VIDEO_MEETING, asOf: "2001-01-01T00:00:00Z") { id purchased }
        }`,
        { a: utc, b: offset },
        acme.token,
      ),
    );

    // then the as-of id adds the UTC instant to the millisecond, and never equals the live id
    expect(data.a.id).toBe(`${live(acme)}:asOf:${utc}`);
    expect(data.b.id).toBe(data.a.id);
    expect(data.past).toEqual({ id: `${live(acme)}:asOf:2001-01-01T00:00:00.000Z`, purchased: 0 });
    expect(data.live.id).toBe(live(acme));
  });

  it('resolves every id it gave out with node(id:)', async () => {
    // given a licence, its mail, and the ids of each kind of entity
    ok(
      await gql(
        'mutation ($userId: ID!) { assignLicense(input: { userId: $userId, product: VIDEO_MEETING }) { user { id } } }',
        { userId: ann.id },
        acme.token,
      ),
    );
    const ids = ok(
      await gql(
        `{ me { id } account { id }
           plans(product: VIDEO_MEETING) { id }
           subscriptions { id }
           user(id: "${ann.id}") { licenses { id } }
           licenseHistory(last: 1) { edges { node { id type } } } }`,
        {},
        acme.token,
      ),
    );
    const delivery = await eventually('the licence mail delivery', async () => {
      const data = ok(await gql('{ notifications(first: 1) { edges { node { id eventId } } } }', {}, acme.token));
      return data.notifications.edges[0]?.node as { id: string; eventId: string } | undefined;
    });
    const expected: [string, string][] = [
      [ids.me.id, 'User'],
      [ids.account.id, 'Account'],
      [ids.plans[0].id, 'Plan'],
      [ids.subscriptions[0].id, 'ProductSubscription'],
      [ids.user.licenses[0].id, 'License'],
      [ids.licenseHistory.edges[0].node.id, 'LicenseEvent'],
      [delivery.id, 'NotificationDelivery'],
    ];
    expect(delivery.id).toBe(`NotificationDelivery:${delivery.eventId}`);

    for (const [id, typename] of expected) {
      // when the id is asked for
      const data = ok(await gql('query ($id: ID!) { node(id: $id) { __typename id } }', { id }, acme.token));
      // then the same entity answers
      expect({ id, node: data.node }).toEqual({ id, node: { __typename: typename, id } });
    }
  });

  it('answers null, never an error, for ids of another account, unknown ids and ids it never gives out', async () => {
    // given ids of Acme's entities, and nonsense
    const acmeIds = ok(
      await gql(
        `{ me { id } account { id } subscriptions { id } licenseHistory(first: 1) { edges { node { id } } } }`,
        {},
        acme.token,
      ),
    );
    const ids = [
      acmeIds.me.id,
      acmeIds.account.id,
      acmeIds.subscriptions[0].id,
      acmeIds.licenseHistory.edges[0].node.id,
      `License:${ann.id}:VIDEO_MEETING`,
      '00000000-0000-4000-8000-000000000000',
      `subscription-${other.accountId}-WEBINAR`,
      'License:nobody:VIDEO_MEETING',
      'License:x:NO_SUCH_PRODUCT',
      'NotificationDelivery:00000000-0000-4000-8000-000000000000',
      'SeatAvailability:whatever:VIDEO_MEETING',
      'no-such-plan',
      '',
    ];

    for (const id of ids) {
      // when another account's owner asks for it
      const result = await gql('query ($id: ID!) { node(id: $id) { __typename id } }', { id }, other.token);
      // then nothing is revealed
      expect({ id, errors: result.errors, node: result.data?.node }).toEqual({ id, errors: undefined, node: null });
    }
  });

  it('refuses node(id:) without a token, as every other read', async () => {
    const result = await gql('query ($id: ID!) { node(id: $id) { id } }', { id: 'video-standard' });
    expect(result.codes).toEqual(['UNAUTHENTICATED']);
  });

  it('types each history event: eventType is its type, payload its data as an object', async () => {
    // when the history is read
    const data = ok(
      await gql('{ licenseHistory(first: 100) { edges { node { type eventType data payload } } } }', {}, acme.token),
    );
    const nodes = data.licenseHistory.edges.map((edge: { node: unknown }) => edge.node);

    // then each event carries both forms, and they agree
    expect(nodes.map((n: { eventType: string }) => n.eventType)).toEqual(
      expect.arrayContaining(['AccountOpened', 'UserCreated', 'LicensePurchased', 'LicenseAssigned', 'LicenseRevoked']),
    );
    for (const node of nodes) {
      expect(node.eventType).toBe(node.type);
      expect(node.payload).toEqual(JSON.parse(node.data));
      expect(typeof node.payload).toBe('object');
    }
  });
});
