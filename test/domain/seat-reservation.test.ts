// Specs of seats held for invitations on the subscription stream: held only while assigned + reserved < purchased,
// converted into a licence once (never counted twice), cancelled, expired by the system only when due, and
// releaseLicenses never below assigned + reserved.
import fc from 'fast-check';
import { type Actor, foldEvents, systemActor } from '../../src/domain/decider';
import { AlreadyAssigned, Forbidden, InvalidInput, InvitationExpired, NoSeatsAvailable } from '../../src/domain/errors';
import type { Product } from '../../src/domain/plans';
import {
  type AssignLicense,
  type CancelSeatReservation,
  type ConvertSeatReservation,
  type ExpireSeatReservation,
  type LicenseAssigned,
  type LicensePurchased,
  type ReleaseLicenses,
  type ReserveSeat,
  type SeatReservationCancelled,
  type SeatReservationConverted,
  type SeatReservationExpired,
  type SeatReserved,
  type SubscriptionEvent,
  seatCounts,
  subscriptionDecider,
} from '../../src/domain/subscription';
import type { UserState } from '../../src/domain/user';
import { given } from '../support/given';
import { ACCOUNT, actor, admin, by, member, NOW, owner } from './fixtures';

const VIDEO: Product = 'VIDEO_MEETING';
const LATER = new Date(NOW.getTime() + 3_600_000).toISOString();
const EARLIER = new Date(NOW.getTime() - 1).toISOString();
const invitee = (userId = 'ivy'): Actor => actor('MEMBER', userId);
const system = systemActor('admin-1');

const purchased = (quantity: number): LicensePurchased => ({
  type: 'LicensePurchased',
  data: { accountId: ACCOUNT, product: VIDEO, planId: 'video-standard', quantity },
});
const assigned = (userId: string): LicenseAssigned => ({
  type: 'LicenseAssigned',
  data: { accountId: ACCOUNT, product: VIDEO, planId: 'video-standard', userId },
});
const reserved = (invitationId: string, userId = `u-${invitationId}`, expiresAt = LATER): SeatReserved => ({
  type: 'SeatReserved',
  data: { accountId: ACCOUNT, product: VIDEO, invitationId, userId, expiresAt },
});
const converted = (invitationId: string, userId = `u-${invitationId}`): SeatReservationConverted => ({
  type: 'SeatReservationConverted',
  data: { accountId: ACCOUNT, product: VIDEO, invitationId, userId },
});
const cancelled = (invitationId: string, userId = `u-${invitationId}`): SeatReservationCancelled => ({
  type: 'SeatReservationCancelled',
  data: { accountId: ACCOUNT, product: VIDEO, invitationId, userId },
});
const expired = (invitationId: string, expiresAt: string, userId = `u-${invitationId}`): SeatReservationExpired => ({
  type: 'SeatReservationExpired',
  data: { accountId: ACCOUNT, product: VIDEO, invitationId, userId, expiresAt },
});

const reserve = (invitationId: string, who: Actor = owner, expiresAt = LATER): ReserveSeat => ({
  type: 'ReserveSeat',
  data: { accountId: ACCOUNT, product: VIDEO, invitationId, userId: `u-${invitationId}`, expiresAt },
  metadata: by(who),
});
const convert = (
  invitationId: string,
  who: Actor = invitee(`u-${invitationId}`),
  now = NOW,
): ConvertSeatReservation => ({
  type: 'ConvertSeatReservation',
  data: { accountId: ACCOUNT, product: VIDEO, invitationId },
  metadata: { actor: who, now },
});
const cancel = (invitationId: string, who: Actor | typeof system = owner): CancelSeatReservation => ({
  type: 'CancelSeatReservation',
  data: { accountId: ACCOUNT, product: VIDEO, invitationId },
  metadata: { actor: who, now: NOW },
});
const expire = (invitationId: string, who: Actor | typeof system = system): ExpireSeatReservation => ({
  type: 'ExpireSeatReservation',
  data: { accountId: ACCOUNT, product: VIDEO, invitationId },
  metadata: { actor: who, now: NOW },
});
const release = (quantity: number): ReleaseLicenses => ({
  type: 'ReleaseLicenses',
  data: { accountId: ACCOUNT, product: VIDEO, quantity },
  metadata: by(owner),
});
const activeUser = (userId: string): UserState => ({
  status: 'active',
  userId,
  accountId: ACCOUNT,
  email: `${userId}@example.com`,
  emailNormalized: `${userId}@example.com`,
  name: userId,
  role: 'MEMBER',
});
const assign = (userId: string): AssignLicense => ({
  type: 'AssignLicense',
  data: { accountId: ACCOUNT, product: VIDEO, userId, user: activeUser(userId) },
  metadata: by(owner),
});

describe('seat reservations: ReserveSeat', () => {
  it.each([owner, admin])('the $role holds a free seat for an invitation', (who) => {
    given(subscriptionDecider, purchased(2))
      .when(reserve('inv-1', who))
      .then([reserved('inv-1')]);
  });

  it('refuses a MEMBER', () => {
    given(subscriptionDecider, purchased(2)).when(reserve('inv-1', member)).thenThrows(Forbidden);
  });

  it('counts held seats as taken: assigned + reserved never exceeds purchased', () => {
    given(subscriptionDecider, purchased(2), assigned('ann'), reserved('inv-1'))
      .when(reserve('inv-2'))
      .thenThrows(NoSeatsAvailable, /held for invitations \(1 assigned, 1 held\)/);
  });

  it('refuses with NO_SEATS_AVAILABLE where nothing was bought', () => {
    given(subscriptionDecider).when(reserve('inv-1')).thenThrows(NoSeatsAvailable);
  });

  it('a retry for the same invitation holds nothing more', () => {
    given(subscriptionDecider, purchased(1), reserved('inv-1')).when(reserve('inv-1')).then([]);
  });

  it('refuses a user who holds the licence already', () => {
    given(subscriptionDecider, purchased(3), assigned('u-inv-1')).when(reserve('inv-1')).thenThrows(AlreadyAssigned);
  });

  it('a held seat is not assignable: AssignLicense sees it as taken', () => {
    given(subscriptionDecider, purchased(1), reserved('inv-1')).when(assign('bob')).thenThrows(NoSeatsAvailable);
  });
});

describe('seat reservations: ConvertSeatReservation', () => {
  it('the invited user turns the held seat into a licence: converted, then assigned, in one decision', () => {
    given(subscriptionDecider, purchased(1), reserved('inv-1'))
      .when(convert('inv-1'))
      .then([converted('inv-1'), assigned('u-inv-1')]);
  });

  it('never counts the seat twice: after the conversion one seat is assigned and none held', () => {
    const state = foldEvents(subscriptionDecider, subscriptionDecider.initialState(), [
      purchased(1),
      reserved('inv-1'),
      converted('inv-1'),
      assigned('u-inv-1'),
    ]);
    expect(seatCounts(state)).toEqual({ purchased: 1, assigned: 1, reserved: 0, available: 0 });
  });

  it('a user assigned the licence meanwhile keeps it; the held seat is given back', () => {
    given(subscriptionDecider, purchased(2), reserved('inv-1'), assigned('u-inv-1'))
      .when(convert('inv-1'))
      .then([converted('inv-1')]);
  });

  it('refuses anyone but the invited user', () => {
    given(subscriptionDecider, purchased(1), reserved('inv-1')).when(convert('inv-1', owner)).thenThrows(Forbidden);
  });

  it.each([
    ['cancelled', [purchased(1), reserved('inv-1'), cancelled('inv-1')]],
    ['expired', [purchased(1), reserved('inv-1', 'u-inv-1', EARLIER), expired('inv-1', EARLIER)]],
    ['never held', [purchased(1)]],
  ] as [string, SubscriptionEvent[]][])('refuses with INVITATION_EXPIRED a seat %s', (_, events) => {
    given(subscriptionDecider, ...events)
      .when(convert('inv-1'))
      .thenThrows(InvitationExpired);
  });

  it('refuses at or after its expiry even before the reactor wrote it', () => {
    given(subscriptionDecider, purchased(1), reserved('inv-1', 'u-inv-1', NOW.toISOString()))
      .when(convert('inv-1'))
      .thenThrows(InvitationExpired);
  });
});

describe('seat reservations: CancelSeatReservation and ExpireSeatReservation', () => {
  it.each([owner, admin, system])('cancelling frees the held seat (by %p)', (who) => {
    given(subscriptionDecider, purchased(1), reserved('inv-1'))
      .when(cancel('inv-1', who))
      .then([cancelled('inv-1')]);
  });

  it('refuses a MEMBER cancelling', () => {
    given(subscriptionDecider, purchased(1), reserved('inv-1')).when(cancel('inv-1', member)).thenThrows(Forbidden);
  });

  it('cancelling a seat no longer held records nothing', () => {
    given(subscriptionDecider, purchased(1), reserved('inv-1'), cancelled('inv-1')).when(cancel('inv-1')).then([]);
  });

  it('the system expires a held seat at or after its expiry, with the expiry it had', () => {
    given(subscriptionDecider, purchased(1), reserved('inv-1', 'u-inv-1', EARLIER))
      .when(expire('inv-1'))
      .then([expired('inv-1', EARLIER)]);
  });

  it('before its expiry, expiring records nothing', () => {
    given(subscriptionDecider, purchased(1), reserved('inv-1')).when(expire('inv-1')).then([]);
  });

  it('only the system expires', () => {
    given(subscriptionDecider, purchased(1), reserved('inv-1', 'u-inv-1', EARLIER))
      .when(expire('inv-1', owner))
      .thenThrows(Forbidden);
  });

  it('the system may not hold seats', () => {
    given(subscriptionDecider, purchased(1))
      .when({ ...reserve('inv-1'), metadata: { actor: system, now: NOW } } as unknown as ReserveSeat)
      .thenThrows(Forbidden);
  });
});

describe('seat reservations: ReleaseLicenses', () => {
  it('never releases below assigned + reserved', () => {
    given(subscriptionDecider, purchased(5), assigned('ann'), reserved('inv-1'), reserved('inv-2'))
      .when(release(3))
      .thenThrows(InvalidInput, /at most 2 of 5 seats can be released: 1 are assigned, 2 held for invitations/);
    given(subscriptionDecider, purchased(5), assigned('ann'), reserved('inv-1'), reserved('inv-2'))
      .when(release(2))
      .then([{ type: 'LicensesReleased', data: { accountId: ACCOUNT, product: VIDEO, quantity: 2 } }]);
  });
});

describe('seat reservations: the invariant under any sequence of decisions', () => {
  type Kind = 'reserve' | 'convert' | 'cancel' | 'expire' | 'assign' | 'release';
  const step = fc.record({
    kind: fc.constantFrom<Kind>('reserve', 'convert', 'cancel', 'expire', 'assign', 'release'),
    n: fc.integer({ min: 0, max: 7 }),
  });
  const commandOf = ({ kind, n }: { kind: Kind; n: number }) => {
    switch (kind) {
      case 'reserve':
        return reserve(`inv-${n}`, owner, n % 2 ? LATER : EARLIER);
      case 'convert':
        return convert(`inv-${n}`);
      case 'cancel':
        return cancel(`inv-${n}`);
      case 'expire':
        return expire(`inv-${n}`);
      case 'assign':
        return assign(`user-${n}`);
      case 'release':
        return release(n + 1);
    }
  };

  it('assigned + reserved ≤ purchased after every accepted decision, and batch fold equals evolve', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(step, { maxLength: 40 }), (bought, steps) => {
        let events: SubscriptionEvent[] = [purchased(bought)];
        let state = subscriptionDecider.evolve(subscriptionDecider.initialState(), events[0] as SubscriptionEvent);
        for (const s of steps) {
          const command = commandOf(s);
          let decided: SubscriptionEvent[] = [];
          try {
            decided = subscriptionDecider.decide(command, state);
          } catch {
            continue;
          }
          for (const event of decided) state = subscriptionDecider.evolve(state, event);
          events = [...events, ...decided];
          const seats = seatCounts(state);
          expect(seats.assigned + seats.reserved).toBeLessThanOrEqual(seats.purchased);
          expect(seats.available).toBe(seats.purchased - seats.assigned - seats.reserved);
        }
        const batch = foldEvents(subscriptionDecider, subscriptionDecider.initialState(), events);
        expect(seatCounts(batch)).toEqual(seatCounts(state));
      }),
    );
  });
});
