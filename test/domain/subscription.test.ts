// Specs of the subscription decider: buying, upgrading, releasing, assigning and revoking seats of one product.
import fc from 'fast-check';
import { type Actor, foldEvents, systemActor } from '../../src/domain/decider';
import {
  AlreadyAssigned,
  Forbidden,
  InvalidInput,
  NoSeatsAvailable,
  NotAnUpgrade,
  NotAssigned,
  NotFound,
  PlanMismatch,
  UserInactive,
} from '../../src/domain/errors';
import type { Product } from '../../src/domain/plans';
import {
  type AssignLicense,
  type LicenseAssigned,
  type LicensePurchased,
  type LicenseRevoked,
  type LicensesReleased,
  type PlanUpgraded,
  type PurchaseLicenses,
  type ReleaseLicenses,
  type RevokeLicense,
  type SubscriptionEvent,
  seatCounts,
  subscriptionDecider,
  type UpgradePlan,
} from '../../src/domain/subscription';
import type { UserState } from '../../src/domain/user';
import { given } from '../support/given';
import { ACCOUNT, admin, by, member, NOW, OTHER_ACCOUNT, otherOwner, owner } from './fixtures';

const VIDEO: Product = 'VIDEO_MEETING';

// Commands, by the OWNER unless another actor is named.
const purchase = (quantity: number, planId = 'video-standard', who: Actor = owner): PurchaseLicenses => ({
  type: 'PurchaseLicenses',
  data: { accountId: ACCOUNT, product: VIDEO, planId, quantity },
  metadata: by(who),
});
const upgrade = (planId: string, who: Actor = owner): UpgradePlan => ({
  type: 'UpgradePlan',
  data: { accountId: ACCOUNT, product: VIDEO, planId },
  metadata: by(who),
});
const release = (quantity: number, who: Actor = owner): ReleaseLicenses => ({
  type: 'ReleaseLicenses',
  data: { accountId: ACCOUNT, product: VIDEO, quantity },
  metadata: by(who),
});
const activeUser = (userId: string, accountId = ACCOUNT, status: 'active' | 'inactive' = 'active'): UserState => ({
  status,
  userId,
  accountId,
  email: `${userId}@example.com`,
  emailNormalized: `${userId}@example.com`,
  name: userId,
  role: 'MEMBER',
});
const assign = (userId: string, who: Actor = owner, user: UserState = activeUser(userId)): AssignLicense => ({
  type: 'AssignLicense',
  data: { accountId: ACCOUNT, product: VIDEO, userId, user },
  metadata: by(who),
});
const revoke = (userId: string, who: Actor = owner, reason: string | null = null): RevokeLicense => ({
  type: 'RevokeLicense',
  data: { accountId: ACCOUNT, product: VIDEO, userId, reason },
  metadata: by(who),
});

// Events.
const purchased = (quantity: number, planId = 'video-standard'): LicensePurchased => ({
  type: 'LicensePurchased',
  data: { accountId: ACCOUNT, product: VIDEO, planId, quantity },
});
const upgraded = (fromPlanId: string, toPlanId: string): PlanUpgraded => ({
  type: 'PlanUpgraded',
  data: { accountId: ACCOUNT, product: VIDEO, fromPlanId, toPlanId },
});
const released = (quantity: number): LicensesReleased => ({
  type: 'LicensesReleased',
  data: { accountId: ACCOUNT, product: VIDEO, quantity },
});
const assigned = (userId: string, planId = 'video-standard'): LicenseAssigned => ({
  type: 'LicenseAssigned',
  data: { accountId: ACCOUNT, product: VIDEO, planId, userId },
});
const revoked = (userId: string, reason: string | null = null, planId = 'video-standard'): LicenseRevoked => ({
  type: 'LicenseRevoked',
  data: { accountId: ACCOUNT, product: VIDEO, planId, userId, reason },
});

const seatManagers = [owner, admin];

describe('subscription decider: PurchaseLicenses', () => {
  it.each(seatManagers)('the first purchase by the $role opens the subscription on that plan', (who) => {
    given(subscriptionDecider)
      .when(purchase(5, 'video-pro', who))
      .then([purchased(5, 'video-pro')]);
  });

  it('Buy More on the current plan adds seats', () => {
    given(subscriptionDecider, purchased(5))
      .when(purchase(3))
      .then([purchased(3)]);
  });

  it('refuses a MEMBER', () => {
    given(subscriptionDecider)
      .when(purchase(1, 'video-standard', member))
      .thenThrows(Forbidden);
  });

  it('answers NOT_FOUND for a command aimed at another account', () => {
    given(subscriptionDecider)
      .when(purchase(1, 'video-standard', otherOwner))
      .thenThrows(NotFound);
  });

  it('answers NOT_FOUND for a plan that is not in the catalog', () => {
    given(subscriptionDecider)
      .when(purchase(1, 'video-ultra'))
      .thenThrows(NotFound, /plan video-ultra/);
  });

  it("refuses another product's plan as BAD_USER_INPUT on plan (the catalog is public, the pair is wrong)", () => {
    given(subscriptionDecider)
      .when(purchase(1, 'webinar-100'))
      .thenThrows(InvalidInput, /^plan: Webinar 100 \(webinar-100\)/);
  });

  it.each([0, -1, 1.5, 10_001, Number.NaN, Number.POSITIVE_INFINITY])('refuses the quantity %p', (quantity) => {
    given(subscriptionDecider)
      .when(purchase(quantity))
      .thenThrows(InvalidInput, /^quantity:/);
  });

  it('accepts 1 and 10,000 seats per purchase', () => {
    given(subscriptionDecider)
      .when(purchase(1))
      .then([purchased(1)]);
    given(subscriptionDecider)
      .when(purchase(10_000))
      .then([purchased(10_000)]);
  });

  it('refuses a plan other than the current one: PLAN_MISMATCH', () => {
    given(subscriptionDecider, purchased(5)).when(purchase(1, 'video-pro')).thenThrows(PlanMismatch);
    given(subscriptionDecider, purchased(5), upgraded('video-standard', 'video-pro'))
      .when(purchase(1, 'video-standard'))
      .thenThrows(PlanMismatch);
  });

  it('holds at most 1,000,000 seats per subscription', () => {
    const full = Array.from({ length: 100 }, () => purchased(10_000));
    given(subscriptionDecider, ...full.slice(1))
      .when(purchase(10_000))
      .then([purchased(10_000)]);
    given(subscriptionDecider, ...full)
      .when(purchase(1))
      .thenThrows(InvalidInput, /^quantity: .*1000000/);
    given(subscriptionDecider, ...full, released(1))
      .when(purchase(1))
      .then([purchased(1)]);
  });
});

describe('subscription decider: UpgradePlan', () => {
  it.each(seatManagers)('the $role upgrades to a higher rank', (who) => {
    given(subscriptionDecider, purchased(5))
      .when(upgrade('video-business', who))
      .then([upgraded('video-standard', 'video-business')]);
  });

  it('refuses a MEMBER', () => {
    given(subscriptionDecider, purchased(5)).when(upgrade('video-pro', member)).thenThrows(Forbidden);
  });

  it('answers NOT_FOUND without a subscription, for another account, and for an unknown plan', () => {
    given(subscriptionDecider)
      .when(upgrade('video-pro'))
      .thenThrows(NotFound, /no subscription/);
    given(subscriptionDecider, purchased(5)).when(upgrade('video-pro', otherOwner)).thenThrows(NotFound);
    given(subscriptionDecider, purchased(5)).when(upgrade('video-ultra')).thenThrows(NotFound);
  });

  it("refuses another product's plan", () => {
    given(subscriptionDecider, purchased(5))
      .when(upgrade('webinar-1000'))
      .thenThrows(InvalidInput, /^plan:/);
  });

  it('refuses the same or a lower rank: NOT_AN_UPGRADE', () => {
    given(subscriptionDecider, purchased(5)).when(upgrade('video-standard')).thenThrows(NotAnUpgrade);
    given(subscriptionDecider, purchased(5, 'video-pro')).when(upgrade('video-standard')).thenThrows(NotAnUpgrade);
  });
});

describe('subscription decider: ReleaseLicenses', () => {
  it.each(seatManagers)('the $role releases free seats', (who) => {
    given(subscriptionDecider, purchased(5), assigned('ann'))
      .when(release(4, who))
      .then([released(4)]);
  });

  it('refuses a MEMBER', () => {
    given(subscriptionDecider, purchased(5)).when(release(1, member)).thenThrows(Forbidden);
  });

  it('answers NOT_FOUND without a subscription and for another account', () => {
    given(subscriptionDecider).when(release(1)).thenThrows(NotFound);
    given(subscriptionDecider, purchased(5)).when(release(1, otherOwner)).thenThrows(NotFound);
  });

  it.each([0, -2, 2.5])('refuses the quantity %p', (quantity) => {
    given(subscriptionDecider, purchased(5))
      .when(release(quantity))
      .thenThrows(InvalidInput, /^quantity:/);
  });

  it('never goes below the seats assigned: BAD_USER_INPUT on quantity, saying how many may go', () => {
    given(subscriptionDecider, purchased(5), assigned('ann'), assigned('bob'))
      .when(release(4))
      .thenThrows(InvalidInput, /^quantity: at most 3 of 5 seats/);
    given(subscriptionDecider, purchased(5))
      .when(release(6))
      .thenThrows(InvalidInput, /^quantity: at most 5/);
  });
});

describe('subscription decider: AssignLicense', () => {
  it.each(seatManagers)('the $role assigns a seat on the current plan', (who) => {
    given(subscriptionDecider, purchased(2), upgraded('video-standard', 'video-pro'))
      .when(assign('ann', who))
      .then([assigned('ann', 'video-pro')]);
  });

  it('refuses a MEMBER, even assigning to themselves', () => {
    given(subscriptionDecider, purchased(2)).when(assign(member.userId, member)).thenThrows(Forbidden);
  });

  it('answers NOT_FOUND for a command aimed at another account', () => {
    given(subscriptionDecider, purchased(2)).when(assign('ann', otherOwner)).thenThrows(NotFound);
  });

  it("answers NOT_FOUND for an unknown user and for another account's user", () => {
    given(subscriptionDecider, purchased(2))
      .when(assign('ann', owner, { status: 'absent' }))
      .thenThrows(NotFound, /user ann/);
    given(subscriptionDecider, purchased(2))
      .when(assign('ann', owner, activeUser('ann', OTHER_ACCOUNT)))
      .thenThrows(NotFound, /user ann/);
    given(subscriptionDecider, purchased(2))
      .when(assign('ann', owner, activeUser('bob')))
      .thenThrows(NotFound, /user ann/);
  });

  it('refuses a deactivated user: USER_INACTIVE', () => {
    given(subscriptionDecider, purchased(2))
      .when(assign('ann', owner, activeUser('ann', ACCOUNT, 'inactive')))
      .thenThrows(UserInactive);
  });

  it('answers NO_SEATS_AVAILABLE when nothing is bought (zero seats, all taken)', () => {
    given(subscriptionDecider)
      .when(assign('ann'))
      .thenThrows(NoSeatsAvailable, /no VIDEO_MEETING seats/);
  });

  it('refuses a user who holds the licence already: ALREADY_ASSIGNED', () => {
    given(subscriptionDecider, purchased(2), assigned('ann')).when(assign('ann')).thenThrows(AlreadyAssigned);
  });

  it('refuses when every seat is assigned: NO_SEATS_AVAILABLE', () => {
    given(subscriptionDecider, purchased(2), assigned('ann'), assigned('bob'))
      .when(assign('cid'))
      .thenThrows(NoSeatsAvailable, /all 2/);
  });

  it('a revoked or released seat counts as it stands now', () => {
    given(subscriptionDecider, purchased(2), assigned('ann'), assigned('bob'), revoked('ann'))
      .when(assign('cid'))
      .then([assigned('cid')]);
    given(subscriptionDecider, purchased(2), assigned('ann'), released(1))
      .when(assign('bob'))
      .thenThrows(NoSeatsAvailable);
  });
});

describe('subscription decider: RevokeLicense', () => {
  it.each(seatManagers)('the $role revokes a held licence, with a trimmed reason', (who) => {
    given(subscriptionDecider, purchased(2), assigned('ann'))
      .when(revoke('ann', who, '  left the company '))
      .then([revoked('ann', 'left the company')]);
  });

  it('records a blank reason as null', () => {
    given(subscriptionDecider, purchased(2), assigned('ann'))
      .when(revoke('ann', owner, '   '))
      .then([revoked('ann', null)]);
  });

  it('names the current plan', () => {
    given(subscriptionDecider, purchased(2), assigned('ann'), upgraded('video-standard', 'video-business'))
      .when(revoke('ann'))
      .then([revoked('ann', null, 'video-business')]);
  });

  it('refuses a MEMBER', () => {
    given(subscriptionDecider, purchased(2), assigned('ann')).when(revoke('ann', member)).thenThrows(Forbidden);
  });

  it('answers NOT_FOUND for a command aimed at another account', () => {
    given(subscriptionDecider, purchased(2), assigned('ann')).when(revoke('ann', otherOwner)).thenThrows(NotFound);
  });

  it('refuses a user who holds no licence: NOT_ASSIGNED', () => {
    given(subscriptionDecider).when(revoke('ann')).thenThrows(NotAssigned);
    given(subscriptionDecider, purchased(2), assigned('bob')).when(revoke('ann')).thenThrows(NotAssigned);
    given(subscriptionDecider, purchased(2), assigned('ann'), revoked('ann'))
      .when(revoke('ann'))
      .thenThrows(NotAssigned);
  });

  it("answers NOT_FOUND, not NOT_ASSIGNED, for an unknown user or another account's user", () => {
    const withUser = (user: UserState): RevokeLicense => ({ ...revoke('zed'), data: { ...revoke('zed').data, user } });
    given(subscriptionDecider, purchased(2), assigned('ann'))
      .when(withUser({ status: 'absent' }))
      .thenThrows(NotFound);
    given(subscriptionDecider, purchased(2), assigned('ann'))
      .when(withUser(activeUser('zed', 'acc-other')))
      .thenThrows(NotFound);
    given(subscriptionDecider, purchased(2), assigned('ann'))
      .when(withUser(activeUser('zed')))
      .thenThrows(NotAssigned);
  });

  it('refuses a reason over 500 characters', () => {
    given(subscriptionDecider, purchased(2), assigned('ann'))
      .when(revoke('ann', owner, 'x'.repeat(501)))
      .thenThrows(InvalidInput, /^reason:/);
  });
});

describe('subscription decider: RevokeLicense by the system', () => {
  // The deactivation reactor: no role borrowed from anyone, the deactivating user goes into the metadata.
  const bySystem = (userId: string, user: UserState): RevokeLicense => ({
    type: 'RevokeLicense',
    data: { accountId: OTHER_ACCOUNT, product: VIDEO, userId, reason: 'user deactivated', user },
    metadata: { actor: systemActor(owner.userId), now: NOW },
  });
  const inOther = <E extends SubscriptionEvent>(event: E): E => ({
    ...event,
    data: { ...event.data, accountId: OTHER_ACCOUNT },
  });

  it('the system revokes a deactivated user’s licence, in the account the command names', () => {
    given(subscriptionDecider, inOther(purchased(2)), inOther(assigned('ann')))
      .when(bySystem('ann', activeUser('ann', OTHER_ACCOUNT, 'inactive')))
      .then([inOther(revoked('ann', 'user deactivated'))]);
  });

  it('a licence no longer held is NOT_ASSIGNED for the system too (the reactor reads events again)', () => {
    given(subscriptionDecider, inOther(purchased(2)), inOther(assigned('ann')), inOther(revoked('ann')))
      .when(bySystem('ann', activeUser('ann', OTHER_ACCOUNT, 'inactive')))
      .thenThrows(NotAssigned);
  });

  it('the system does nothing else: its other commands are refused even where the types are bypassed', () => {
    const system = systemActor(owner.userId) as unknown as Actor;
    given(subscriptionDecider)
      .when(purchase(1, 'video-standard', system))
      .thenThrows(Forbidden);
    given(subscriptionDecider, purchased(2)).when(assign('ann', system)).thenThrows(Forbidden);
    given(subscriptionDecider, purchased(2)).when(release(1, system)).thenThrows(Forbidden);
  });
});

describe('subscription decider: seat counts', () => {
  const fold = (...events: SubscriptionEvent[]) =>
    foldEvents(subscriptionDecider, subscriptionDecider.initialState(), events);

  it('nothing bought is zero of each; then purchased, assigned and their difference', () => {
    expect(seatCounts(fold())).toEqual({ purchased: 0, assigned: 0, reserved: 0, available: 0 });
    expect(seatCounts(fold(purchased(5), assigned('ann'), assigned('bob'), revoked('ann'), released(1)))).toEqual({
      purchased: 4,
      assigned: 1,
      reserved: 0,
      available: 3,
    });
  });
});

describe('subscription decider: evolve', () => {
  it('starts with no subscription; the first purchase opens it on its plan', () => {
    given(subscriptionDecider).thenState({ status: 'none' });
    given(subscriptionDecider, purchased(5, 'video-pro')).thenState({
      status: 'active',
      accountId: ACCOUNT,
      product: VIDEO,
      planId: 'video-pro',
      purchased: 5,
      holders: new Set(),
      reservations: new Map(),
    });
  });

  it('adds purchases, follows upgrades, subtracts releases, tracks holders', () => {
    given(
      subscriptionDecider,
      purchased(5),
      purchased(3),
      assigned('ann'),
      assigned('bob'),
      upgraded('video-standard', 'video-pro'),
      revoked('ann'),
      released(2),
    ).thenState({
      status: 'active',
      accountId: ACCOUNT,
      product: VIDEO,
      planId: 'video-pro',
      purchased: 6,
      holders: new Set(['bob']),
      reservations: new Map(),
    });
  });

  it('never changes the state it is given', () => {
    const before = subscriptionDecider.evolve(subscriptionDecider.initialState(), purchased(2));
    subscriptionDecider.evolve(before, assigned('ann'));
    subscriptionDecider.fold?.(before, [assigned('bob'), released(1)]);
    expect(before).toEqual(subscriptionDecider.evolve(subscriptionDecider.initialState(), purchased(2)));
  });

  it('folds in place only when the caller hands the state over', () => {
    const before = subscriptionDecider.evolve(subscriptionDecider.initialState(), purchased(2));
    const after = subscriptionDecider.fold!(before, [assigned('ann')], { inPlace: true });
    expect(after.status === 'active' && before.status === 'active' && after.holders === before.holders).toBe(true);
    expect(after).toEqual(
      subscriptionDecider.evolve(
        subscriptionDecider.evolve(subscriptionDecider.initialState(), purchased(2)),
        assigned('ann'),
      ),
    );
  });

  it('the batch fold equals evolving one event at a time', () => {
    const users = ['ann', 'bob', 'cid', 'dee'];
    const event = fc.oneof(
      fc.integer({ min: 1, max: 5 }).map((q) => purchased(q)),
      fc.integer({ min: 1, max: 3 }).map(released),
      fc.constantFrom(...users).map((u) => assigned(u)),
      fc.constantFrom(...users).map((u) => revoked(u)),
      fc.constantFrom('video-pro', 'video-business').map((to) => upgraded('video-standard', to)),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 30 }), fc.integer({ min: 0, max: 30 }), (events, cut) => {
        const one = (s: ReturnType<typeof subscriptionDecider.initialState>, e: SubscriptionEvent) =>
          subscriptionDecider.evolve(s, e);
        const stepwise = events.reduce(one, subscriptionDecider.initialState());
        const head = subscriptionDecider.fold!(subscriptionDecider.initialState(), events.slice(0, cut));
        expect(subscriptionDecider.fold!(head, events.slice(cut))).toEqual(stepwise);
      }),
    );
  });

  it('folds 100,000 events in linear time', () => {
    const events: SubscriptionEvent[] = [purchased(10_000)];
    for (let i = 0; events.length < 100_000; i++) events.push(assigned(`u${i}`), revoked(`u${i - 5000}`));
    const started = performance.now();
    const state = subscriptionDecider.fold!(subscriptionDecider.initialState(), events);
    // Copying the holders per event would take minutes here; a linear fold takes milliseconds.
    expect(performance.now() - started).toBeLessThan(2000);
    expect(state.status === 'active' && state.holders.size).toBe(5000);
  });
});
