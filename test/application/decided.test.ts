// Every write hands back what it decided along with its position (the subscription's seats, the licence, the
// user), so a caller whose read models are late can still answer a committed write as the success it is.
import { addUser, openWorld, signUp, type TestWorld } from './support';

const AT = new Date('2025-03-04T05:06:07.000Z');

describe('application: a write hands back what it decided', () => {
  let world: TestWorld;
  beforeEach(async () => {
    world = await openWorld({ now: () => AT });
  });
  afterEach(() => world.close());

  it('subscription writes answer the seats and plan the stream holds after them', async () => {
    const { app } = world;
    const { accountId, owner } = await signUp(app);
    const bought = await app.purchaseLicenses(owner, {
      product: 'VIDEO_MEETING',
      planId: 'video-standard',
      quantity: 3,
    });
    expect(bought.subscription).toEqual({
      accountId,
      product: 'VIDEO_MEETING',
      planId: 'video-standard',
      purchased: 3,
      assigned: 0,
      reserved: 0,
    });
    const upgraded = await app.upgradePlan(owner, { product: 'VIDEO_MEETING', planId: 'video-pro' });
    expect(upgraded.subscription).toMatchObject({ planId: 'video-pro', purchased: 3 });
    const released = await app.releaseLicenses(owner, { product: 'VIDEO_MEETING', quantity: 1 });
    expect(released.subscription).toMatchObject({ purchased: 2, assigned: 0 });
  });

  it('an assignment answers its licence from the LicenseAssigned event, the assignee and the seats after it', async () => {
    const { app } = world;
    const { accountId, owner, ownerUserId } = await signUp(app);
    const bob = await addUser(app, owner, 'bob@example.com');
    await app.purchaseLicenses(owner, { product: 'WEBINAR', planId: 'webinar-100', quantity: 2 });

    const assigned = await app.assignLicense(owner, { userId: bob.userId, product: 'WEBINAR' });
    expect(assigned.license).toEqual({
      accountId,
      userId: bob.userId,
      product: 'WEBINAR',
      planId: 'webinar-100',
      assignedAt: AT.toISOString(),
      assignedBy: ownerUserId,
    });
    expect(assigned.subscription).toMatchObject({ purchased: 2, assigned: 1 });
    expect(assigned.user).toMatchObject({ status: 'active', userId: bob.userId, email: 'bob@example.com' });

    const revoked = await app.revokeLicense(owner, { userId: bob.userId, product: 'WEBINAR' });
    expect(revoked.subscription).toMatchObject({ purchased: 2, assigned: 0 });
    expect(revoked.user).toMatchObject({ userId: bob.userId });
  });

  it('a repeated idempotency key answers the subscription as it stands, bought once', async () => {
    const { app } = world;
    const { owner } = await signUp(app);
    const order = { product: 'WEBINAR' as const, planId: 'webinar-100', quantity: 4, idempotencyKey: 'k-1' };
    const first = await app.purchaseLicenses(owner, order);
    const again = await app.purchaseLicenses(owner, order);
    expect(again).toEqual(first);
    expect(again.subscription).toMatchObject({ purchased: 4 });
  });

  it('user writes answer the user as their stream stands after them', async () => {
    const { app } = world;
    const { owner } = await signUp(app);
    const created = await app.createUser(owner, { email: 'Ann@Example.com', name: 'Ann', role: 'MEMBER' });
    expect(created.user).toMatchObject({ status: 'active', userId: created.userId, role: 'MEMBER', name: 'Ann' });
    const promoted = await app.changeUserRole(owner, { userId: created.userId, role: 'ADMIN' });
    expect(promoted.user).toMatchObject({ status: 'active', role: 'ADMIN' });
    const deactivated = await app.deactivateUser(owner, { userId: created.userId });
    expect(deactivated.user).toMatchObject({ status: 'inactive', role: 'ADMIN' });
  });
});
