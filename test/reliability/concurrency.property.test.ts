// Concurrency, as a property: random interleavings of purchase, assign, revoke, release, upgrade and deactivate from
// several concurrent callers, through two Application instances (as two processes would be) on two connections to
// one real SQLite log. Afterwards each stream folded from the log and every read model (the projection runner run to
// the head) agree, and assigned ≤ purchased held at every position of the log, folded event by event.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import fc from 'fast-check';
import { allProjections } from '../../projections';
import * as seatQueries from '../../projections/seat-availability/queries';
import * as subscriptionQueries from '../../projections/subscriptions/queries';
import * as userQueries from '../../projections/users/queries';
import type { Application } from '../../src/application/application';
import { createApplication } from '../../src/application/create-application';
import { Conflict } from '../../src/application/errors';
import type { Actor } from '../../src/domain/decider';
import { DomainError } from '../../src/domain/errors';
import { PRODUCTS, type Product, plansOf } from '../../src/domain/plans';
import { subscriptionStream, userStream } from '../../src/domain/streams';
import { type SubscriptionEvent, type SubscriptionState, subscriptionDecider } from '../../src/domain/subscription';
import { type UserEvent, type UserState, userDecider } from '../../src/domain/user';
import { openEventStore } from '../../src/eventstore/open';
import type { EventStore, RecordedEvent } from '../../src/eventstore/port';
import { type FollowedReadModels, followReadModels } from '../support/followed-read-models';
import { makeTempDir } from '../support/temp-dir';

jest.setTimeout(120_000);

const RUNS = Number(process.env.FC_RUNS ?? (process.env.CI ? 12 : 30));
const USERS = 5;
const CALLERS = 4;

type Op =
  | { readonly kind: 'purchase'; readonly product: Product; readonly plan: number; readonly quantity: number }
  | { readonly kind: 'assign' | 'revoke'; readonly product: Product; readonly user: number }
  | { readonly kind: 'release'; readonly product: Product; readonly quantity: number }
  | { readonly kind: 'upgrade'; readonly product: Product; readonly plan: number }
  | { readonly kind: 'deactivate'; readonly user: number };

const product = fc.constantFrom(...PRODUCTS);
const user = fc.nat({ max: USERS - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('purchase' as const),
      product,
      plan: fc.nat({ max: 2 }),
      quantity: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 5, arbitrary: fc.record({ kind: fc.constantFrom('assign' as const, 'revoke' as const), product, user }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('release' as const), product, quantity: fc.integer({ min: 1, max: 2 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('upgrade' as const), product, plan: fc.nat({ max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deactivate' as const), user }) },
);
/** Per caller: which application instance it goes through, and its commands, each after a small random pause. */
const caller = fc.record({
  app: fc.nat({ max: 1 }),
  steps: fc.array(fc.tuple(op, fc.nat({ max: 3 })), { minLength: 1, maxLength: 10 }),
});

describe('random interleavings of concurrent callers on one log', () => {
  const temp = makeTempDir('seatledger-property-');
  let stores: EventStore[];
  let apps: Application[];
  let runner: FollowedReadModels;

  beforeAll(async () => {
    // Two connections to one file: each with its own group commit and its own cache of stream states.
    stores = [await openEventStore({ dataDir: temp.dir }), await openEventStore({ dataDir: temp.dir })];
    apps = stores.map((store) => createApplication({ store, maxAttempts: 20 }));
    runner = followReadModels({
      store: stores[0] as EventStore,
      file: path.join(temp.dir, 'readmodels.db'),
      projections: allProjections,
    });
    await runner.start();
  });
  afterAll(async () => {
    await runner?.stop();
    for (const store of stores ?? []) await store.close();
    temp.cleanup();
  });

  async function run(op: Op, app: Application, actor: Actor, users: readonly string[]): Promise<string> {
    const ctx = { actor, correlationId: randomUUID() };
    const plan = (p: Product, index: number) => (plansOf(p)[index] as { id: string }).id;
    try {
      switch (op.kind) {
        case 'purchase':
          await app.purchaseLicenses(ctx, {
            product: op.product,
            planId: plan(op.product, op.plan),
            quantity: op.quantity,
          });
          break;
        case 'assign':
          await app.assignLicense(ctx, { userId: users[op.user] as string, product: op.product });
          break;
        case 'revoke':
          await app.revokeLicense(ctx, { userId: users[op.user] as string, product: op.product });
          break;
        case 'release':
          await app.releaseLicenses(ctx, { product: op.product, quantity: op.quantity });
          break;
        case 'upgrade':
          await app.upgradePlan(ctx, { product: op.product, planId: plan(op.product, op.plan) });
          break;
        case 'deactivate':
          await app.deactivateUser(ctx, { userId: users[op.user] as string });
          break;
      }
      return 'OK';
    } catch (error) {
      // Refusals of the domain and CONFLICT (after retries) are answers; anything else breaks the property.
      if (error instanceof DomainError || error instanceof Conflict) return (error as { code: string }).code;
      throw error;
    }
  }

  const readStream = async (store: EventStore, stream: string): Promise<RecordedEvent[]> => {
    const events: RecordedEvent[] = [];
    for await (const event of store.readStream(stream)) events.push(event);
    return events;
  };

  it('streams, read models and the seat invariant agree', async () => {
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(caller, { minLength: 2, maxLength: CALLERS }), async (callers) => {
        // A fresh account per run, opened through the first application.
        const first = apps[0] as Application;
        const opened = await first.openAccount(
          { correlationId: randomUUID() },
          { accountName: 'Prop Co', ownerName: 'Prop Owner', ownerEmail: `prop.${randomUUID()}@example.test` },
        );
        const actor: Actor = { userId: opened.ownerUserId, accountId: opened.accountId, role: 'OWNER' };
        const users: string[] = [];
        for (let i = 0; i < USERS; i++) {
          const created = await first.createUser(
            { actor, correlationId: randomUUID() },
            { email: `u${i}.${randomUUID()}@example.test`, name: `User ${i}`, role: 'MEMBER' },
          );
          users.push(created.userId);
        }

        await Promise.all(
          callers.map(async ({ app, steps }) => {
            for (const [step, pause] of steps) {
              // 0: straight on; 1: after pending I/O callbacks; 2-3: after a short timer. Interleavings vary.
              if (pause === 1) await new Promise((resolve) => setImmediate(resolve));
              else if (pause > 1) await new Promise((resolve) => setTimeout(resolve, pause - 1));
              const outcome = await run(step, apps[app] as Application, actor, users);
              outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
            }
          }),
        );

        // Folded from the log through a connection neither application wrote with, event by event.
        const audit = stores[1] as EventStore;
        const head = await audit.headPosition();
        const folded = new Map<Product, Extract<SubscriptionState, { status: 'active' }> | null>();
        const violations: string[] = [];
        for (const p of PRODUCTS) {
          let state: SubscriptionState = subscriptionDecider.initialState();
          for (const event of await readStream(audit, subscriptionStream(opened.accountId, p))) {
            state = subscriptionDecider.evolve(state, event as unknown as SubscriptionEvent);
            if (state.status === 'active' && state.holders.size > state.purchased) {
              violations.push(`${event.position} ${event.type}: ${state.holders.size} assigned of ${state.purchased}`);
            }
          }
          folded.set(p, state.status === 'active' ? state : null);
        }
        expect(violations).toEqual([]);
        const userStates = new Map<string, UserState>();
        for (const id of users) {
          let state: UserState = userDecider.initialState();
          for (const event of await readStream(audit, userStream(id))) {
            state = userDecider.evolve(state, event as unknown as UserEvent);
          }
          userStates.set(id, state);
        }

        // Every read model, once the runner has reached the head.
        if (head) await runner.waitForPosition(head, 20_000);
        const db = runner.db;
        for (const p of PRODUCTS) {
          const state = folded.get(p);
          const seats = seatQueries.seatAvailability(db, opened.accountId, p);
          const row = subscriptionQueries.get(db, opened.accountId, p);
          if (!state) {
            expect(seats).toEqual({ product: p, purchased: 0, assigned: 0, reserved: 0, available: 0 });
            expect(row).toBeNull();
            continue;
          }
          expect(seats).toEqual({
            product: p,
            purchased: state.purchased,
            assigned: state.holders.size,
            reserved: 0,
            available: state.purchased - state.holders.size,
          });
          const holders = subscriptionQueries.assignees(db, opened.accountId, p, { first: USERS });
          expect({
            plan: row?.planId,
            holders: holders.nodes.map((n) => n.id).sort(),
            count: holders.totalCount,
          }).toEqual({ plan: state.planId, holders: [...state.holders].sort(), count: state.holders.size });
        }
        const licences = userQueries.licensesByUserIds(db, users);
        const rows = userQueries.usersByIds(db, users);
        for (const id of users) {
          const expectedProducts = PRODUCTS.filter((p) => folded.get(p)?.holders.has(id));
          const expectedPlans = expectedProducts.map((p) => folded.get(p)?.planId);
          const held = (licences.get(id) ?? []).slice().sort((a, b) => a.product.localeCompare(b.product));
          expect({ id, products: held.map((l) => l.product), plans: held.map((l) => l.planId) }).toEqual({
            id,
            products: expectedProducts,
            plans: expectedPlans,
          });
          expect(rows.get(id)?.active).toBe(userStates.get(id)?.status === 'active');
        }
        // The history holds exactly the log's licence events of the account.
        const logged = (
          await Promise.all(PRODUCTS.map((p) => readStream(audit, subscriptionStream(opened.accountId, p))))
        ).flat().length;
        const historyCount = db
          .prepare(
            `SELECT count(*) FROM license_history WHERE account_id = ? AND type IN
             ('LicensePurchased', 'PlanUpgraded', 'LicensesReleased', 'LicenseAssigned', 'LicenseRevoked')`,
          )
          .pluck()
          .get(opened.accountId);
        expect(historyCount).toBe(logged);
      }),
      { numRuns: RUNS },
    );
    // The generator reached the interesting answers, not only refusals.
    expect(outcomes.get('OK') ?? 0).toBeGreaterThan(RUNS);
    expect(outcomes.get('NO_SEATS_AVAILABLE') ?? 0).toBeGreaterThan(0);
  });
});
