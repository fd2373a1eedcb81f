// The subscription stream `subscription-<accountId>-<product>`: every change to one product's seats is an
// append here with the expected revision, which is what keeps assigned + reserved ≤ purchased under concurrency.
// A seat held for a pending invitation is a reservation on this stream, in the same decision that counts seats:
// it ends converted into a licence (never counted twice), cancelled, or expired (written by a reactor, so the
// expiry is a fact of the log and a replay never reads a clock).
import {
  assertNever,
  type Command,
  type CommandMetadata,
  type Decider,
  type Event,
  type FoldOptions,
  isSystemActor,
  type ReactorCommandMetadata,
  requireOwnAccount,
  requireRole,
} from './decider';
import {
  AlreadyAssigned,
  DomainError,
  Forbidden,
  InvalidInput,
  InvitationExpired,
  NoSeatsAvailable,
  NotAnUpgrade,
  NotAssigned,
  NotFound,
  PlanMismatch,
  UserInactive,
} from './errors';
import { findPlan, type Plan, type Product } from './plans';
import { personOf, type UserState } from './user';

export type LicensePurchased = Event<
  'LicensePurchased',
  { accountId: string; product: Product; planId: string; quantity: number }
>;
export type PlanUpgraded = Event<
  'PlanUpgraded',
  { accountId: string; product: Product; fromPlanId: string; toPlanId: string }
>;
export type LicensesReleased = Event<'LicensesReleased', { accountId: string; product: Product; quantity: number }>;
export type LicenseAssigned = Event<
  'LicenseAssigned',
  { accountId: string; product: Product; planId: string; userId: string }
>;
export type LicenseRevoked = Event<
  'LicenseRevoked',
  { accountId: string; product: Product; planId: string; userId: string; reason: string | null }
>;
/** A seat is held for an invitation until `expiresAt` (ISO-8601). */
export type SeatReserved = Event<
  'SeatReserved',
  { accountId: string; product: Product; invitationId: string; userId: string; expiresAt: string }
>;
/** The held seat became the user's licence: always followed, in the same append, by its LicenseAssigned (if new). */
export type SeatReservationConverted = Event<
  'SeatReservationConverted',
  { accountId: string; product: Product; invitationId: string; userId: string }
>;
/** The held seat was freed: the invitation was cancelled, or its other seats could not all be held. */
export type SeatReservationCancelled = Event<
  'SeatReservationCancelled',
  { accountId: string; product: Product; invitationId: string; userId: string }
>;
/** The held seat was freed because the invitation lapsed (written by the expiry reactor at or after `expiresAt`). */
export type SeatReservationExpired = Event<
  'SeatReservationExpired',
  { accountId: string; product: Product; invitationId: string; userId: string; expiresAt: string }
>;
export type SubscriptionEvent =
  | LicensePurchased
  | PlanUpgraded
  | LicensesReleased
  | LicenseAssigned
  | LicenseRevoked
  | SeatReserved
  | SeatReservationConverted
  | SeatReservationCancelled
  | SeatReservationExpired;

export type PurchaseLicenses = Command<
  'PurchaseLicenses',
  { accountId: string; product: Product; planId: string; quantity: number }
>;
export type UpgradePlan = Command<'UpgradePlan', { accountId: string; product: Product; planId: string }>;
export type ReleaseLicenses = Command<'ReleaseLicenses', { accountId: string; product: Product; quantity: number }>;
/** `user` is the assignee's current state, read by the handler from their stream (absent if unknown). */
export type AssignLicense = Command<
  'AssignLicense',
  { accountId: string; product: Product; userId: string; user: UserState }
>;
export type RevokeLicense = Command<
  'RevokeLicense',
  {
    accountId: string;
    product: Product;
    userId: string;
    reason: string | null;
    /** The holder's own state: an unknown user or one of another account is NOT_FOUND, not NOT_ASSIGNED. */
    user?: UserState;
  },
  /** An OWNER or ADMIN, or the system (the deactivation reactor revoking a deactivated user's licences). */
  ReactorCommandMetadata
>;
/** Holds a seat for a new invitation (its user is created with it, so there is no user state to check yet). */
export type ReserveSeat = Command<
  'ReserveSeat',
  { accountId: string; product: Product; invitationId: string; userId: string; expiresAt: string }
>;
/** The invited user accepts: their held seat becomes a licence. The actor is that user. */
export type ConvertSeatReservation = Command<
  'ConvertSeatReservation',
  { accountId: string; product: Product; invitationId: string }
>;
/** An OWNER or ADMIN cancels the invitation, or the system gives back the seats of an invitation it could not finish. */
export type CancelSeatReservation = Command<
  'CancelSeatReservation',
  { accountId: string; product: Product; invitationId: string },
  ReactorCommandMetadata
>;
/** The expiry reactor, at or after the reservation's `expiresAt`: only the system issues it. */
export type ExpireSeatReservation = Command<
  'ExpireSeatReservation',
  { accountId: string; product: Product; invitationId: string },
  ReactorCommandMetadata
>;
export type SubscriptionCommand =
  | PurchaseLicenses
  | UpgradePlan
  | ReleaseLicenses
  | AssignLicense
  | RevokeLicense
  | AssignLicenses
  | RevokeLicenses
  | ReserveSeat
  | ConvertSeatReservation
  | CancelSeatReservation
  | ExpireSeatReservation;

/** A seat held for an invitation. */
export interface Reservation {
  readonly userId: string;
  /** ISO-8601. */
  readonly expiresAt: string;
}

const MAX_SEATS_PER_PURCHASE = 10_000;
const MAX_SEATS_PER_SUBSCRIPTION = 1_000_000;

export type SubscriptionState =
  | { readonly status: 'none' }
  | {
      readonly status: 'active';
      readonly accountId: string;
      readonly product: Product;
      readonly planId: string;
      readonly purchased: number;
      /** The users holding a licence of this product. */
      readonly holders: ReadonlySet<string>;
      /** Seats held for pending invitations, by invitation id. */
      readonly reservations: ReadonlyMap<string, Reservation>;
    };

const MAX_REASON_LENGTH = 500;

/** Seats of one product: the one arithmetic every rule, read and invariant check uses. */
export interface SeatCounts {
  readonly purchased: number;
  readonly assigned: number;
  /** Held for pending invitations. */
  readonly reserved: number;
  /** purchased − assigned − reserved */
  readonly available: number;
}

/** The seats of a subscription state; nothing bought yet is zero of each. */
export function seatCounts(state: SubscriptionState): SeatCounts {
  if (state.status !== 'active') return { purchased: 0, assigned: 0, reserved: 0, available: 0 };
  const assigned = state.holders.size;
  const reserved = state.reservations.size;
  return { purchased: state.purchased, assigned, reserved, available: state.purchased - assigned - reserved };
}

type ActiveSubscription = Extract<SubscriptionState, { status: 'active' }>;
/** A private, mutable copy that a fold writes into, so a batch costs one copy of the holders. */
type Draft = {
  -readonly [K in Exclude<keyof ActiveSubscription, 'status' | 'holders' | 'reservations'>]: ActiveSubscription[K];
} & {
  holders: Set<string>;
  reservations: Map<string, Reservation>;
};

function applyEvent(draft: Draft | null, event: SubscriptionEvent): Draft | null {
  if (event.type === 'LicensePurchased') {
    const { accountId, product, planId, quantity } = event.data;
    if (!draft) return { accountId, product, planId, purchased: quantity, holders: new Set(), reservations: new Map() };
    draft.purchased += quantity;
    return draft;
  }
  // Every other event follows the first purchase in its stream; before it there is nothing to change.
  if (!draft) return draft;
  switch (event.type) {
    case 'PlanUpgraded':
      draft.planId = event.data.toPlanId;
      return draft;
    case 'LicensesReleased':
      draft.purchased -= event.data.quantity;
      return draft;
    case 'LicenseAssigned':
      draft.holders.add(event.data.userId);
      return draft;
    case 'LicenseRevoked':
      draft.holders.delete(event.data.userId);
      return draft;
    case 'SeatReserved':
      draft.reservations.set(event.data.invitationId, { userId: event.data.userId, expiresAt: event.data.expiresAt });
      return draft;
    // The LicenseAssigned that follows a conversion adds the holder: the seat moves, it is never counted twice.
    case 'SeatReservationConverted':
    case 'SeatReservationCancelled':
    case 'SeatReservationExpired':
      draft.reservations.delete(event.data.invitationId);
      return draft;
    default:
      return assertNever(event);
  }
}

function foldSubscription(
  state: SubscriptionState,
  events: readonly SubscriptionEvent[],
  options?: FoldOptions,
): SubscriptionState {
  let draft: Draft | null = null;
  if (state.status === 'active') {
    const { holders, reservations } = state;
    const ownsHolders = options?.inPlace && holders instanceof Set;
    const ownsReservations = options?.inPlace && reservations instanceof Map;
    draft = {
      ...state,
      holders: ownsHolders ? (holders as Set<string>) : new Set(holders),
      reservations: ownsReservations ? (reservations as Map<string, Reservation>) : new Map(reservations),
    };
  }
  for (const event of events) draft = applyEvent(draft, event);
  if (!draft) return state;
  const { accountId, product, planId, purchased, holders, reservations } = draft;
  return { status: 'active', accountId, product, planId, purchased, holders, reservations };
}

/** NO_SEATS_AVAILABLE with the counts it was decided on: the held seats are part of what is taken. */
function noSeats(state: ActiveSubscription, forWhom: string): NoSeatsAvailable {
  const seats = seatCounts(state);
  const taken =
    seats.reserved > 0
      ? `are assigned or held for invitations (${seats.assigned} assigned, ${seats.reserved} held)`
      : 'are assigned';
  return new NoSeatsAvailable(
    `all ${state.purchased} ${state.product} seats ${taken}: none left for ${forWhom}`,
    seats,
  );
}

/** Nothing bought yet: zero seats, all of them taken. */
const noneBought = (product: Product, forWhom: string): NoSeatsAvailable =>
  new NoSeatsAvailable(`no ${product} seats are bought: none for ${forWhom}`, seatCounts({ status: 'none' }));

function planOf(planId: string, product: Product): Plan {
  const plan = findPlan(planId);
  if (!plan) throw new NotFound('plan', `plan ${planId} not found`);
  // The catalog is public, so the plan is not hidden: the pair of inputs is what is wrong.
  if (plan.product !== product)
    throw new InvalidInput(
      'plan',
      `${planName(planId)} is a plan of ${plan.product}, not of ${product}`,
      'planOfProduct',
    );
  return plan;
}

/** A plan as messages name it: its name, with the id a client sends. */
const planName = (planId: string): string => {
  const plan = findPlan(planId);
  return plan ? `${plan.name} (${planId})` : planId;
};

/** Refuses a quantity outside [min, max], naming the rule it breaks as the GraphQL validators name theirs. */
function requireWholeNumber(field: string, value: number, min: number, max: number): void {
  const rule = !Number.isInteger(value) ? 'isInt' : value < min ? 'min' : value > max ? 'max' : null;
  if (rule) throw new InvalidInput(field, `must be a whole number from ${min} to ${max}`, rule);
}

function activeOrNotFound(state: SubscriptionState, product: Product): ActiveSubscription {
  if (state.status !== 'active') throw new NotFound('subscription', `no subscription to ${product}`);
  return state;
}

function requireSeatManager(command: Exclude<SubscriptionCommand, ConvertSeatReservation>, action: string): void {
  const { actor } = command.metadata;
  // The system only revokes (a reactor carrying out a deactivation) and frees held seats (expiry, a half-made
  // invitation); the account is the command's own.
  if (isSystemActor(actor)) {
    const systemMay =
      command.type === 'RevokeLicense' ||
      command.type === 'CancelSeatReservation' ||
      command.type === 'ExpireSeatReservation';
    if (!systemMay) throw new Forbidden(`only OWNER or ADMIN may ${action}`);
    return;
  }
  // Expiry is the system's: a lapse is a fact of the clock, written by the expiry reactor, never a person's act.
  if (command.type === 'ExpireSeatReservation') throw new Forbidden('invitations expire on their own');
  requireRole(actor, action, 'OWNER', 'ADMIN');
  requireOwnAccount(actor, command.data.accountId, 'subscription');
}

/** Ids of no user and of another account's users answer alike: never reveal that an id exists elsewhere. */
function requireAccountUser(
  user: UserState,
  userId: string,
  accountId: string,
): Exclude<UserState, { status: 'absent' }> {
  if (user.status === 'absent' || user.userId !== userId || user.accountId !== accountId) {
    throw new NotFound('user', `user ${userId} not found`);
  }
  return user;
}

export const subscriptionDecider: Decider<SubscriptionState, SubscriptionCommand, SubscriptionEvent> = {
  initialState: () => ({ status: 'none' }),

  decide: (command, state) => {
    switch (command.type) {
      case 'PurchaseLicenses': {
        requireSeatManager(command, 'buy licences');
        const { accountId, product, planId, quantity } = command.data;
        planOf(planId, product);
        requireWholeNumber('quantity', quantity, 1, MAX_SEATS_PER_PURCHASE);
        if (state.status === 'active') {
          if (state.planId !== planId) {
            throw new PlanMismatch(
              `the ${product} subscription is on ${planName(state.planId)}, not ${planName(planId)}: upgrade instead`,
            );
          }
          if (state.purchased + quantity > MAX_SEATS_PER_SUBSCRIPTION) {
            throw new InvalidInput(
              'quantity',
              `a subscription holds at most ${MAX_SEATS_PER_SUBSCRIPTION} seats; ${state.purchased} are bought`,
              'maxSeatsPerSubscription',
            );
          }
        }
        return [{ type: 'LicensePurchased', data: { accountId, product, planId, quantity } }];
      }
      case 'UpgradePlan': {
        requireSeatManager(command, 'upgrade plans');
        const { accountId, product, planId } = command.data;
        const subscription = activeOrNotFound(state, product);
        const target = planOf(planId, product);
        const current = findPlan(subscription.planId);
        if (current && target.rank <= current.rank) {
          throw new NotAnUpgrade(
            `${planName(planId)} does not rank above the current plan ${planName(subscription.planId)}`,
          );
        }
        return [
          { type: 'PlanUpgraded', data: { accountId, product, fromPlanId: subscription.planId, toPlanId: planId } },
        ];
      }
      case 'ReleaseLicenses': {
        requireSeatManager(command, 'release licences');
        const { accountId, product, quantity } = command.data;
        const subscription = activeOrNotFound(state, product);
        requireWholeNumber('quantity', quantity, 1, MAX_SEATS_PER_SUBSCRIPTION);
        // BAD_USER_INPUT on `quantity` rather than NO_SEATS_AVAILABLE: seats may well be free, just fewer than asked,
        // and the message can say how many may go.
        const seats = seatCounts(subscription);
        if (quantity > seats.available) {
          throw new InvalidInput(
            'quantity',
            `at most ${seats.available} of ${seats.purchased} seats can be released: ${seats.assigned} are assigned` +
              (seats.reserved > 0 ? `, ${seats.reserved} held for invitations` : ''),
            'maxReleasable',
          );
        }
        return [{ type: 'LicensesReleased', data: { accountId, product, quantity } }];
      }
      case 'AssignLicense': {
        requireSeatManager(command, 'assign licences');
        const { accountId, product, userId } = command.data;
        const user = requireAccountUser(command.data.user, userId, accountId);
        const person = personOf(user);
        if (user.status === 'inactive') throw new UserInactive(`${person} is deactivated`);
        // Nothing bought yet is zero seats, all of them taken: NO_SEATS_AVAILABLE, as a buyer would expect.
        if (state.status !== 'active') throw noneBought(product, person);
        if (state.holders.has(userId)) throw new AlreadyAssigned(`${person} already holds a ${product} licence`);
        if (seatCounts(state).available <= 0) throw noSeats(state, person);
        return [{ type: 'LicenseAssigned', data: { accountId, product, planId: state.planId, userId } }];
      }
      case 'RevokeLicense': {
        requireSeatManager(command, 'revoke licences');
        const { accountId, product, userId } = command.data;
        const user = command.data.user ? requireAccountUser(command.data.user, userId, accountId) : null;
        const reason = command.data.reason?.trim() || null;
        if (reason && reason.length > MAX_REASON_LENGTH) {
          throw new InvalidInput('reason', `must be at most ${MAX_REASON_LENGTH} characters`, 'maxLength');
        }
        if (state.status !== 'active' || !state.holders.has(userId)) {
          throw new NotAssigned(`${user ? personOf(user) : `user ${userId}`} holds no ${product} licence`);
        }
        return [{ type: 'LicenseRevoked', data: { accountId, product, planId: state.planId, userId, reason } }];
      }
      case 'AssignLicenses':
      case 'RevokeLicenses': {
        const decision = decideLicenses(command, state);
        command.metadata.onDecided?.(decision);
        return decision.events;
      }
      case 'ReserveSeat': {
        requireSeatManager(command, 'invite users');
        const { accountId, product, invitationId, userId, expiresAt } = command.data;
        if (state.status !== 'active') throw noneBought(product, 'the invitation');
        const held = state.reservations.get(invitationId);
        // The same invitation asking again (a retry) holds nothing more.
        if (held && held.userId === userId) return [];
        if (held) throw new InvalidInput('invitationId', `invitation ${invitationId} holds a seat for another user`);
        if (state.holders.has(userId)) throw new AlreadyAssigned(`user ${userId} already holds a ${product} licence`);
        if (Number.isNaN(Date.parse(expiresAt))) throw new InvalidInput('expiresIn', 'gives no valid expiry');
        if (seatCounts(state).available <= 0) throw noSeats(state, 'the invitation');
        return [{ type: 'SeatReserved', data: { accountId, product, invitationId, userId, expiresAt } }];
      }
      case 'ConvertSeatReservation': {
        const { accountId, product, invitationId } = command.data;
        const { actor, now } = command.metadata;
        const held = state.status === 'active' ? state.reservations.get(invitationId) : undefined;
        // Only the invited user, in their own account, turns their seat into a licence.
        if (held && (actor.userId !== held.userId || actor.accountId !== accountId)) {
          throw new Forbidden('only the invited user may accept an invitation');
        }
        // Freed already (cancelled, expired) or past its expiry and about to be: the invitation has lapsed.
        if (state.status !== 'active' || !held || Date.parse(held.expiresAt) <= now.getTime()) {
          throw new InvitationExpired(`the ${product} seat of this invitation is no longer held`);
        }
        const converted: SeatReservationConverted = {
          type: 'SeatReservationConverted',
          data: { accountId, product, invitationId, userId: held.userId },
        };
        // Assigned meanwhile by an admin: the held seat is given back, the licence they hold stays.
        if (state.holders.has(held.userId)) return [converted];
        return [
          converted,
          { type: 'LicenseAssigned', data: { accountId, product, planId: state.planId, userId: held.userId } },
        ];
      }
      case 'CancelSeatReservation': {
        requireSeatManager(command, 'cancel invitations');
        const { accountId, product, invitationId } = command.data;
        const held = state.status === 'active' ? state.reservations.get(invitationId) : undefined;
        if (!held) return [];
        return [{ type: 'SeatReservationCancelled', data: { accountId, product, invitationId, userId: held.userId } }];
      }
      case 'ExpireSeatReservation': {
        requireSeatManager(command, 'expire invitations');
        const { accountId, product, invitationId } = command.data;
        const held = state.status === 'active' ? state.reservations.get(invitationId) : undefined;
        // Gone already, or not due yet: nothing to record (the reactor looks again on its next tick).
        if (!held || Date.parse(held.expiresAt) > command.metadata.now.getTime()) return [];
        const { userId, expiresAt } = held;
        return [{ type: 'SeatReservationExpired', data: { accountId, product, invitationId, userId, expiresAt } }];
      }
      default:
        return assertNever(command);
    }
  },

  evolve: (state, event) => foldSubscription(state, [event]),
  fold: foldSubscription,
};

// --- Many at once: one decision and one append for up to MAX_BULK_ITEMS users of one product.

export type BulkMode = 'ALL_OR_NOTHING' | 'BEST_EFFORT';

/** At most this many users per bulk command. */
export const MAX_BULK_ITEMS = 1000;

/** One user of a bulk command, with their state as the handler read it from their stream (absent if unknown). */
export interface BulkLicenseItem {
  readonly userId: string;
  readonly user: UserState;
}

/** One item a bulk decision refused: its position in the list and the code a single command would answer. */
export interface BulkItemRefusal {
  readonly index: number;
  readonly userId: string;
  readonly code: string;
  readonly message: string;
}

/** What a bulk decision applies (or, with refusals in ALL_OR_NOTHING, would have) and refuses, with the seats. */
export interface LicensesDecision {
  /** The events to append: empty when ALL_OR_NOTHING refused an item. */
  readonly events: (LicenseAssigned | LicenseRevoked)[];
  /** The items the events are of, in order. */
  readonly applied: readonly { readonly index: number; readonly userId: string }[];
  readonly refused: readonly BulkItemRefusal[];
  readonly before: SeatCounts;
  readonly after: SeatCounts;
}

/**
 * The caller sees the decision the append was made of (a retry decides again: the last one seen is it). Only
 * observes: what is decided depends on the command and the state alone.
 */
interface BulkCommandMetadata extends CommandMetadata {
  readonly onDecided?: (decision: LicensesDecision) => void;
}

export type AssignLicenses = Command<
  'AssignLicenses',
  { accountId: string; product: Product; mode: BulkMode; items: readonly BulkLicenseItem[] },
  BulkCommandMetadata
>;
export type RevokeLicenses = Command<
  'RevokeLicenses',
  { accountId: string; product: Product; mode: BulkMode; items: readonly BulkLicenseItem[]; reason: string | null },
  BulkCommandMetadata
>;

/** Refuses an empty list, one over the bound, and a user named twice (naming the repeat and the first). */
function requireBulkList(items: readonly BulkLicenseItem[]): void {
  if (items.length === 0) throw new InvalidInput('userIds', 'must name at least one user', 'arrayNotEmpty');
  if (items.length > MAX_BULK_ITEMS) {
    throw new InvalidInput('userIds', `must name at most ${MAX_BULK_ITEMS} users, not ${items.length}`, 'arrayMaxSize');
  }
  const seen = new Map<string, number>();
  items.forEach(({ userId }, index) => {
    const first = seen.get(userId);
    if (first !== undefined) {
      throw new InvalidInput(`userIds.${index}`, `item ${index} repeats item ${first} (${userId})`, 'arrayUnique');
    }
    seen.set(userId, index);
  });
}

/**
 * Decides each item as the single AssignLicense or RevokeLicense would, in order, on a private copy of the state
 * that takes each accepted item's event (so seats run out where they would for commands one after the other).
 * Whole-operation refusals (role, list, reason) throw; an item's refusal is listed. ALL_OR_NOTHING with any item
 * refused decides no event.
 */
export function decideLicenses(command: AssignLicenses | RevokeLicenses, state: SubscriptionState): LicensesDecision {
  requireSeatManager(command, command.type === 'AssignLicenses' ? 'assign licences' : 'revoke licences');
  requireBulkList(command.data.items);
  const { accountId, product } = command.data;
  const reason = command.type === 'RevokeLicenses' ? command.data.reason?.trim() || null : null;
  if (reason && reason.length > MAX_REASON_LENGTH) {
    throw new InvalidInput('reason', `must be at most ${MAX_REASON_LENGTH} characters`, 'maxLength');
  }
  const before = seatCounts(state);
  // One copy of the holders (a fold of nothing copies them) for the whole list; each accepted item's event is folded
  // into it in place, so the state given stays as it was.
  let working = foldSubscription(state, []);
  const events: (LicenseAssigned | LicenseRevoked)[] = [];
  const applied: { index: number; userId: string }[] = [];
  const refused: BulkItemRefusal[] = [];
  command.data.items.forEach(({ userId, user }, index) => {
    const metadata = { actor: command.metadata.actor, now: command.metadata.now };
    const single: AssignLicense | RevokeLicense =
      command.type === 'AssignLicenses'
        ? { type: 'AssignLicense', data: { accountId, product, userId, user }, metadata }
        : { type: 'RevokeLicense', data: { accountId, product, userId, user, reason }, metadata };
    try {
      const decided = subscriptionDecider.decide(single, working) as (LicenseAssigned | LicenseRevoked)[];
      working = foldSubscription(working, decided, { inPlace: true });
      events.push(...decided);
      applied.push({ index, userId });
    } catch (refusal) {
      if (!(refusal instanceof DomainError)) throw refusal;
      refused.push({ index, userId, code: refusal.code, message: refusal.message });
    }
  });
  if (command.data.mode === 'ALL_OR_NOTHING' && refused.length > 0) {
    return { events: [], applied: [], refused, before, after: before };
  }
  return { events, applied, refused, before, after: seatCounts(working) };
}
