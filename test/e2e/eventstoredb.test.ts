// The seed's flow over real HTTP GraphQL with the log on EventStoreDB: sign up, buy, assign, revoke, and the seat
// invariant under 50 concurrent assignLicense. Runs against a real server when EVENTSTORE_CONNECTION_STRING is set,
// otherwise against the in-repo TEST STAND-IN (not EventStoreDB).

import { EventStoreDBClient } from '@eventstore/db-client';
import { type EventStoreDbForTests, eventStoreDbForTests, eventStoreDbTarget } from '../support/eventstoredb-target';
import {
  ASSIGN,
  createUser,
  login,
  ok,
  purchase,
  REVOKE,
  signUpAccount,
  startTestSeatledger,
  type TestSeatledger,
} from '../support/seatledger';

describe(`seatledger over HTTP on ${eventStoreDbTarget}`, () => {
  let eventStoreDb: EventStoreDbForTests | undefined;
  let server: TestSeatledger;
  let connectionString: string;

  beforeAll(async () => {
    eventStoreDb = await eventStoreDbForTests();
    connectionString = eventStoreDb.connectionString;
    server = await startTestSeatledger({ env: { EVENTSTORE_CONNECTION_STRING: connectionString } });
  });

  afterAll(async () => {
    await server?.close();
    await eventStoreDb?.stop();
  });

  it('signs up, buys, assigns and revokes, each answer reading its own write', async () => {
    const { gql } = server;
    const owner = await signUpAccount(gql, 'Esdb Flow');
    // The log's head is now a credentials- event, which the projections skip: login still answers at once.
    expect(await login(gql, owner.email, owner.password)).toEqual(expect.any(String));
    // The password hash's stream keeps only its latest event, as the server enforces it.
    const client = EventStoreDBClient.connectionString(connectionString);
    const { metadata } = await client.getStreamMetadata(`credentials-${owner.ownerId}`);
    await client.dispose();
    expect(metadata?.maxCount).toBe(1);
    await purchase(gql, owner.token, 2);
    const member = await createUser(gql, owner.token);
    const assigned = ok(await gql(ASSIGN, { userId: member.id, product: 'VIDEO_MEETING' }, owner.token));
    expect(assigned.assignLicense.seats).toEqual({ product: 'VIDEO_MEETING', purchased: 2, assigned: 1, available: 1 });
    const revoked = ok(await gql(REVOKE, { userId: member.id, product: 'VIDEO_MEETING' }, owner.token));
    expect(revoked.revokeLicense.seats).toEqual({ purchased: 2, assigned: 0, available: 2 });
  });

  it('50 concurrent assignLicense on 20 seats: exactly 20 succeed, the rest NO_SEATS_AVAILABLE', async () => {
    const { gql } = server;
    const owner = await signUpAccount(gql, 'Esdb Rush');
    await purchase(gql, owner.token, 20);
    const users: string[] = [];
    for (let batch = 0; batch < 5; batch++) {
      const created = await Promise.all(Array.from({ length: 10 }, () => createUser(gql, owner.token)));
      users.push(...created.map((user) => user.id));
    }

    const results = await Promise.all(
      users.map((userId) => gql(ASSIGN, { userId, product: 'VIDEO_MEETING' }, owner.token)),
    );

    expect(results.filter((result) => result.codes.length === 0)).toHaveLength(20);
    expect(results.filter((result) => result.codes.join() === 'NO_SEATS_AVAILABLE')).toHaveLength(30);
    const seats = ok(
      await gql(
        '{ seatAvailability(product: VIDEO_MEETING) { purchased assigned available } subscriptions { assignees { totalCount } } }',
        undefined,
        owner.token,
      ),
    );
    expect(seats.seatAvailability).toEqual({ purchased: 20, assigned: 20, available: 0 });
    expect(seats.subscriptions).toEqual([{ assignees: { totalCount: 20 } }]);
  });
});
