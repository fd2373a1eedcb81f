// seatledger over HTTP while its EventStoreDB goes away and comes back (the in-repo TEST STAND-IN, not EventStoreDB,
// restarted on the same port with the same data): reads keep being answered from the read models, a write during
// the outage fails within a bounded time instead of hanging, and writes work again once the store is back.

import { DEFAULT_DEADLINE_MS } from '../../src/eventstore/eventstoredb';
import { type EventStoreDbStandIn, startEventStoreDbStandIn } from '../support/eventstoredb-standin';
import {
  ASSIGN,
  activationTokenFromOutbox,
  createUser,
  ok,
  purchase,
  signUpAccount,
  startTestSeatledger,
  type TestSeatledger,
} from '../support/seatledger';

const SEATS = '{ seatAvailability(product: VIDEO_MEETING) { purchased assigned available } }';

// Restarting a real server is not something a test may do: this runs on the stand-in only.
(process.env.EVENTSTORE_CONNECTION_STRING ? describe.skip : describe)(
  'seatledger while the EventStoreDB stand-in restarts',
  () => {
    let standIn: EventStoreDbStandIn;
    let server: TestSeatledger;

    beforeAll(async () => {
      standIn = await startEventStoreDbStandIn();
      server = await startTestSeatledger({ env: { EVENTSTORE_CONNECTION_STRING: standIn.connectionString } });
    });

    afterAll(async () => {
      await server?.close();
      await standIn?.stop();
    });

    it('serves reads during the outage, refuses a write within a bounded time, and writes again after', async () => {
      const { gql } = server;
      const owner = await signUpAccount(gql, 'Outage');
      await purchase(gql, owner.token, 3);
      const member = await createUser(gql, owner.token);

      await standIn.stop();

      const during = await gql(SEATS, undefined, owner.token);
      expect(during.errors).toBeUndefined();
      expect(during.data.seatAvailability).toEqual({ purchased: 3, assigned: 0, available: 3 });

      const started = Date.now();
      const refused = await gql(ASSIGN, { userId: member.id, product: 'VIDEO_MEETING' }, owner.token);
      // Well inside the adapter's deadline (5 s): a refused connection fails at once; a silent node at the deadline.
      expect(Date.now() - started).toBeLessThan(DEFAULT_DEADLINE_MS + 1000);
      expect(refused.codes).toEqual(['SERVICE_UNAVAILABLE']);
      expect(refused.errors?.[0]?.message).toMatch(/nothing was changed. Try again later/);
      expect(standIn.log.events.some((event) => event.type === 'LicenseAssigned')).toBe(false);

      standIn = await startEventStoreDbStandIn({ port: standIn.port, log: standIn.log });

      const assigned = ok(await gql(ASSIGN, { userId: member.id, product: 'VIDEO_MEETING' }, owner.token));
      expect(assigned.assignLicense.seats).toEqual({
        product: 'VIDEO_MEETING',
        purchased: 3,
        assigned: 1,
        available: 2,
      });
      // The projections resubscribed (the mutation read its own write) and so did the notifier's consumer group.
      expect(await activationTokenFromOutbox(server.dataDir, member.email, 10_000)).toEqual(expect.any(String));
    });
  },
);
