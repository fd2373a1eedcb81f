// Specs of bulk licence decisions on the subscription stream: one decision for many users, all or none or each on
// its own, every refusal listed with its index, user and the code a single assignment or revocation would answer.
import type { Actor } from '../../src/domain/decider';
import { Forbidden, InvalidInput } from '../../src/domain/errors';
import type { Product } from '../../src/domain/plans';
import {
  type AssignLicenses,
  type BulkMode,
  decideLicenses,
  type LicensesDecision,
  MAX_BULK_ITEMS,
  type RevokeLicenses,
  type SubscriptionEvent,
  type SubscriptionState,
  subscriptionDecider,
} from '../../src/domain/subscription';
import type { UserState } from '../../src/domain/user';
import { ACCOUNT, admin, by, member, OTHER_ACCOUNT, owner } from './fixtures';

const VIDEO: Product = 'VIDEO_MEETING';

const user = (userId: string, status: 'active' | 'inactive' = 'active', accountId = ACCOUNT): UserState => ({
  status,
  userId,
  accountId,
  email: `${userId}@example.com`,
  emailNormalized: `${userId}@example.com`,
  name: userId,
  role: 'MEMBER',
});
const ABSENT: UserState = { status: 'absent' };

const purchased = (quantity: number): SubscriptionEvent => ({
  type: 'LicensePurchased',
  data: { accountId: ACCOUNT, product: VIDEO, planId: 'video-standard', quantity },
});
const assigned = (userId: string): SubscriptionEvent => ({
  type: 'LicenseAssigned',
  data: { accountId: ACCOUNT, product: VIDEO, planId: 'video-standard', userId },
});
const revoked = (userId: string, reason: string | null = null): SubscriptionEvent => ({
  type: 'LicenseRevoked',
  data: { accountId: ACCOUNT, product: VIDEO, planId: 'video-standard', userId, reason },
});

const stateOf = (...events: SubscriptionEvent[]): SubscriptionState =>
  events.reduce((s, e) => subscriptionDecider.evolve(s, e), subscriptionDecider.initialState());

const assign = (
  users: readonly (UserState | string)[],
  mode: BulkMode = 'ALL_OR_NOTHING',
  who: Actor = owner,
): AssignLicenses => ({
  type: 'AssignLicenses',
  data: {
    accountId: ACCOUNT,
    product: VIDEO,
    mode,
    items: users.map((u) => (typeof u === 'string' ? { userId: u, user: ABSENT } : { userId: idOf(u), user: u })),
  },
  metadata: by(who),
});
const revoke = (users: readonly UserState[], mode: BulkMode = 'ALL_OR_NOTHING', reason: string | null = null) =>
  ({
    type: 'RevokeLicenses',
    data: { accountId: ACCOUNT, product: VIDEO, mode, reason, items: users.map((u) => ({ userId: idOf(u), user: u })) },
    metadata: by(owner),
  }) satisfies RevokeLicenses;
const idOf = (u: UserState) => (u.status === 'absent' ? 'nobody' : u.userId);

const outcome = (decision: LicensesDecision) => ({
  applied: decision.applied.map((a) => a.userId),
  refused: decision.refused.map((r) => [r.index, r.userId, r.code]),
  before: decision.before,
  after: decision.after,
});

describe('AssignLicenses', () => {
  const [ann, bob, cat, dan] = ['ann', 'bob', 'cat', 'dan'].map((id) => user(id));

  it('given 3 free seats, when 3 users are assigned at once, then one LicenseAssigned each, in the given order', () => {
    const command = assign([ann, bob, cat].map((u) => u as UserState));
    expect(subscriptionDecider.decide(command, stateOf(purchased(3)))).toEqual([
      assigned('ann'),
      assigned('bob'),
      assigned('cat'),
    ]);
    expect(outcome(decideLicenses(command, stateOf(purchased(3))))).toEqual({
      applied: ['ann', 'bob', 'cat'],
      refused: [],
      before: { purchased: 3, assigned: 0, reserved: 0, available: 3 },
      after: { purchased: 3, assigned: 3, reserved: 0, available: 0 },
    });
  });

  it('given 2 free seats, when 3 are assigned ALL_OR_NOTHING, then nothing is decided and the third is refused with NO_SEATS_AVAILABLE', () => {
    const command = assign([ann, bob, cat] as UserState[]);
    expect(subscriptionDecider.decide(command, stateOf(purchased(2)))).toEqual([]);
    expect(outcome(decideLicenses(command, stateOf(purchased(2))))).toEqual({
      applied: [],
      refused: [[2, 'cat', 'NO_SEATS_AVAILABLE']],
      before: { purchased: 2, assigned: 0, reserved: 0, available: 2 },
      after: { purchased: 2, assigned: 0, reserved: 0, available: 2 },
    });
  });

  it('given 2 free seats, when 3 are assigned BEST_EFFORT, then the first two are and the third is listed', () => {
    const command = assign([ann, bob, cat] as UserState[], 'BEST_EFFORT');
    expect(subscriptionDecider.decide(command, stateOf(purchased(2)))).toEqual([assigned('ann'), assigned('bob')]);
    expect(outcome(decideLicenses(command, stateOf(purchased(2)))).refused).toEqual([[2, 'cat', 'NO_SEATS_AVAILABLE']]);
  });

  it('lists every refusal with the code a single assignment answers: unknown, other account, inactive, already holding', () => {
    const stranger = user('eve', 'active', OTHER_ACCOUNT);
    const gone = user('fay', 'inactive');
    const command = assign([ann, 'ghost', stranger, gone, bob, dan] as (UserState | string)[], 'BEST_EFFORT');
    const decision = decideLicenses(command, stateOf(purchased(5), assigned('bob')));
    expect(outcome(decision)).toEqual({
      applied: ['ann', 'dan'],
      refused: [
        [1, 'ghost', 'NOT_FOUND'],
        [2, 'eve', 'NOT_FOUND'],
        [3, 'fay', 'USER_INACTIVE'],
        [4, 'bob', 'ALREADY_ASSIGNED'],
      ],
      before: { purchased: 5, assigned: 1, reserved: 0, available: 4 },
      after: { purchased: 5, assigned: 3, reserved: 0, available: 2 },
    });
    // Another account's user is answered as no user at all, never revealing that the id exists.
    expect(decision.refused[1]?.message).toBe(decision.refused[0]?.message.replace('ghost', 'eve'));
  });

  it('given nothing bought, when assigned in bulk, then each item is refused with NO_SEATS_AVAILABLE', () => {
    expect(outcome(decideLicenses(assign([ann, bob] as UserState[], 'BEST_EFFORT'), stateOf())).refused).toEqual([
      [0, 'ann', 'NO_SEATS_AVAILABLE'],
      [1, 'bob', 'NO_SEATS_AVAILABLE'],
    ]);
  });

  it('refuses the whole operation (no item list) for a MEMBER, as a single assignment', () => {
    expect(() =>
      subscriptionDecider.decide(assign([ann] as UserState[], 'BEST_EFFORT', member), stateOf(purchased(1))),
    ).toThrow(Forbidden);
    expect(() =>
      decideLicenses(assign([ann] as UserState[], 'BEST_EFFORT', admin), stateOf(purchased(1))),
    ).not.toThrow();
  });

  it('refuses a list with a repeated user id, naming the repeat', () => {
    let thrown: unknown;
    try {
      decideLicenses(assign([ann, bob, ann] as UserState[]), stateOf(purchased(3)));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidInput);
    expect(thrown).toMatchObject({ field: 'userIds.2', rule: 'arrayUnique' });
    expect((thrown as Error).message).toMatch(/repeats item 0/);
  });

  it(`refuses more than ${MAX_BULK_ITEMS} items and an empty list`, () => {
    const many = Array.from({ length: MAX_BULK_ITEMS + 1 }, (_, i) => user(`u${i}`));
    expect(() => decideLicenses(assign(many), stateOf(purchased(2000)))).toThrow(
      expect.objectContaining({ field: 'userIds', rule: 'arrayMaxSize' }),
    );
    expect(() => decideLicenses(assign([]), stateOf(purchased(1)))).toThrow(
      expect.objectContaining({ field: 'userIds', rule: 'arrayNotEmpty' }),
    );
  });

  it(`decides ${MAX_BULK_ITEMS} assignments on a large subscription without touching the state it was given`, () => {
    const state = stateOf(purchased(5000), ...Array.from({ length: 3000 }, (_, i) => assigned(`held${i}`)));
    const many = Array.from({ length: MAX_BULK_ITEMS }, (_, i) => user(`u${i}`));
    const decision = decideLicenses(assign(many), state);
    expect(decision.events).toHaveLength(MAX_BULK_ITEMS);
    expect(decision.after).toEqual({ purchased: 5000, assigned: 4000, reserved: 0, available: 1000 });
    expect(state.status === 'active' && state.holders.size).toBe(3000);
  });
});

describe('RevokeLicenses', () => {
  const [ann, bob, cat] = ['ann', 'bob', 'cat'].map((id) => user(id));

  it('given two holders, when both are revoked with a reason, then one LicenseRevoked each carrying it', () => {
    const command = revoke([ann, bob] as UserState[], 'ALL_OR_NOTHING', '  leaving  ');
    expect(subscriptionDecider.decide(command, stateOf(purchased(3), assigned('ann'), assigned('bob')))).toEqual([
      revoked('ann', 'leaving'),
      revoked('bob', 'leaving'),
    ]);
  });

  it('given one holder, when two are revoked ALL_OR_NOTHING, then nothing is decided and the other is NOT_ASSIGNED', () => {
    const state = stateOf(purchased(3), assigned('ann'));
    expect(subscriptionDecider.decide(revoke([ann, cat] as UserState[]), state)).toEqual([]);
    expect(outcome(decideLicenses(revoke([ann, cat] as UserState[], 'BEST_EFFORT'), state))).toEqual({
      applied: ['ann'],
      refused: [[1, 'cat', 'NOT_ASSIGNED']],
      before: { purchased: 3, assigned: 1, reserved: 0, available: 2 },
      after: { purchased: 3, assigned: 0, reserved: 0, available: 3 },
    });
  });

  it('refuses a reason over 500 characters for the whole operation', () => {
    expect(() =>
      decideLicenses(
        revoke([ann] as UserState[], 'BEST_EFFORT', 'x'.repeat(501)),
        stateOf(purchased(1), assigned('ann')),
      ),
    ).toThrow(InvalidInput);
  });
});
