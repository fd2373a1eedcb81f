// A hot subscription stream, as a property: any interleaving of concurrent assign, revoke and purchase on one stream
// (decided in batches, one append per batch) gives the outcomes of some serial order of the same commands, and
// assigned ≤ purchased at every position of the stream. The witness order is the log's own: the events of the
// commands that succeeded, replayed through the pure decider one by one, must be exactly what was appended, and
// every refused command must be refused with its code on one of the states along the way.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Application, RequestContext } from '../../src/application/application';
import { createApplication } from '../../src/application/create-application';
import { subscriptionStream } from '../../src/domain/streams';
import type { SubscriptionCommand } from '../../src/domain/subscription';
import { type SubscriptionEvent, type SubscriptionState, subscriptionDecider } from '../../src/domain/subscription';
import type { UserState } from '../../src/domain/user';
import { openEventStore } from '../../src/eventstore/open';
import type { EventStore, RecordedEvent } from '../../src/eventstore/port';
import { makeTempDir } from '../support/temp-dir';

jest.setTimeout(120_000);

const RUNS = Number(process.env.FC_RUNS ?? (process.env.CI ? 15 : 30));
const USERS = 4;
const PRODUCT = 'VIDEO_MEETING' as const;
const PLAN = 'video-pro';

type Op =
  | { readonly kind: 'assign' | 'revoke'; readonly user: number }
  | { readonly kind: 'purchase'; readonly quantity: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constantFrom('assign' as const, 'revoke' as const),
      user: fc.nat({ max: USERS - 1 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('purchase' as const), quantity: fc.integer({ min: 1, max: 2 }) }),
  },
);
/** Each command with the pause (ms; 0: sent in the same turn) before it is sent. */
const ops = fc.array(fc.tuple(op, fc.nat({ max: 2 })), { minLength: 2, maxLength: 24 });

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string') throw error;
    return code;
  }
}

function refusalOf(decide: () => unknown): string {
  try {
    decide();
    return 'OK';
  } catch (error) {
    return String((error as { code?: unknown }).code);
  }
}

describe('a hot subscription stream under random interleavings', () => {
  const temp = makeTempDir('seatledger-hot-');
  let store: EventStore;
  let app: Application;

  beforeAll(async () => {
    store = await openEventStore({ dataDir: temp.dir });
    app = createApplication({ store });
  });
  afterAll(async () => {
    await store.close();
    temp.cleanup();
  });

  it('gives the outcomes of some serial order, and never more assigned than purchased', async () => {
    await fc.assert(
      fc.asyncProperty(ops, async (steps) => {
        const run = randomUUID().slice(0, 8);
        const opened = await app.openAccount(
          { correlationId: `setup-${run}` },
          { accountName: 'Hot', ownerName: 'Olive Owner', ownerEmail: `owner-${run}@example.com` },
        );
        const actor = { userId: opened.ownerUserId, accountId: opened.accountId, role: 'OWNER' as const };
        const setup: RequestContext = { actor, correlationId: `setup-${run}` };
        const users: string[] = [];
        for (let i = 0; i < USERS; i++) {
          users.push(
            (await app.createUser(setup, { email: `u${i}-${run}@example.com`, name: `U ${i}`, role: 'MEMBER' })).userId,
          );
        }
        await app.purchaseLicenses(setup, { product: PRODUCT, planId: PLAN, quantity: 1 });
        const stream = subscriptionStream(opened.accountId, PRODUCT);
        const before = await read(store, stream);

        // All at once, each after its own small pause: they queue on the stream and are decided in batches.
        const sent = steps.map(async ([step, pause], i) => {
          if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
          const ctx: RequestContext = { actor, correlationId: `op-${i}` };
          if (step.kind === 'purchase') {
            return codeOf(app.purchaseLicenses(ctx, { product: PRODUCT, planId: PLAN, quantity: step.quantity }));
          }
          const input = { userId: users[step.user] as string, product: PRODUCT };
          return codeOf(step.kind === 'assign' ? app.assignLicense(ctx, input) : app.revokeLicense(ctx, input));
        });
        const outcomes = await Promise.all(sent);

        const written = (await read(store, stream)).slice(before.length);
        // Each command that succeeded appended exactly one event; a refused one none.
        const byOp = written.map((event) => Number(String(event.metadata.correlationId).slice('op-'.length)));
        expect([...byOp].sort((a, b) => a - b)).toEqual(
          outcomes.flatMap((outcome, i) => (outcome === 'OK' ? [i] : [])),
        );

        // The serial witness: the succeeded commands in log order, through the pure decider.
        const userStates = new Map<string, UserState>();
        for (const userId of users) userStates.set(userId, await app.loadUser(userId));
        const commandOf = (i: number): SubscriptionCommand => {
          const [step] = steps[i] as [Op, number];
          const metadata = { actor, now: new Date() };
          const accountId = opened.accountId;
          if (step.kind === 'purchase') {
            return {
              type: 'PurchaseLicenses',
              data: { accountId, product: PRODUCT, planId: PLAN, quantity: step.quantity },
              metadata,
            };
          }
          const userId = users[step.user] as string;
          const user = userStates.get(userId) as UserState;
          return step.kind === 'assign'
            ? { type: 'AssignLicense', data: { accountId, product: PRODUCT, userId, user }, metadata }
            : { type: 'RevokeLicense', data: { accountId, product: PRODUCT, userId, reason: null, user }, metadata };
        };
        let state = fold(subscriptionDecider.initialState(), before);
        const states = [state];
        written.forEach((event, k) => {
          const decided = subscriptionDecider.decide(commandOf(byOp[k] as number), state);
          expect(decided).toEqual([{ type: event.type, data: event.data }]);
          state = fold(state, [event]);
          states.push(state);
        });
        outcomes.forEach((outcome, i) => {
          if (outcome === 'OK') return;
          const refusedSomewhere = states.some(
            (s) => refusalOf(() => subscriptionDecider.decide(commandOf(i), s)) === outcome,
          );
          expect({ op: steps[i]?.[0], outcome, refusedSomewhere }).toEqual({
            op: steps[i]?.[0],
            outcome,
            refusedSomewhere: true,
          });
        });

        // The seat rule at every position of the stream.
        let running = subscriptionDecider.initialState();
        for (const event of [...before, ...written]) {
          running = fold(running, [event]);
          if (running.status === 'active') expect(running.holders.size).toBeLessThanOrEqual(running.purchased);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

async function read(store: EventStore, stream: string): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const event of store.readStream(stream)) events.push(event);
  return events;
}

function fold(state: SubscriptionState, events: readonly RecordedEvent[]): SubscriptionState {
  return events.reduce(
    (s, e) => subscriptionDecider.evolve(s, { type: e.type, data: e.data } as SubscriptionEvent),
    state,
  );
}
