// Apollo Client 4 in Node against a real server, as an SPA keeps its seat widget: one InMemoryCache fed by HttpLink
// (queries, mutations) and GraphQLWsLink over graphql-ws (subscriptions). The live seat counts are one normalized
// entity, so a mutation's payload and a seatAvailabilityChanged push update `seatAvailability` and
// `subscriptions { seats }` with no refetch, while counts as of a past time sit beside them and never overwrite them.
import { ApolloClient, ApolloLink, gql, HttpLink, InMemoryCache, type TypedDocumentNode } from '@apollo/client/core';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { isSubscriptionOperation } from '@apollo/client/utilities';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import {
  ASSIGN,
  createUser,
  ok,
  purchase,
  type SignedUpAccount,
  signUpAccount,
  startTestSeatledger,
  type TestSeatledger,
} from '../support/seatledger';

jest.setTimeout(30_000);

interface Seats {
  readonly id: string;
  readonly purchased: number;
  readonly assigned: number;
  readonly reserved: number;
  readonly available: number;
}

interface SeatWidget {
  readonly seatAvailability: Seats;
  readonly subscriptions: readonly { readonly id: string; readonly seats: Seats }[];
}

const SEAT_FIELDS = 'id purchased assigned reserved available';

const SEAT_WIDGET: TypedDocumentNode<SeatWidget> = gql`
  query SeatWidget {
    seatAvailability(product: VIDEO_MEETING) { ${SEAT_FIELDS} }
    subscriptions { id seats { ${SEAT_FIELDS} } }
  }
`;

const SEATS_AS_OF: TypedDocumentNode<{ seatAvailability: Seats }, { asOf: string }> = gql`
  query SeatsAsOf($asOf: DateTime!) {
    seatAvailability(product: VIDEO_MEETING, asOf: $asOf) { ${SEAT_FIELDS} }
  }
`;

const ASSIGN_LICENSE = gql`
  mutation AssignLicense($userId: ID!) {
    assignLicense(input: { userId: $userId, product: VIDEO_MEETING }) { license { id } seats { ${SEAT_FIELDS} } }
  }
`;

const REVOKE_LICENSE = gql`
  mutation RevokeLicense($userId: ID!) {
    revokeLicense(input: { userId: $userId, product: VIDEO_MEETING }) { user { id } seats { ${SEAT_FIELDS} } }
  }
`;

const SEATS_CHANGED: TypedDocumentNode<{ seatAvailabilityChanged: Seats }> = gql`
  subscription SeatsChanged {
    seatAvailabilityChanged(product: VIDEO_MEETING) { ${SEAT_FIELDS} }
  }
`;

/** Resolves once `check` holds, looking again every few milliseconds. */
async function eventually(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('Apollo Client 4 keeps seat counts right in its normalized cache', () => {
  let server: TestSeatledger;
  let owner: SignedUpAccount;
  let ann: { id: string };
  let bob: { id: string };
  let client: ApolloClient;
  let disposeWs: () => Promise<void> | void;
  /** Every operation that went over HTTP, by name: a refetch would show here. */
  const httpOperations: string[] = [];

  /** What the seat widget shows, read from the cache alone. */
  const widget = () => {
    const data = client.readQuery({ query: SEAT_WIDGET });
    if (!data) throw new Error('the seat widget is not in the cache');
    return {
      live: data.seatAvailability.assigned,
      subscription: data.subscriptions[0]?.seats.assigned,
    };
  };

  beforeAll(async () => {
    server = await startTestSeatledger();
    owner = await signUpAccount(server.gql, 'Acme');
    await purchase(server.gql, owner.token, 3);
    ann = await createUser(server.gql, owner.token);
    bob = await createUser(server.gql, owner.token);

    const http = new HttpLink({
      uri: server.url,
      headers: { authorization: `Bearer ${owner.token}` },
      fetch: async (input, init) => {
        const body = JSON.parse(String(init?.body ?? '{}')) as { operationName?: string };
        httpOperations.push(body.operationName ?? '?');
        return fetch(input, init);
      },
    });
    const wsClient = createClient({
      url: server.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${owner.token}` },
      retryAttempts: 0,
    });
    disposeWs = () => wsClient.dispose();
    client = new ApolloClient({
      link: ApolloLink.split(({ query }) => isSubscriptionOperation(query), new GraphQLWsLink(wsClient), http),
      cache: new InMemoryCache(),
    });
  });

  afterAll(async () => {
    client?.stop();
    await disposeWs?.();
    await server?.close();
  });

  it('reads the new counts after assignLicense and revokeLicense without a refetch, beside an asOf query', async () => {
    // given the seat widget loaded, and a time before any licence was assigned
    const loaded = await client.query({ query: SEAT_WIDGET, fetchPolicy: 'network-only' });
    expect(loaded.data?.seatAvailability).toMatchObject({ purchased: 3, assigned: 0, reserved: 0, available: 3 });
    const beforeAssigning = new Date().toISOString();
    const watched: number[] = [];
    const watch = client.watchQuery({ query: SEAT_WIDGET, fetchPolicy: 'cache-only' }).subscribe(({ data }) => {
      const assigned = data?.seatAvailability?.assigned;
      if (assigned !== undefined) watched.push(assigned);
    });
    httpOperations.length = 0;

    // when a licence is assigned
    await client.mutate({ mutation: ASSIGN_LICENSE, variables: { userId: ann.id } });

    // then the widget's query and the subscription's seats read 1 from the cache, and only the mutation went out
    expect(widget()).toEqual({ live: 1, subscription: 1 });
    expect(httpOperations).toEqual(['AssignLicense']);

    // when the same counts are read as of before the assignment
    const past = await client.query({ query: SEATS_AS_OF, variables: { asOf: beforeAssigning } });

    // then they answer 0 under their own id, and the live entry still reads 1
    expect(past.data?.seatAvailability).toMatchObject({ assigned: 0, purchased: 3 });
    expect(past.data?.seatAvailability.id).not.toBe(loaded.data?.seatAvailability.id);
    expect(widget()).toEqual({ live: 1, subscription: 1 });

    // when the licence is revoked
    await client.mutate({ mutation: REVOKE_LICENSE, variables: { userId: ann.id } });

    // then the cache reads 0 again, still with no refetch, and a watching component saw each change
    expect(widget()).toEqual({ live: 0, subscription: 0 });
    expect(httpOperations).toEqual(['AssignLicense', 'SeatsAsOf', 'RevokeLicense']);
    await eventually('the watcher to see 0, 1, 0', () => watched.join() === '0,1,0');
    expect(
      client.readQuery({ query: SEATS_AS_OF, variables: { asOf: beforeAssigning } })?.seatAvailability,
    ).toMatchObject({ assigned: 0 });
    watch.unsubscribe();
  });

  it('updates the cached counts from a seatAvailabilityChanged push', async () => {
    // given the widget cached and a live subscription through GraphQLWsLink
    await client.query({ query: SEAT_WIDGET, fetchPolicy: 'network-only' });
    const pushes: Seats[] = [];
    const subscription = client
      .subscribe({ query: SEATS_CHANGED })
      .subscribe(({ data }) => data && pushes.push(data.seatAvailabilityChanged));
    await new Promise((resolve) => setTimeout(resolve, 200));
    httpOperations.length = 0;

    // when someone else (another tab, another admin) assigns a licence, outside this client
    ok(await server.gql(ASSIGN, { userId: bob.id, product: 'VIDEO_MEETING' }, owner.token));

    // then the push lands in the cache: the widget's counts read 1 with nothing fetched over HTTP
    await eventually('a push with 1 assigned', () => pushes.some((p) => p.assigned === 1));
    await eventually('the cache to read 1 assigned', () => widget().live === 1);
    expect(widget()).toEqual({ live: 1, subscription: 1 });
    expect(httpOperations).toEqual([]);
    subscription.unsubscribe();
  });
});
