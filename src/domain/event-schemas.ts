// The event registry: each type's current version (a writer stamps it into the metadata), which streams are
// published, and the upcasters from older versions. Keyed by the domain's own event types, so a new event type
// does not compile until it has a version. The published contract (JSON Schemas, docs/events) is rendered from
// these types by src/events-docs.
import type { Event } from './decider';
import type {
  CredentialsEvent,
  DomainEventType,
  EffectClaimEvent,
  InvitationTokenEvent,
  SessionEvent,
  WebhookSecretEvent,
} from './events';
import type { LicenseRevoked } from './subscription';

/** Streams whose events leave the process (export, history, subscriptions). Everything else is withheld. */
export const PUBLISHED_STREAM_PREFIXES = [
  'account-',
  'user-',
  'subscription-',
  'email-',
  'idempotency-',
  'invitation-',
  'alert-',
] as const;
export type PublishedStreamPrefix = (typeof PUBLISHED_STREAM_PREFIXES)[number];

/** Events of `credentials-` streams: never published, so no schema leaves the code, but writers version them too. */
export type SecretEventType = CredentialsEvent['type'] | InvitationTokenEvent['type'] | WebhookSecretEvent['type'];
/** Events of `claim-` streams (which instance performs an outside effect): bookkeeping, never published. */
export type ClaimEventType = EffectClaimEvent['type'];
/** Events of `sessions-` streams (sign-in sessions, refresh-token hashes): never published. */
export type SessionEventType = SessionEvent['type'];
export type PublishedEventType = Exclude<DomainEventType, SecretEventType | ClaimEventType | SessionEventType>;

/** The current version of every event type; readers upcast older ones (EVENT_UPCASTERS). */
export const EVENT_VERSIONS: { readonly [T in DomainEventType]: number } = {
  AccountOpened: 1,
  UserCreated: 1,
  UserRoleChanged: 1,
  UserDeactivated: 1,
  LicensePurchased: 1,
  PlanUpgraded: 1,
  LicensesReleased: 1,
  LicenseAssigned: 1,
  LicenseRevoked: 2,
  EmailReserved: 1,
  IdempotencyKeyClaimed: 1,
  IdempotencyKeyCompleted: 1,
  IdempotencyKeyReleased: 1,
  ActivationIssued: 1,
  PasswordSet: 1,
  EffectClaimed: 1,
  EffectTakenOver: 1,
  EffectDone: 1,
  SeatReserved: 1,
  SeatReservationConverted: 1,
  SeatReservationCancelled: 1,
  SeatReservationExpired: 1,
  UserInvited: 1,
  UserActivated: 1,
  InvitationSent: 1,
  InvitationResent: 1,
  InvitationAccepted: 1,
  InvitationCancelled: 1,
  InvitationExpired: 1,
  InvitationTokenIssued: 1,
  SessionStarted: 1,
  SessionRefreshed: 1,
  SessionEnded: 1,
  SeatAlertSet: 1,
  SeatAlertRemoved: 1,
  SeatThresholdCrossed: 1,
  SeatThresholdCleared: 1,
  WebhookEndpointCreated: 1,
  WebhookEndpointUpdated: 1,
  WebhookEndpointDisabled: 1,
  WebhookSecretRotated: 1,
  WebhookEndpointDeleted: 1,
  WebhookSecretStored: 1,
  WebhookSecretErased: 1,
};

const WITHHELD_EVENT_TYPES: { readonly [T in SecretEventType | ClaimEventType | SessionEventType]: true } = {
  ActivationIssued: true,
  PasswordSet: true,
  InvitationTokenIssued: true,
  EffectClaimed: true,
  EffectTakenOver: true,
  EffectDone: true,
  SessionStarted: true,
  SessionRefreshed: true,
  SessionEnded: true,
  WebhookSecretStored: true,
  WebhookSecretErased: true,
};

/** Every published type, in the registry's order. */
export const PUBLISHED_EVENT_TYPES: readonly PublishedEventType[] = Object.keys(EVENT_VERSIONS).filter(
  (type): type is PublishedEventType => !Object.hasOwn(WITHHELD_EVENT_TYPES, type),
);

/** LicenseRevoked before revocations carried a reason (v1). */
export type LicenseRevokedV1 = Event<'LicenseRevoked', Omit<LicenseRevoked['data'], 'reason'>>;

/** Turns a stored event's payload at `fromVersion` into the payload at `fromVersion + 1`. Pure. */
interface EventUpcaster {
  readonly type: DomainEventType;
  readonly fromVersion: number;
  upcast(data: Readonly<Record<string, unknown>>): Record<string, unknown>;
}

export const EVENT_UPCASTERS: readonly EventUpcaster[] = [
  {
    type: 'LicenseRevoked',
    fromVersion: 1,
    // v1 had no reason: "none given". Events written as v1 after the field arrived (before writers took their
    // version from this registry) already carry one, and keep it.
    upcast: (data) => ({ ...data, reason: typeof data.reason === 'string' ? data.reason : null }),
  },
];

/** The `schemaVersion` a writer puts in the metadata of a new event of this type. */
export function currentSchemaVersion(type: string): number {
  const versions: Readonly<Record<string, number | undefined>> = EVENT_VERSIONS;
  // Own keys only: `constructor` or `toString` are no event types.
  const version = Object.hasOwn(versions, type) ? versions[type] : undefined;
  if (version === undefined)
    throw new Error(`event type ${type} has no schema version: register it in event-schemas.ts`);
  return version;
}
