// Every refusal through the real handler and store: the right code, and not one event appended.
import type { Application, RequestContext } from '../../src/application/application';
import { InvalidInput } from '../../src/domain/errors';
import type { Product } from '../../src/domain/plans';
import { addUser, openWorld, outcome, signUp, type TestWorld } from './support';

describe('application: a refused command appends nothing', () => {
  let world: TestWorld;
  let app: Application;
  let owner: RequestContext;
  let admin: RequestContext;
  let member: RequestContext;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    world = await openWorld();
    app = world.app;
    const acme = await signUp(app, 'olive@example.com');
    owner = acme.owner;
    ids.owner = acme.ownerUserId;
    const ada = await addUser(app, owner, 'ada@example.com', 'ADMIN');
    admin = ada.ctx;
    ids.admin = ada.userId;
    const bob = await addUser(app, owner, 'bob@example.com');
    member = bob.ctx;
    ids.bob = bob.userId;
    ids.carl = (await addUser(app, owner, 'carl@example.com')).userId;
    await app.deactivateUser(owner, { userId: ids.carl });
    const other = await signUp(app, 'other@example.com');
    ids.dave = (await addUser(app, other.owner, 'dave@example.com')).userId;
    await app.purchaseLicenses(owner, {
      product: 'VIDEO_MEETING',
      planId: 'video-standard',
      quantity: 1,
      idempotencyKey: 'first-order',
    });
    await app.assignLicense(owner, { userId: ids.bob, product: 'VIDEO_MEETING' });
  });
  afterAll(() => world.close());

  const video: Product = 'VIDEO_MEETING';
  const cases: [string, string, () => Promise<unknown>][] = [
    // Buying
    [
      'a MEMBER buys',
      'FORBIDDEN',
      () => app.purchaseLicenses(member, { product: video, planId: 'video-standard', quantity: 1 }),
    ],
    [
      'an unknown plan',
      'NOT_FOUND',
      () => app.purchaseLicenses(owner, { product: video, planId: 'video-gold', quantity: 1 }),
    ],
    [
      "another product's plan",
      'BAD_USER_INPUT',
      () => app.purchaseLicenses(owner, { product: video, planId: 'webinar-100', quantity: 1 }),
    ],
    [
      'quantity 0',
      'BAD_USER_INPUT',
      () => app.purchaseLicenses(owner, { product: video, planId: 'video-standard', quantity: 0 }),
    ],
    [
      'quantity 10,001',
      'BAD_USER_INPUT',
      () => app.purchaseLicenses(owner, { product: video, planId: 'video-standard', quantity: 10_001 }),
    ],
    [
      'an unknown product',
      'BAD_USER_INPUT',
      () => app.purchaseLicenses(owner, { product: 'PHONE' as Product, planId: 'video-standard', quantity: 1 }),
    ],
    [
      'another plan than the current one',
      'PLAN_MISMATCH',
      () => app.purchaseLicenses(owner, { product: video, planId: 'video-pro', quantity: 1 }),
    ],
    [
      'a MEMBER buys with an idempotency key',
      'FORBIDDEN',
      () =>
        app.purchaseLicenses(member, {
          product: video,
          planId: 'video-standard',
          quantity: 1,
          idempotencyKey: 'k-member',
        }),
    ],
    [
      'a keyed purchase refused by the decider',
      'PLAN_MISMATCH',
      () =>
        app.purchaseLicenses(owner, { product: video, planId: 'video-pro', quantity: 1, idempotencyKey: 'k-mismatch' }),
    ],
    [
      'an empty idempotency key',
      'BAD_USER_INPUT',
      () => app.purchaseLicenses(owner, { product: video, planId: 'video-standard', quantity: 1, idempotencyKey: '' }),
    ],
    [
      'a key sent again with other input',
      'IDEMPOTENCY_KEY_REUSED',
      () =>
        app.purchaseLicenses(owner, {
          product: video,
          planId: 'video-standard',
          quantity: 2,
          idempotencyKey: 'first-order',
        }),
    ],
    // Upgrading and releasing
    ['a MEMBER upgrades', 'FORBIDDEN', () => app.upgradePlan(member, { product: video, planId: 'video-pro' })],
    [
      'an upgrade to the same rank',
      'NOT_AN_UPGRADE',
      () => app.upgradePlan(owner, { product: video, planId: 'video-standard' }),
    ],
    [
      'an upgrade without a subscription',
      'NOT_FOUND',
      () => app.upgradePlan(owner, { product: 'WEBINAR', planId: 'webinar-500' }),
    ],
    ['releasing an assigned seat', 'BAD_USER_INPUT', () => app.releaseLicenses(owner, { product: video, quantity: 1 })],
    // Assigning and revoking
    ['a MEMBER assigns', 'FORBIDDEN', () => app.assignLicense(member, { userId: ids.admin!, product: video })],
    ['every seat taken', 'NO_SEATS_AVAILABLE', () => app.assignLicense(admin, { userId: ids.admin!, product: video })],
    [
      'nothing bought',
      'NO_SEATS_AVAILABLE',
      () => app.assignLicense(owner, { userId: ids.admin!, product: 'WEBINAR' }),
    ],
    ['a holder again', 'ALREADY_ASSIGNED', () => app.assignLicense(owner, { userId: ids.bob!, product: video })],
    ['a deactivated user', 'USER_INACTIVE', () => app.assignLicense(owner, { userId: ids.carl!, product: video })],
    ["another account's user", 'NOT_FOUND', () => app.assignLicense(owner, { userId: ids.dave!, product: video })],
    ['an unknown user', 'NOT_FOUND', () => app.assignLicense(owner, { userId: 'nobody', product: video })],
    [
      'revoking from a non-holder',
      'NOT_ASSIGNED',
      () => app.revokeLicense(owner, { userId: ids.admin!, product: video }),
    ],
    ['a MEMBER revokes', 'FORBIDDEN', () => app.revokeLicense(member, { userId: ids.bob!, product: video })],
    // Users
    [
      'a MEMBER creates a user',
      'FORBIDDEN',
      () => app.createUser(member, { email: 'new1@example.com', name: 'N', role: 'MEMBER' }),
    ],
    [
      'an ADMIN creates an ADMIN',
      'FORBIDDEN',
      () => app.createUser(admin, { email: 'new2@example.com', name: 'N', role: 'ADMIN' }),
    ],
    [
      'a second OWNER',
      'FORBIDDEN',
      () => app.createUser(owner, { email: 'new3@example.com', name: 'N', role: 'OWNER' }),
    ],
    [
      'a malformed e-mail',
      'BAD_USER_INPUT',
      () => app.createUser(owner, { email: 'not-an-email', name: 'N', role: 'MEMBER' }),
    ],
    [
      'an e-mail taken, in another case',
      'EMAIL_TAKEN',
      () => app.createUser(owner, { email: ' BOB@Example.COM ', name: 'B', role: 'MEMBER' }),
    ],
    [
      "an e-mail of another account's user",
      'EMAIL_TAKEN',
      () => app.createUser(owner, { email: 'dave@example.com', name: 'D', role: 'MEMBER' }),
    ],
    [
      'a sign-up with a taken e-mail',
      'EMAIL_TAKEN',
      () =>
        app.openAccount({ correlationId: 'c' }, { accountName: 'X', ownerName: 'X', ownerEmail: 'Olive@example.com' }),
    ],
    [
      'a sign-up without an account name',
      'BAD_USER_INPUT',
      () => app.openAccount({ correlationId: 'c' }, { accountName: ' ', ownerName: 'X', ownerEmail: 'x@example.com' }),
    ],
    ['an ADMIN changes a role', 'FORBIDDEN', () => app.changeUserRole(admin, { userId: ids.bob!, role: 'ADMIN' })],
    ['making someone OWNER', 'FORBIDDEN', () => app.changeUserRole(owner, { userId: ids.bob!, role: 'OWNER' })],
    [
      "changing another account's user",
      'NOT_FOUND',
      () => app.changeUserRole(owner, { userId: ids.dave!, role: 'ADMIN' }),
    ],
    ['deactivating the OWNER', 'FORBIDDEN', () => app.deactivateUser(admin, { userId: ids.owner! })],
    ['an ADMIN deactivating an ADMIN', 'FORBIDDEN', () => app.deactivateUser(admin, { userId: ids.admin! })],
  ];

  it.each(cases)('%s: %s', async (_, code, run) => {
    const head = await world.store.headPosition();
    expect(await outcome(run())).toBe(code);
    expect(await world.store.headPosition()).toBe(head);
  });

  it("names sign-up's own fields in BAD_USER_INPUT", async () => {
    const refused = app.openAccount({ correlationId: 'c' }, { accountName: 'X', ownerName: 'X', ownerEmail: 'nope' });
    await expect(refused).rejects.toThrow(InvalidInput);
    await expect(refused).rejects.toMatchObject({ field: 'ownerEmail' });
  });

  it('a refused creation reserves no e-mail: the address stays free', async () => {
    expect(await outcome(app.createUser(member, { email: 'free@example.com', name: 'F', role: 'MEMBER' }))).toBe(
      'FORBIDDEN',
    );
    expect(await app.findUserByEmail('free@example.com')).toBeNull();
    expect(await outcome(app.createUser(owner, { email: 'free@example.com', name: 'F', role: 'MEMBER' }))).toBe('OK');
  });
});
