// Deactivation and lost roles reach open WebSockets (graphql-ws client against a real server): a deactivated user's
// socket is closed within a second (4403 USER_DEACTIVATED) and their token opens no new one; an admin demoted to
// MEMBER loses their socket (4403 ROLE_CHANGED); a promotion or someone else's deactivation closes nothing.
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
  TEST_AUTH_SECRET,
  type TestSeatledger,
  tokenFor,
} from '../support/seatledger';

jest.setTimeout(20_000);

const LICENSE_EVENTS = 'subscription { licenseEvents { type user { id } } }';
const DEACTIVATE = 'mutation ($userId: ID!) { deactivateUser(input: { userId: $userId }) { user { id } } }';
const CHANGE_ROLE = `mutation ($userId: ID!, $role: Role!) {
  changeUserRole(input: { userId: $userId, role: $role }) { user { role } }
}`;
const CREATE_USER = 'mutation ($input: CreateUserInput!) { createUser(input: $input) { user { id } } }';

interface Closed {
  readonly code: number;
  readonly reason: string;
  /** When the close arrived (Date.now()). */
  readonly at: number;
}

interface Socket {
  readonly closed: Promise<Closed>;
  /** Event types received, in order. */
  readonly types: string[];
  /** Resolves once `count` events have arrived. */
  received(count: number): Promise<void>;
  isClosed(): boolean;
}

describe('deactivation and role changes reach open WebSockets', () => {
  let server: TestSeatledger;
  let gql: Gql;
  let owner: SignedUpAccount;
  const clients: Client[] = [];

  beforeAll(async () => {
    server = await startTestSeatledger({ env: { AUTH_SECRET: TEST_AUTH_SECRET } });
    gql = server.gql;
    owner = await signUpAccount(gql, 'Sockets');
    await purchase(gql, owner.token, 5);
  });
  afterAll(async () => {
    for (const client of clients) await client.dispose();
    await server?.close();
  });

  /** Connects with the token and subscribes to licenseEvents (from now); resolves once the socket is open. */
  async function open(token: string): Promise<Socket> {
    let onOpen = () => {};
    const opened = new Promise<void>((resolve) => {
      onOpen = resolve;
    });
    const client = createClient({
      url: server.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => undefined,
      on: { connected: () => onOpen() },
    });
    clients.push(client);
    let isClosed = false;
    const closed = new Promise<Closed>((resolve) => {
      client.on('closed', (event) => {
        isClosed = true;
        const { code, reason } = event as { code: number; reason: string };
        resolve({ code, reason, at: Date.now() });
      });
    });
    const types: string[] = [];
    let notify = () => {};
    client.subscribe<{ licenseEvents: { type: string } }>(
      { query: LICENSE_EVENTS },
      {
        next: (result) => {
          if (result.data) types.push(result.data.licenseEvents.type);
          notify();
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
    await Promise.race([opened, closed.then((c) => Promise.reject(new Error(`closed at connect: ${c.reason}`)))]);
    // The subscription is registered once the server has handled the subscribe message: an event proves it.
    return {
      closed,
      types,
      isClosed: () => isClosed,
      received: (count) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`got ${types.length} events, not ${count}`)), 5000);
          notify = () => {
            if (types.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          };
          notify();
        }),
    };
  }

  /** A fresh user of the owner's account, with a token of their own. */
  async function user(role: 'ADMIN' | 'MEMBER'): Promise<{ id: string; token: string }> {
    const { id } = await createUser(gql, owner.token, { role });
    return { id, token: await tokenFor(id) };
  }

  /** Makes an event in the account's feed, so a socket can show it is live. */
  const touch = async () => {
    ok(
      await gql(
        CREATE_USER,
        { input: { email: `t.${Date.now()}.${Math.random()}@example.test`, name: 'T' } },
        owner.token,
      ),
    );
  };

  it('given a deactivated user, then their socket closes within a second, the owner’s stays, and their token opens no new one', async () => {
    const member = await user('MEMBER');
    const theirs = await open(member.token);
    const owners = await open(owner.token);
    await touch();
    await Promise.all([theirs.received(1), owners.received(1)]);

    const sent = Date.now();
    ok(await gql(DEACTIVATE, { userId: member.id }, owner.token));

    const closed = await theirs.closed;
    expect(closed).toMatchObject({ code: 4403, reason: 'USER_DEACTIVATED' });
    expect(closed.at - sent).toBeLessThan(1000);
    // What happens in the account from now on never reaches them.
    const seen = theirs.types.length;
    await touch();
    await owners.received(3);
    expect(theirs.types).toHaveLength(seen);
    expect(owners.isClosed()).toBe(false);

    await expect(open(member.token)).rejects.toThrow('closed at connect: Forbidden');
  });

  it('given an admin demoted to MEMBER, then their socket closes within a second with ROLE_CHANGED', async () => {
    const admin = await user('ADMIN');
    const socket = await open(admin.token);
    await touch();
    await socket.received(1);

    const sent = Date.now();
    ok(await gql(CHANGE_ROLE, { userId: admin.id, role: 'MEMBER' }, owner.token));

    const closed = await socket.closed;
    expect(closed).toMatchObject({ code: 4403, reason: 'ROLE_CHANGED' });
    expect(closed.at - sent).toBeLessThan(1000);
    // As a MEMBER now, they connect again and subscribe with what a member may see.
    const again = await open(admin.token);
    await touch();
    await again.received(1);
  });

  it('given a member promoted to ADMIN, then their socket stays open and live', async () => {
    const member = await user('MEMBER');
    const socket = await open(member.token);
    await touch();
    await socket.received(1);

    ok(await gql(CHANGE_ROLE, { userId: member.id, role: 'ADMIN' }, owner.token));
    await touch();

    // The promotion and what follows it arrive on the same socket.
    await socket.received(3);
    expect(socket.types).toEqual(['UserCreated', 'UserRoleChanged', 'UserCreated']);
    expect(socket.isClosed()).toBe(false);
  });
});
