// One append for a hot stream, on the real SQLite store: commands queued on one subscription stream are decided in
// order and appended together (fewer appends and commits than commands), each caller answered with its own result
// or refusal; a conflict with another process (two caches, two connections to one file) redoes the whole batch.
import { LogWatch } from '../../src/application/log-watch';
import { subscriptionStream } from '../../src/domain/streams';
import { type SubscriptionEvent, type SubscriptionState, subscriptionDecider } from '../../src/domain/subscription';
import { addUser, openWorld, outcome, signUp, streamEvents, type TestWorld } from './support';

const VIDEO = 'VIDEO_MEETING' as const;

async function foldSubscription(world: TestWorld, accountId: string): Promise<SubscriptionState> {
  const events = await streamEvents(world.store, subscriptionStream(accountId, VIDEO));
  return events.reduce(
    (state, e) => subscriptionDecider.evolve(state, { type: e.type, data: e.data } as SubscriptionEvent),
    subscriptionDecider.initialState(),
  );
}

describe('application: one append for a hot stream', () => {
  let world: TestWorld;
  beforeEach(async () => {
    // Live and told of nothing: with one writer its cache is always current, so no command reads a stream and the
    // commands reach the subscription's queue in the order they were sent (which the assertions name).
    const watch = new LogWatch();
    watch.liveness(true);
    world = await openWorld({ watch });
  });
  afterEach(() => world.close());

  it('32 concurrent commands on one stream: fewer appends and commits than commands, each answered as its own', async () => {
    const { app } = world;
    const { owner, accountId } = await signUp(app);
    const users: string[] = [];
    for (let i = 0; i < 32; i++) users.push((await addUser(app, owner, `hot${i}@example.com`)).userId);
    await app.purchaseLicenses(owner, { product: VIDEO, planId: 'video-pro', quantity: 24 });

    const before = world.store.groupCommitStats;
    const results = await Promise.all(
      users.map((userId) =>
        app.assignLicense(owner, { userId, product: VIDEO }).then(
          (written) => ({ ok: true as const, written }),
          (error: { code?: string }) => ({ ok: false as const, code: error.code }),
        ),
      ),
    );
    const after = world.store.groupCommitStats;

    // 24 seats: the first 24 in line are assigned, the 8 after them refused, exactly as one after another.
    expect(results.map((r) => r.ok)).toEqual([...Array(24).fill(true), ...Array(8).fill(false)]);
    expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.code)).toEqual(Array(8).fill('NO_SEATS_AVAILABLE'));
    results.forEach((r, i) => {
      // Each caller gets its own licence.
      if (r.ok) expect(r.written.license.userId).toBe(users[i]);
    });
    // One after another, each of the 24 writes was an append and a commit of its own.
    expect(after.appends - before.appends).toBeLessThan(24);
    expect(after.appends - before.appends).toBeGreaterThanOrEqual(1);
    expect(after.transactions - before.transactions).toBeLessThan(24);

    const state = await foldSubscription(world, accountId);
    expect(state.status === 'active' && [state.purchased, state.holders.size]).toEqual([24, 24]);
    const assigned = (await streamEvents(world.store, subscriptionStream(accountId, VIDEO))).filter(
      (e) => e.type === 'LicenseAssigned',
    );
    // One event per assignment, each with its own caller's metadata.
    expect(assigned.map((e) => e.data.userId)).toEqual(users.slice(0, 24));
  });

  it('a refusal in a batch leaves the others as they would be serially (assign, refused, revoke, assign)', async () => {
    const { app } = world;
    const { owner, accountId } = await signUp(app);
    // Distinct users, each loaded once: the commands reach the stream's queue in the order they are sent.
    const [a, b, c, d, x] = await Promise.all(
      ['a', 'b', 'c', 'd', 'x'].map(async (name) => (await addUser(app, owner, `${name}@example.com`)).userId),
    );
    await app.purchaseLicenses(owner, { product: VIDEO, planId: 'video-pro', quantity: 3 });
    await app.assignLicense(owner, { userId: x!, product: VIDEO });

    const results = await Promise.all([
      outcome(app.assignLicense(owner, { userId: a!, product: VIDEO })),
      outcome(app.assignLicense(owner, { userId: b!, product: VIDEO })),
      outcome(app.assignLicense(owner, { userId: c!, product: VIDEO })),
      outcome(app.revokeLicense(owner, { userId: x!, product: VIDEO })),
      outcome(app.assignLicense(owner, { userId: d!, product: VIDEO })),
    ]);
    // c finds the seats taken by a and b; d gets the seat x's revocation freed, in the same append.
    expect(results).toEqual(['OK', 'OK', 'NO_SEATS_AVAILABLE', 'OK', 'OK']);
    const state = await foldSubscription(world, accountId);
    expect(state.status === 'active' && new Set(state.holders)).toEqual(new Set([a, b, d]));
  });

  it('another process wrote in between: the batch loses its append, is decided again on the new state, and lands', async () => {
    const { owner, accountId } = await signUp(world.app);
    const users: string[] = [];
    for (let i = 0; i < 12; i++) users.push((await addUser(world.app, owner, `race${i}@example.com`)).userId);
    await world.app.purchaseLicenses(owner, { product: VIDEO, planId: 'video-pro', quantity: 8 });
    // A watch that is live and never told of the other process's writes: this process trusts its cached state,
    // so its batch is decided on a stale revision and its append must lose.
    const blind = new LogWatch();
    blind.liveness(true);
    const other = world.openApp({ ownStore: true, watch: blind });
    expect(await outcome(other.revokeLicense(owner, { userId: users[0]!, product: VIDEO }))).toBe('NOT_ASSIGNED');
    // The first process takes 5 of the 8 seats.
    for (const userId of users.slice(0, 5)) await world.app.assignLicense(owner, { userId, product: VIDEO });
    const conflictsBefore = world.counters.conflicts;

    const results = await Promise.all(
      users.slice(5).map((userId) => outcome(other.assignLicense(owner, { userId, product: VIDEO }))),
    );

    expect(world.counters.conflicts).toBeGreaterThan(conflictsBefore);
    // Decided again on the state with the other process's 5: 3 seats left for the 7 in line.
    expect(results).toEqual(['OK', 'OK', 'OK', ...Array(4).fill('NO_SEATS_AVAILABLE')]);
    const state = await foldSubscription(world, accountId);
    expect(state.status === 'active' && [state.purchased, state.holders.size]).toEqual([8, 8]);
  });
});
