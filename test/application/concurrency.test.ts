// The seat invariant under load: concurrent assignments through the real handler and SQLite store never
// assign more seats than were bought, within one process and across two (two caches, one file).
import type { Application, RequestContext } from '../../src/application/application';
import { subscriptionStream } from '../../src/domain/streams';
import { type SubscriptionEvent, type SubscriptionState, subscriptionDecider } from '../../src/domain/subscription';
import { addUser, openWorld, outcome, signUp, streamEvents, type TestWorld } from './support';

async function foldSubscription(world: TestWorld, accountId: string): Promise<SubscriptionState> {
  const events = await streamEvents(world.store, subscriptionStream(accountId, 'VIDEO_MEETING'));
  return events.reduce(
    (state, e) => subscriptionDecider.evolve(state, { type: e.type, data: e.data } as SubscriptionEvent),
    subscriptionDecider.initialState(),
  );
}

async function usersFor(app: Application, owner: RequestContext, count: number): Promise<string[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => addUser(app, owner, `user${i}@example.com`))).then(
    (users) => users.map((u) => u.userId),
  );
}

describe('application: concurrent assignments', () => {
  let world: TestWorld;
  beforeEach(async () => {
    world = await openWorld();
  });
  afterEach(() => world.close());

  it('200 concurrent assignLicense for 200 users on 50 seats: exactly 50 succeed, the rest NO_SEATS_AVAILABLE', async () => {
    const { app } = world;
    const { owner, accountId } = await signUp(app);
    const users = await usersFor(app, owner, 200);
    await app.purchaseLicenses(owner, { product: 'VIDEO_MEETING', planId: 'video-pro', quantity: 50 });

    const results = await Promise.all(
      users.map((userId) => outcome(app.assignLicense(owner, { userId, product: 'VIDEO_MEETING' }))),
    );

    expect(results.filter((r) => r === 'OK')).toHaveLength(50);
    expect(results.filter((r) => r === 'NO_SEATS_AVAILABLE')).toHaveLength(150);
    const state = await foldSubscription(world, accountId);
    expect(state.status === 'active' && state.holders.size).toBe(50);
    // One process queues commands per stream, so none of them lost an append.
    expect(world.counters.conflicts).toBe(0);
  });

  it('two processes (two caches, two connections to one file) racing on one stream never over-assign', async () => {
    const { owner, accountId } = await signUp(world.app);
    const users = await usersFor(world.app, owner, 120);
    await world.app.purchaseLicenses(owner, { product: 'VIDEO_MEETING', planId: 'video-pro', quantity: 40 });
    const other = world.openApp({ ownStore: true });
    // Both caches hold the subscription at the same revision before the race starts.
    const warm = [world.app, other].map((a) =>
      outcome(a.revokeLicense(owner, { userId: 'nobody', product: 'VIDEO_MEETING' })),
    );
    expect(await Promise.all(warm)).toEqual(['NOT_FOUND', 'NOT_FOUND']);

    const results = await Promise.all(
      users.map((userId, i) =>
        outcome((i % 2 ? other : world.app).assignLicense(owner, { userId, product: 'VIDEO_MEETING' })),
      ),
    );

    // A command that lost every retry answers CONFLICT (safe to retry); the seats still fill exactly.
    expect(results.filter((r) => r === 'OK')).toHaveLength(40);
    expect(results.every((r) => r === 'OK' || r === 'NO_SEATS_AVAILABLE' || r === 'CONFLICT')).toBe(true);
    const state = await foldSubscription(world, accountId);
    expect(state.status === 'active' && state.holders.size).toBe(40);
    // The race really happened: stale caches lost appends and caught up.
    expect(world.counters.conflicts).toBeGreaterThan(0);
  });

  it('mixed purchases, assignments and revocations at once keep assigned ≤ purchased', async () => {
    const { app } = world;
    const { owner, accountId } = await signUp(app);
    const users = await usersFor(app, owner, 60);
    const other = world.openApp({ ownStore: true });
    const video = 'VIDEO_MEETING' as const;
    const work = users.flatMap((userId, i) => {
      const via = i % 2 ? other : app;
      return [
        outcome(via.purchaseLicenses(owner, { product: video, planId: 'video-standard', quantity: 1 })),
        outcome(via.assignLicense(owner, { userId, product: video })),
        outcome(via.revokeLicense(owner, { userId: users[(i + 7) % users.length]!, product: video })),
      ];
    });
    const outcomes = await Promise.all(work);
    const events = await streamEvents(world.store, subscriptionStream(accountId, video));
    let state = subscriptionDecider.initialState();
    for (const e of events) {
      state = subscriptionDecider.evolve(state, { type: e.type, data: e.data } as SubscriptionEvent);
      if (state.status === 'active') expect(state.holders.size).toBeLessThanOrEqual(state.purchased);
    }
    // Two writers in one event loop can starve one command past its retries: CONFLICT, nothing written.
    const bought = outcomes.filter((o, i) => i % 3 === 0 && o === 'OK').length;
    expect(outcomes.every((o) => ['OK', 'NOT_ASSIGNED', 'NO_SEATS_AVAILABLE', 'CONFLICT'].includes(o))).toBe(true);
    expect(bought).toBeGreaterThan(50);
    expect(state.status === 'active' && state.purchased).toBe(bought);
  });
});
