// seatledger over HTTP while its EventStoreDB goes away and comes back with the same data: reads keep being answered
// from the read models, a write during the outage fails within a bounded time instead of hanging, and writes (and
// the notifier's group) work again once the store is back. By default the store is the in-repo TEST STAND-IN (not
// EventStoreDB), restarted on the same port with the same log. Against a real server (EVENTSTORE_CONNECTION_STRING)
// this runs only when EVENTSTORE_RESTART_SCRIPT names an executable the test may call as `<script> stop` and
// `<script> start` (start returns once the node is healthy again, its data kept): a test never restarts a server it
// was not told how to restart.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BACKWARDS, END, EventStoreDBClient } from '@eventstore/db-client';
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
const realServer = process.env.EVENTSTORE_CONNECTION_STRING;
const restartScript = process.env.EVENTSTORE_RESTART_SCRIPT;
// A real node takes seconds to start and its groups rejoin with backoff; the stand-in is back at once.
const BACK_WITHIN_MS = realServer ? 60_000 : 10_000;

/** The store under test, as this spec needs it: stop it, start it again with its data, and look into its log. */
interface RestartableStore {
  readonly connectionString: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** True when the log holds an event of `type` whose data mentions `text`. */
  holds(type: string, text: string): Promise<boolean>;
  close(): Promise<void>;
}

async function standInStore(): Promise<RestartableStore> {
  let standIn: EventStoreDbStandIn = await startEventStoreDbStandIn();
  let running = true;
  return {
    connectionString: standIn.connectionString,
    stop: async () => {
      running = false;
      await standIn.stop();
    },
    start: async () => {
      standIn = await startEventStoreDbStandIn({ port: standIn.port, log: standIn.log });
      running = true;
    },
    holds: async (type, text) =>
      standIn.log.events.some(
        (event) => event.type === type && Buffer.from(event.data).toString('utf8').includes(text),
      ),
    close: async () => {
      if (running) await standIn.stop();
    },
  };
}

function realStore(connectionString: string, script: string): RestartableStore {
  // The server reads every EVENTSTORE_* variable of its environment as an option and refuses to start on one it does
  // not know (this spec's own two): the script gets the environment without them.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('EVENTSTORE_')));
  const exec = promisify(execFile);
  const run = (script: string, args: string[], options: { timeout: number }) => exec(script, args, { ...options, env });
  return {
    connectionString,
    stop: async () => void (await run(script, ['stop'], { timeout: 60_000 })),
    start: async () => void (await run(script, ['start'], { timeout: 90_000 })),
    holds: async (type, text) => {
      // The newest events are enough: the write under test is among the last this spec made.
      const client = EventStoreDBClient.connectionString(connectionString);
      try {
        for await (const resolved of client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1000 })) {
          const event = resolved.event;
          if (event?.type === type && JSON.stringify(event.data).includes(text)) return true;
        }
        return false;
      } finally {
        await client.dispose();
      }
    },
    close: () => Promise.resolve(),
  };
}

const runs = !realServer || restartScript;
(runs ? describe : describe.skip)(
  `seatledger while its EventStoreDB restarts (${realServer ? 'a real server, restarted by EVENTSTORE_RESTART_SCRIPT' : 'the test stand-in'})`,
  () => {
    let store: RestartableStore;
    let server: TestSeatledger;

    beforeAll(async () => {
      store = realServer && restartScript ? realStore(realServer, restartScript) : await standInStore();
      server = await startTestSeatledger({ env: { EVENTSTORE_CONNECTION_STRING: store.connectionString } });
    }, BACK_WITHIN_MS);

    afterAll(async () => {
      await server?.close();
      await store?.close();
    });

    it(
      'serves reads during the outage, refuses a write within a bounded time, and writes again after',
      async () => {
        const { gql } = server;
        const owner = await signUpAccount(gql, 'Outage');
        await purchase(gql, owner.token, 3);
        const member = await createUser(gql, owner.token);

        await store.stop();

        const during = await gql(SEATS, undefined, owner.token);
        expect(during.errors).toBeUndefined();
        expect(during.data.seatAvailability).toEqual({ purchased: 3, assigned: 0, available: 3 });

        const started = Date.now();
        const refused = await gql(ASSIGN, { userId: member.id, product: 'VIDEO_MEETING' }, owner.token);
        // Well inside the adapter's deadline (5 s): a refused connection fails at once; a silent node at the deadline.
        expect(Date.now() - started).toBeLessThan(DEFAULT_DEADLINE_MS + 1000);
        expect(refused.codes).toEqual(['SERVICE_UNAVAILABLE']);
        expect(refused.errors?.[0]?.message).toMatch(/nothing was changed. Try again later/);

        await store.start();
        expect(await store.holds('LicenseAssigned', member.id)).toBe(false);

        const assigned = ok(await gql(ASSIGN, { userId: member.id, product: 'VIDEO_MEETING' }, owner.token));
        expect(assigned.assignLicense.seats).toEqual({
          product: 'VIDEO_MEETING',
          purchased: 3,
          assigned: 1,
          available: 2,
        });
        expect(await store.holds('LicenseAssigned', member.id)).toBe(true);
        // The projections resubscribed (the mutation read its own write) and so did the notifier's consumer group.
        expect(await activationTokenFromOutbox(server.dataDir, member.email, BACK_WITHIN_MS)).toEqual(
          expect.any(String),
        );
      },
      BACK_WITHIN_MS * 3,
    );
  },
);
