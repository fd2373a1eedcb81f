// Every event the log may hold, as one union of the streams' own unions, and the typed view of a recorded event:
// projections, reactors and the CLI narrow a recorded event with these guards and switch on its `type`, so its
// `data` is typed without a cast.
import type { AccountEvent } from './account';
import type { CredentialsEvent } from './credentials';
import type { EffectClaimEvent } from './effect-claim';
import type { EmailEvent } from './email';
import { EVENT_VERSIONS } from './event-schemas';
import type { IdempotencyEvent } from './idempotency';
import type { InvitationEvent } from './invitation';
import type { InvitationTokenEvent } from './invitation-token';
import type { SeatAlertEvent } from './seat-alert';
import type { SessionEvent } from './session';
import type { SubscriptionEvent } from './subscription';
import type { UserEvent } from './user';
import type { WebhookSecretEvent } from './webhook-secret';

export type {
  AccountEvent,
  CredentialsEvent,
  EffectClaimEvent,
  EmailEvent,
  IdempotencyEvent,
  InvitationEvent,
  InvitationTokenEvent,
  SeatAlertEvent,
  SessionEvent,
  SubscriptionEvent,
  UserEvent,
  WebhookSecretEvent,
};

export type DomainEvent =
  | AccountEvent
  | UserEvent
  | SubscriptionEvent
  | EmailEvent
  | IdempotencyEvent
  | CredentialsEvent
  | EffectClaimEvent
  | InvitationEvent
  | InvitationTokenEvent
  | SessionEvent
  | SeatAlertEvent
  | WebhookSecretEvent;
export type DomainEventType = DomainEvent['type'];
/**
 * The events of the licence streams (account-, user-, subscription-, invitation-, alert-): what projections and
 * history read.
 */
export type LicenseEvent = AccountEvent | UserEvent | SubscriptionEvent | InvitationEvent | SeatAlertEvent;

/** The event of one type. */
export type EventOf<T extends DomainEventType> = Extract<DomainEvent, { readonly type: T }>;

/** What the domain needs of a recorded event; the log's envelope (id, position, metadata) is the caller's type. */
export interface TaggedEvent {
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * A recorded event `R` of the log seen as one of the events `E` (all of them by default): a union with one member
 * per type, so a `switch` on `type` narrows `data` to that type's payload.
 */
export type Recorded<R extends TaggedEvent, E extends DomainEvent = DomainEvent> = E extends DomainEvent
  ? R & { readonly type: E['type']; readonly data: E['data'] }
  : never;

/**
 * True for an event of a type this code knows. Its payload is then that type's: the log holds only what the
 * deciders wrote, and readers get every event upcast to its type's current version (src/eventstore/upcasting.ts).
 */
export function isDomainEvent<R extends TaggedEvent>(recorded: R): recorded is Recorded<R> {
  return isDomainEventType(recorded.type);
}

export function isDomainEventType(type: string): type is DomainEventType {
  return Object.hasOwn(EVENT_VERSIONS, type);
}

const SUBSCRIPTION_EVENT_TYPES: { readonly [T in SubscriptionEvent['type']]: true } = {
  LicensePurchased: true,
  PlanUpgraded: true,
  LicensesReleased: true,
  LicenseAssigned: true,
  LicenseRevoked: true,
  SeatReserved: true,
  SeatReservationConverted: true,
  SeatReservationCancelled: true,
  SeatReservationExpired: true,
};

/** True for an event of a subscription stream: what the subscription decider folds. */
export function isSubscriptionEvent<R extends TaggedEvent>(recorded: R): recorded is Recorded<R, SubscriptionEvent> {
  return Object.hasOwn(SUBSCRIPTION_EVENT_TYPES, recorded.type);
}

/** True for an event of one of `types`. */
export function isEventOf<R extends TaggedEvent, T extends DomainEventType>(
  recorded: R,
  ...types: readonly T[]
): recorded is Recorded<R, EventOf<T>> {
  return types.some((type) => type === recorded.type);
}
