// The seed's flow through the real command handler and the real SQLite store: sign up, add users, buy,
// upgrade, assign, revoke, release; every event carries its metadata and every write answers its position.
import { subscriptionStream, userStream } from '../../src/domain/streams';
import { subscriptionDecider } from '../../src/domain/subscription';
import { addUser, allEvents, openWorld, signUp, streamEvents, type TestWorld } from './support';

describe('application: the seed flow', () => {
  let world: TestWorld;
  beforeEach(async () => {
    world = await openWorld({ now: () => new Date('2025-03-04T05:06:07.000Z') });
  });
  afterEach(() => world.close());

  it('signs up, adds a user, buys, upgrades, assigns, revokes and releases', async () => {
    const { app, store } = world;
    const { accountId, ownerUserId, owner, position: opened } = await signUp(app, ' Olive@Example.com ');
    expect(await store.headPosition()).toBe(opened);

    const admin = await addUser(app, owner, 'Ada@Example.com', 'ADMIN');
    const bob = await addUser(app, admin.ctx, 'bob@example.com');

    await app.purchaseLicenses(admin.ctx, { product: 'VIDEO_MEETING', planId: 'video-standard', quantity: 2 });
    await app.purchaseLicenses(owner, { product: 'VIDEO_MEETING', planId: 'video-standard', quantity: 1 });
    await app.upgradePlan(owner, { product: 'VIDEO_MEETING', planId: 'video-pro' });
    await app.assignLicense(admin.ctx, { userId: bob.userId, product: 'VIDEO_MEETING' });
    await app.assignLicense(owner, { userId: ownerUserId, product: 'VIDEO_MEETING' });
    await app.revokeLicense(owner, { userId: bob.userId, product: 'VIDEO_MEETING', reason: 'left' });
    const last = await app.releaseLicenses(owner, { product: 'VIDEO_MEETING', quantity: 2 });
    expect(await store.headPosition()).toBe(last.position);

    const events = await allEvents(store);
    const licenceFacts = events.filter((e) => !e.streamName.startsWith('email-'));
    expect(licenceFacts.map((e) => e.type)).toEqual([
      'UserCreated',
      'AccountOpened',
      'UserCreated',
      'UserCreated',
      'LicensePurchased',
      'LicensePurchased',
      'PlanUpgraded',
      'LicenseAssigned',
      'LicenseAssigned',
      'LicenseRevoked',
      'LicensesReleased',
    ]);
    expect(events.filter((e) => e.type === 'EmailReserved')).toHaveLength(3);
    const assigned = events.find((e) => e.type === 'LicenseAssigned');
    expect(assigned?.data).toEqual({ accountId, product: 'VIDEO_MEETING', planId: 'video-pro', userId: bob.userId });
    expect(assigned?.metadata).toEqual({
      accountId,
      actorId: admin.userId,
      occurredAt: '2025-03-04T05:06:07.000Z',
      correlationId: 'corr-1',
      causationId: 'corr-1',
      schemaVersion: 1,
    });
    // Sign-up's events are the new owner's own.
    expect(events[0]?.metadata).toMatchObject({ accountId, actorId: ownerUserId, correlationId: 'signup' });

    const folded = (await streamEvents(store, subscriptionStream(accountId, 'VIDEO_MEETING'))).reduce(
      (s, e) => subscriptionDecider.evolve(s, e as never),
      subscriptionDecider.initialState(),
    );
    expect(folded).toMatchObject({
      status: 'active',
      planId: 'video-pro',
      purchased: 1,
      holders: new Set([ownerUserId]),
    });
  });

  it('loads users from their stream and finds them by e-mail in any case', async () => {
    const { app } = world;
    const { accountId, ownerUserId, owner } = await signUp(app, 'Olive@Example.com');
    const bob = await addUser(app, owner, 'Bob@Example.com');

    expect(await app.loadUser(ownerUserId)).toMatchObject({ status: 'active', role: 'OWNER', accountId });
    expect(await app.findUserByEmail('  OLIVE@example.COM')).toEqual({ userId: ownerUserId, accountId });
    expect(await app.findUserByEmail('bob@example.com')).toEqual({ userId: bob.userId, accountId });
    expect(await app.findUserByEmail('nobody@example.com')).toBeNull();
    expect(await app.loadUser('no-such-user')).toEqual({ status: 'absent' });

    await app.changeUserRole(owner, { userId: bob.userId, role: 'ADMIN' });
    await app.deactivateUser(owner, { userId: bob.userId });
    expect(await app.loadUser(bob.userId)).toMatchObject({ status: 'inactive', role: 'ADMIN' });
    // A second Application (a cold cache) folds the same state from the log.
    expect(await world.openApp().loadUser(bob.userId)).toEqual(await app.loadUser(bob.userId));
  });

  it('an accepted command that changes nothing appends nothing and answers the stream head', async () => {
    const { app, store } = world;
    const { owner } = await signUp(app);
    const bob = await addUser(app, owner, 'bob@example.com', 'ADMIN');
    const before = await store.headPosition();
    const [userCreated] = await streamEvents(store, userStream(bob.userId));
    const again = await app.changeUserRole(owner, { userId: bob.userId, role: 'ADMIN' });
    expect(again.position).toBe(userCreated?.position);
    expect(await store.headPosition()).toBe(before);
  });

  it("gives events and the people it creates time-ordered ids, so the log's indexes by id grow at their end", async () => {
    const { app, store } = world;
    const { owner, accountId, ownerUserId } = await signUp(app);
    const ada = await addUser(app, owner, 'ada@example.com');
    for (let i = 0; i < 50; i++) await addUser(app, owner, `user-${i}@example.com`);

    const ids = (await allEvents(store)).map((e) => e.id);
    expect(ids).toHaveLength(new Set(ids).size);
    // Version 7 (RFC 9562), in the log's order: random (version 4) ids would be in no order at all.
    for (const id of [...ids, accountId, ownerUserId, ada.userId]) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect([...ids].sort()).toEqual(ids);
  });
});
