// The published event contract as documentation: each published type's payload as JSON Schema, what it means and
// an example, checked at compile time against the domain's event types (src/domain/events.ts) and versioned by
// the domain's registry (src/domain/event-schemas.ts). docs/events/ is rendered from here (npm run events:docs).
import type { Event, Role } from '../domain/decider';
import {
  EVENT_VERSIONS,
  type LicenseRevokedV1,
  PUBLISHED_EVENT_TYPES,
  type PublishedEventType,
  type PublishedStreamPrefix,
} from '../domain/event-schemas';
import type { EventOf } from '../domain/events';
import { PRODUCTS, type Product } from '../domain/plans';
import { SEAT_ALERT_KINDS } from '../domain/seat-alert';
import { ROLES } from '../domain/user';

// ---------------------------------------------------------------------------------------------------------------
// The JSON Schema subset the contract uses (draft 2020-12). Every field of a payload is required: a value that may
// be missing is `null`, so a consumer never has to tell "absent" from "unknown".

interface StringSchema {
  readonly type: 'string';
  readonly description: string;
  readonly enum?: readonly string[];
  readonly format?: 'date-time' | 'email' | 'uuid';
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
}
interface NullableStringSchema extends Omit<StringSchema, 'type'> {
  readonly type: readonly ['string', 'null'];
}
interface IntegerSchema {
  readonly type: 'integer';
  readonly description: string;
  readonly minimum?: number;
  readonly maximum?: number;
}
/** A list of strings of an enum (e.g. products), each at most once. */
interface ArraySchema<T extends string = string> {
  readonly type: 'array';
  readonly description: string;
  readonly items: StringSchema & { readonly enum: readonly T[] };
  readonly uniqueItems: true;
}
interface BooleanSchema {
  readonly type: 'boolean';
  readonly description: string;
}
export type FieldSchema = StringSchema | NullableStringSchema | IntegerSchema | BooleanSchema | ArraySchema;

interface ObjectSchema {
  readonly type: 'object';
  readonly description?: string;
  readonly properties: Readonly<Record<string, JsonSchema>>;
  readonly required: readonly string[];
  readonly additionalProperties: boolean;
}
type JsonSchema =
  | FieldSchema
  | ObjectSchema
  | { readonly const: string | number; readonly description?: string }
  | { readonly type: 'string' | 'integer'; readonly description?: string; readonly minimum?: number };

/**
 * The schema a field of TypeScript type T must have: a string union needs its `enum`, a nullable string the
 * `["string", "null"]` type. This is what keeps a schema and its event type from drifting apart.
 */
type FieldSchemaFor<T> = [T] extends [number]
  ? IntegerSchema
  : [T] extends [boolean]
    ? BooleanSchema
    : [T] extends [string]
      ? string extends T
        ? StringSchema & { readonly enum?: never }
        : StringSchema & { readonly enum: readonly T[] }
      : [T] extends [string | null]
        ? NullableStringSchema
        : [T] extends [readonly (infer U extends string)[]]
          ? ArraySchema<U>
          : never;

/** One version of one event type. `data` must name every key of the event's payload, and nothing else. */
export interface TypedEventSchema<E extends Event> {
  readonly type: E['type'];
  readonly version: number;
  readonly stream: PublishedStreamPrefix;
  /** What the event means, in the domain's words. */
  readonly meaning: string;
  /** Which operation writes it. */
  readonly writtenWhen: string;
  readonly data: { readonly [K in keyof E['data']]-?: FieldSchemaFor<E['data'][K]> };
  readonly example: E['data'];
}

/** A definition once checked against its type: what the registry holds. */
export interface EventSchemaDefinition {
  readonly type: string;
  readonly version: number;
  readonly stream: PublishedStreamPrefix;
  readonly meaning: string;
  readonly writtenWhen: string;
  readonly data: Readonly<Record<string, FieldSchema>>;
  readonly example: Readonly<Record<string, unknown>>;
}

// ---------------------------------------------------------------------------------------------------------------
// Streams

export const STREAM_DESCRIPTIONS: Readonly<Record<PublishedStreamPrefix, { pattern: string; holds: string }>> = {
  'account-': {
    pattern: 'account-<accountId>',
    holds: 'The company that buys seats: opened once, at sign-up, with its owner.',
  },
  'user-': {
    pattern: 'user-<userId>',
    holds: 'One person of an account: created, their role changes, deactivation.',
  },
  'subscription-': {
    pattern: 'subscription-<accountId>-<product>',
    holds:
      "Every change to one product's seats: purchases, upgrades, releases, assignments and revocations. Each is " +
      'appended at the expected revision, which is what keeps assigned ≤ purchased under concurrency.',
  },
  'email-': {
    pattern: 'email-<sha256 of the lowercase e-mail>',
    holds:
      'Helper stream: the reservation that makes an e-mail unique across users. Created ("no stream") before the ' +
      'user stream; the address itself is never in the stream name or its events.',
  },
  'idempotency-': {
    pattern: 'idempotency-<accountId>-<idempotency key> (purchases); idempotency-<accountId>-<Command>/<key> (others)',
    holds: 'Helper stream: one idempotency key of one mutation: its claim (input hash), then its result or release.',
  },
  'invitation-': {
    pattern: 'invitation-<invitationId>',
    holds:
      'One invitation to join an account: sent, resent with a new link, then accepted, cancelled or expired. The ' +
      'seats it holds are SeatReserved events of the subscription streams; its links are never in the log, only ' +
      'their hashes, in a secret stream that is not published.',
  },
  'alert-': {
    pattern: 'alert-<accountId>-<product>',
    holds:
      'A product’s seat alert: each time its seats cross the rule set on the account (SeatAlertSet) and each ' +
      'recovery, written by the system (the alert reactor) caused by the event that moved the counts or the rule.',
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Field schemas used by several events

const id = (description: string): StringSchema & { enum?: never } => ({ type: 'string', minLength: 1, description });
const accountId = id('The account (company) the event belongs to.');
const userId = (what = 'The user.') => id(what);
const product: FieldSchemaFor<Product> = {
  type: 'string',
  enum: PRODUCTS,
  description: 'The product the seats are for.',
};
const planId = (description: string) => id(`${description} One of the plan catalog's ids, e.g. video-pro.`);
const role = (description: string): FieldSchemaFor<Role> => ({
  type: 'string',
  enum: ROLES,
  description,
});
const invitationId = id('The invitation: also its stream’s id.');
const expiresAt = (description: string): StringSchema & { enum?: never } => ({
  type: 'string',
  format: 'date-time',
  description,
});
const sha256 = (description: string): StringSchema & { enum?: never } => ({
  type: 'string',
  pattern: '^[0-9a-f]{64}$',
  description,
});

const seatAlertKind = {
  type: 'string',
  enum: SEAT_ALERT_KINDS,
  description:
    'AVAILABLE_AT_MOST: fires when available seats are at most `threshold`; USED_PERCENT_AT_LEAST: when assigned ' +
    'and reserved seats are at least `threshold` per cent of those purchased (never with none purchased).',
} as const;
const seatAlertThreshold = {
  type: 'integer',
  minimum: 0,
  maximum: 1_000_000,
  description: 'Seats (0–1,000,000) for AVAILABLE_AT_MOST, per cent (1–100) for USED_PERCENT_AT_LEAST.',
} as const;
const seatCount = (description: string) => ({ type: 'integer', minimum: 0, description }) as const;
const seatThresholdData = (when: string) =>
  ({
    accountId,
    product,
    kind: seatAlertKind,
    threshold: seatAlertThreshold,
    purchased: seatCount(`Seats bought, ${when}.`),
    assigned: seatCount(`Seats held by licences, ${when}.`),
    reserved: seatCount(`Seats held for pending invitations (counted as used), ${when}.`),
    available: { type: 'integer', description: `purchased − assigned − reserved, ${when}.` },
    subscriptionRevision: {
      type: 'integer',
      minimum: -1,
      description: 'The revision of the subscription stream the counts are of (-1: nothing bought yet).',
    },
    accountRevision: { type: 'integer', minimum: 0, description: 'The revision of the account stream the rule is of.' },
  }) as const;
const seatThresholdExample = {
  accountId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  product: 'VIDEO_MEETING',
  kind: 'AVAILABLE_AT_MOST',
  threshold: 2,
  purchased: 10,
  assigned: 8,
  reserved: 0,
  available: 2,
  subscriptionRevision: 8,
  accountRevision: 1,
} as const;

// Example ids: UUIDs as the application writes them, fixed so the generated docs are stable.
export const EXAMPLE_IDS = {
  account: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  owner: '3f2b8c1e-5a4d-4e8f-9b6a-1c2d3e4f5a6b',
  user: 'a1b2c3d4-e5f6-4a5b-8c7d-9e0f1a2b3c4d',
  claim: 'c0ffee00-1234-4abc-8def-0123456789ab',
  invitation: 'b7e4a2c1-9d3f-4e6a-8b5c-2f1e0d9c8b7a',
  webhookEndpoint: 'e5d4c3b2-a190-4f8e-9d7c-6b5a4f3e2d1c',
} as const;

const webhookEndpointId = id('The webhook endpoint (WebhookEndpoint:<endpointId> in GraphQL).');
const webhookUrl: StringSchema & { enum?: never } = {
  type: 'string',
  maxLength: 2000,
  description: 'Where deliveries are POSTed: https (http only for WEBHOOK_ALLOWED_HOSTS).',
};
const webhookEventTypes: ArraySchema = {
  type: 'array',
  uniqueItems: true,
  items: { type: 'string', enum: PUBLISHED_EVENT_TYPES, description: 'A published event type.' },
  description: 'The event types delivered; empty: every published type.',
};
const webhookDescription: NullableStringSchema = {
  type: ['string', 'null'],
  maxLength: 500,
  description: 'What the endpoint is for, as typed; null when none.',
};

/** Checks a definition against its event type; returns it unchanged. */
const define = <E extends Event>(definition: TypedEventSchema<E>): EventSchemaDefinition => definition;

// ---------------------------------------------------------------------------------------------------------------
// The current version of every published event type: one entry per type the domain declares, or no compile

type CurrentSchemas = {
  readonly [T in PublishedEventType]: Omit<TypedEventSchema<EventOf<T>>, 'type' | 'version'>;
};

const CURRENT_SCHEMAS: CurrentSchemas = {
  AccountOpened: {
    stream: 'account-',
    meaning: 'A company account exists, with its owner. The first event of every account stream.',
    writtenWhen: 'signUp, together with the owner’s UserCreated (and EmailReserved).',
    data: {
      accountId,
      name: { type: 'string', minLength: 1, maxLength: 200, description: 'The company name, trimmed.' },
      ownerUserId: userId('The user who signed up: the OWNER of the account.'),
    },
    example: { accountId: EXAMPLE_IDS.account, name: 'Acme GmbH', ownerUserId: EXAMPLE_IDS.owner },
  },
  UserCreated: {
    stream: 'user-',
    meaning: 'A person belongs to an account with a role; they are active.',
    writtenWhen: 'signUp (the OWNER) or createUser ("Add New User", by an OWNER or ADMIN).',
    data: {
      userId: userId(),
      accountId,
      email: { type: 'string', format: 'email', maxLength: 254, description: 'As given, trimmed.' },
      emailNormalized: {
        type: 'string',
        format: 'email',
        maxLength: 254,
        description: 'Lowercase: what uniqueness and login compare.',
      },
      name: { type: 'string', minLength: 1, maxLength: 200, description: 'The person’s name, trimmed.' },
      role: role('The role in the account.'),
    },
    example: {
      userId: EXAMPLE_IDS.user,
      accountId: EXAMPLE_IDS.account,
      email: 'Ann.Lee@acme.example',
      emailNormalized: 'ann.lee@acme.example',
      name: 'Ann Lee',
      role: 'MEMBER',
    },
  },
  UserRoleChanged: {
    stream: 'user-',
    meaning: 'A user’s role in their account changed. The owner’s role never changes.',
    writtenWhen: 'changeUserRole, by the OWNER; changing to the role the user has already writes nothing.',
    data: {
      userId: userId(),
      role: role('The new role (never OWNER).'),
      previousRole: role('The role before.'),
    },
    example: { userId: EXAMPLE_IDS.user, role: 'ADMIN', previousRole: 'MEMBER' },
  },
  UserDeactivated: {
    stream: 'user-',
    meaning:
      'A user may no longer hold licences or sign in. A reactor then revokes each licence they hold ' +
      '(LicenseRevoked in the subscription streams).',
    writtenWhen: 'deactivateUser, by an OWNER (or an ADMIN, for a MEMBER); deactivating twice writes nothing.',
    data: { userId: userId() },
    example: { userId: EXAMPLE_IDS.user },
  },
  LicensePurchased: {
    stream: 'subscription-',
    meaning:
      'Seats of a product were bought on a plan. The first one opens the subscription; later ones ("Buy More") ' +
      'add seats on the same plan.',
    writtenWhen: 'purchaseLicenses, by an OWNER or ADMIN.',
    data: {
      accountId,
      product,
      planId: planId('The plan the seats are on.'),
      quantity: { type: 'integer', minimum: 1, maximum: 10_000, description: 'Seats added.' },
    },
    example: { accountId: EXAMPLE_IDS.account, product: 'VIDEO_MEETING', planId: 'video-pro', quantity: 25 },
  },
  PlanUpgraded: {
    stream: 'subscription-',
    meaning: 'Every seat of the product moved to a higher-ranked plan; held licences move with them.',
    writtenWhen: 'upgradePlan, by an OWNER or ADMIN.',
    data: {
      accountId,
      product,
      fromPlanId: planId('The plan before.'),
      toPlanId: planId('The plan after; ranks above fromPlanId.'),
    },
    example: {
      accountId: EXAMPLE_IDS.account,
      product: 'VIDEO_MEETING',
      fromPlanId: 'video-pro',
      toPlanId: 'video-business',
    },
  },
  LicensesReleased: {
    stream: 'subscription-',
    meaning: 'Unassigned seats were given back: the purchased count goes down. Assigned seats are never released.',
    writtenWhen: 'releaseLicenses, by an OWNER or ADMIN.',
    data: {
      accountId,
      product,
      quantity: { type: 'integer', minimum: 1, description: 'Seats removed.' },
    },
    example: { accountId: EXAMPLE_IDS.account, product: 'VIDEO_MEETING', quantity: 5 },
  },
  LicenseAssigned: {
    stream: 'subscription-',
    meaning: 'A user holds a licence (one seat) of the product. The user gets one notification mail for it.',
    writtenWhen: 'assignLicense, by an OWNER or ADMIN, while a seat is free and the user is active.',
    data: {
      accountId,
      product,
      planId: planId('The subscription’s plan at the time.'),
      userId: userId('The user now holding the licence.'),
    },
    example: {
      accountId: EXAMPLE_IDS.account,
      product: 'VIDEO_MEETING',
      planId: 'video-pro',
      userId: EXAMPLE_IDS.user,
    },
  },
  LicenseRevoked: {
    stream: 'subscription-',
    meaning: 'A user no longer holds the licence; the seat is free again.',
    writtenWhen:
      'revokeLicense, by an OWNER or ADMIN; or by the system (the deactivation reactor) for each licence of a ' +
      'deactivated user, caused by the UserDeactivated event, on behalf of whoever deactivated them.',
    data: {
      accountId,
      product,
      planId: planId('The subscription’s plan at the time.'),
      userId: userId('The user who held the licence.'),
      reason: {
        type: ['string', 'null'],
        minLength: 1,
        maxLength: 500,
        description: 'Why, as the revoker typed it (trimmed); null when none was given. Version 2 added it.',
      },
    },
    example: {
      accountId: EXAMPLE_IDS.account,
      product: 'VIDEO_MEETING',
      planId: 'video-pro',
      userId: EXAMPLE_IDS.user,
      reason: 'left the company',
    },
  },
  UserInvited: {
    stream: 'user-',
    meaning:
      'The user was created by an invitation (right after their UserCreated): status INVITED, active and ' +
      'searchable, holding their e-mail, until they accept it.',
    writtenWhen: 'inviteUser, by an OWNER or ADMIN (an ADMIN invites MEMBERs only).',
    data: { userId: userId('The invited user.'), invitationId },
    example: { userId: EXAMPLE_IDS.user, invitationId: EXAMPLE_IDS.invitation },
  },
  UserActivated: {
    stream: 'user-',
    meaning: 'The invited user accepted their invitation and chose a password: status ACTIVE.',
    writtenWhen: 'acceptInvitation, by the invited user (with the link of the mail), after InvitationAccepted.',
    data: { userId: userId('The user who accepted.'), invitationId },
    example: { userId: EXAMPLE_IDS.user, invitationId: EXAMPLE_IDS.invitation },
  },
  SeatReserved: {
    stream: 'subscription-',
    meaning:
      'A seat of the product is held for a pending invitation: counted as reserved, so assigned + reserved never ' +
      'exceeds purchased. It ends converted into a licence, cancelled or expired.',
    writtenWhen: 'inviteUser, by an OWNER or ADMIN, while a seat is free; one per product of the invitation.',
    data: {
      accountId,
      product,
      invitationId,
      userId: userId('The invited user the seat is held for.'),
      expiresAt: expiresAt('When the hold lapses unless accepted first (ISO-8601, UTC).'),
    },
    example: {
      accountId: EXAMPLE_IDS.account,
      product: 'VIDEO_MEETING',
      invitationId: EXAMPLE_IDS.invitation,
      userId: EXAMPLE_IDS.user,
      expiresAt: '2025-01-09T09:30:00.000Z',
    },
  },
  SeatReservationConverted: {
    stream: 'subscription-',
    meaning:
      'The held seat became the invited user’s licence: the LicenseAssigned that follows in the same append ' +
      'takes the seat (none follows when the user held the licence already), so it is never counted twice.',
    writtenWhen: 'acceptInvitation, by the invited user, before their expiry.',
    data: { accountId, product, invitationId, userId: userId('The user who accepted.') },
    example: {
      accountId: EXAMPLE_IDS.account,
      product: 'VIDEO_MEETING',
      invitationId: EXAMPLE_IDS.invitation,
      userId: EXAMPLE_IDS.user,
    },
  },
  SeatReservationCancelled: {
    stream: 'subscription-',
    meaning: 'The held seat is free again: the invitation was cancelled, or could not hold all its seats.',
    writtenWhen:
      'cancelInvitation, by an OWNER or ADMIN; or inviteUser, by the system for the inviter, when a later product ' +
      'of the invitation lost its last seat to a concurrent request.',
    data: { accountId, product, invitationId, userId: userId('The invited user the seat was held for.') },
    example: {
      accountId: EXAMPLE_IDS.account,
      product: 'VIDEO_MEETING',
      invitationId: EXAMPLE_IDS.invitation,
      userId: EXAMPLE_IDS.user,
    },
  },
  SeatReservationExpired: {
    stream: 'subscription-',
    meaning: 'The held seat is free again: the invitation was not accepted before it expired.',
    writtenWhen:
      'By the system (the invitation-expiry reactor) within REACTOR_TICK_SECONDS of expiresAt, caused by the ' +
      'SeatReserved event.',
    data: {
      accountId,
      product,
      invitationId,
      userId: userId('The invited user the seat was held for.'),
      expiresAt: expiresAt('The expiry the seat was held until.'),
    },
    example: {
      accountId: EXAMPLE_IDS.account,
      product: 'VIDEO_MEETING',
      invitationId: EXAMPLE_IDS.invitation,
      userId: EXAMPLE_IDS.user,
      expiresAt: '2025-01-09T09:30:00.000Z',
    },
  },
  InvitationSent: {
    stream: 'invitation-',
    meaning:
      'A person is invited into the account with a role, holding a seat of each product listed until expiresAt. ' +
      'The mail with the link follows; the link itself is never in the log.',
    writtenWhen: 'inviteUser, by an OWNER or ADMIN, after the seats are held (SeatReserved) and the user created.',
    data: {
      invitationId,
      accountId,
      userId: userId('The invited user (created with the invitation, status INVITED).'),
      email: { type: 'string', format: 'email', maxLength: 254, description: 'Where the invitation goes, trimmed.' },
      name: { type: 'string', minLength: 1, maxLength: 200, description: 'The invited person’s name, trimmed.' },
      role: role('The role they get (never OWNER).'),
      products: {
        type: 'array',
        uniqueItems: true,
        items: { type: 'string', enum: PRODUCTS, description: 'A product whose seat the invitation holds.' },
        description: 'The products whose seats the invitation holds; accepting turns each into a licence.',
      },
      expiresAt: expiresAt('When the invitation and its seats lapse unless accepted (ISO-8601, UTC).'),
    },
    example: {
      invitationId: EXAMPLE_IDS.invitation,
      accountId: EXAMPLE_IDS.account,
      userId: EXAMPLE_IDS.user,
      email: 'Ann.Lee@acme.example',
      name: 'Ann Lee',
      role: 'MEMBER',
      products: ['VIDEO_MEETING', 'WEBINAR'],
      expiresAt: '2025-01-09T09:30:00.000Z',
    },
  },
  InvitationResent: {
    stream: 'invitation-',
    meaning: 'A new link was mailed; every earlier link of the invitation is spent. The expiry stays.',
    writtenWhen: 'resendInvitation, by an OWNER or ADMIN, while the invitation is pending.',
    data: {
      invitationId,
      accountId,
      userId: userId('The invited user.'),
      issue: { type: 'integer', minimum: 2, description: 'The number of the link now valid (the first is 1).' },
    },
    example: {
      invitationId: EXAMPLE_IDS.invitation,
      accountId: EXAMPLE_IDS.account,
      userId: EXAMPLE_IDS.user,
      issue: 2,
    },
  },
  InvitationAccepted: {
    stream: 'invitation-',
    meaning: 'The invited user accepted: their held seats are licences now, and they are ACTIVE (UserActivated).',
    writtenWhen: 'acceptInvitation, by the invited user, after the seats are converted.',
    data: { invitationId, accountId, userId: userId('The user who accepted.') },
    example: { invitationId: EXAMPLE_IDS.invitation, accountId: EXAMPLE_IDS.account, userId: EXAMPLE_IDS.user },
  },
  InvitationCancelled: {
    stream: 'invitation-',
    meaning: 'The invitation was withdrawn: its seats are freed and its user deactivated (UserDeactivated).',
    writtenWhen: 'cancelInvitation, by an OWNER or ADMIN, while the invitation is pending.',
    data: { invitationId, accountId, userId: userId('The invited user.') },
    example: { invitationId: EXAMPLE_IDS.invitation, accountId: EXAMPLE_IDS.account, userId: EXAMPLE_IDS.user },
  },
  InvitationExpired: {
    stream: 'invitation-',
    meaning: 'The invitation lapsed unaccepted: its seats are freed (SeatReservationExpired) and its user deactivated.',
    writtenWhen:
      'By the system (the invitation-expiry reactor) within REACTOR_TICK_SECONDS of expiresAt, caused by the ' +
      'InvitationSent event.',
    data: {
      invitationId,
      accountId,
      userId: userId('The invited user.'),
      expiresAt: expiresAt('The expiry that passed.'),
    },
    example: {
      invitationId: EXAMPLE_IDS.invitation,
      accountId: EXAMPLE_IDS.account,
      userId: EXAMPLE_IDS.user,
      expiresAt: '2025-01-09T09:30:00.000Z',
    },
  },
  SeatAlertSet: {
    stream: 'account-',
    meaning:
      'The account’s seat alert for a product is set (or replaced): the alert reactor then records each crossing ' +
      '(at once if the seats already stand past it) and each recovery in the stream alert-<accountId>-<product>.',
    writtenWhen: 'setSeatAlert with one threshold, by an OWNER or ADMIN; the rule it has already writes nothing.',
    data: { accountId, product, kind: seatAlertKind, threshold: seatAlertThreshold },
    example: { accountId: EXAMPLE_IDS.account, product: 'VIDEO_MEETING', kind: 'AVAILABLE_AT_MOST', threshold: 2 },
  },
  SeatAlertRemoved: {
    stream: 'account-',
    meaning: 'The account’s seat alert for a product is removed: nothing fires for it until one is set again.',
    writtenWhen: 'setSeatAlert with both thresholds null, by an OWNER or ADMIN, while an alert is set.',
    data: { accountId, product },
    example: { accountId: EXAMPLE_IDS.account, product: 'VIDEO_MEETING' },
  },
  SeatThresholdCrossed: {
    stream: 'alert-',
    meaning:
      'A product’s seats crossed the account’s seat alert: once per crossing, again only after a ' +
      'SeatThresholdCleared. The OWNER and ADMINs get a mail.',
    writtenWhen:
      'By the system (the alert reactor) after the event that moved the counts past the rule (metadata ' +
      'causationId), or at once after a SeatAlertSet the counts already stand past.',
    data: seatThresholdData('when it crossed'),
    example: seatThresholdExample,
  },
  SeatThresholdCleared: {
    stream: 'alert-',
    meaning: 'A product’s seats recovered from a crossing: the alert is armed again.',
    writtenWhen:
      'By the system (the alert reactor) after the event that moved the counts back (metadata causationId), or ' +
      'after a SeatAlertSet to a rule they do not reach while the last one was firing.',
    data: seatThresholdData('when it recovered'),
    example: { ...seatThresholdExample, assigned: 7, available: 3, subscriptionRevision: 10 },
  },
  // Webhook endpoints (docs/webhooks.md): configuration of the account, never a signing secret.
  WebhookEndpointCreated: {
    stream: 'account-',
    meaning:
      'A webhook endpoint receives the account’s published events (of the listed types; none listed: all). Its ' +
      'signing secret is shown once to the creator and kept encrypted in a secret stream, never here.',
    writtenWhen: 'createWebhookEndpoint, by an OWNER or ADMIN, once the URL passed the SSRF rules.',
    data: {
      accountId,
      endpointId: webhookEndpointId,
      url: webhookUrl,
      eventTypes: webhookEventTypes,
      description: webhookDescription,
    },
    example: {
      accountId: EXAMPLE_IDS.account,
      endpointId: EXAMPLE_IDS.webhookEndpoint,
      url: 'https://hooks.example.com/seatledger',
      eventTypes: ['LicenseAssigned', 'LicenseRevoked'],
      description: 'billing',
    },
  },
  WebhookEndpointUpdated: {
    stream: 'account-',
    meaning: 'A webhook endpoint’s configuration after a change: every field, as it now stands.',
    writtenWhen: 'updateWebhookEndpoint, by an OWNER or ADMIN (enabled: false pauses deliveries).',
    data: {
      accountId,
      endpointId: webhookEndpointId,
      url: webhookUrl,
      eventTypes: webhookEventTypes,
      description: webhookDescription,
      enabled: { type: 'boolean', description: 'Whether events are delivered to it.' },
    },
    example: {
      accountId: EXAMPLE_IDS.account,
      endpointId: EXAMPLE_IDS.webhookEndpoint,
      url: 'https://hooks.example.com/seatledger',
      eventTypes: [],
      description: null,
      enabled: false,
    },
  },
  WebhookEndpointDisabled: {
    stream: 'account-',
    meaning: 'The system stopped delivering to a webhook endpoint; an OWNER or ADMIN may enable it again.',
    writtenWhen:
      'By the system (the webhook deliverer): the receiver answered 410 Gone (GONE), or its deliveries kept ' +
      'failing for WEBHOOK_DISABLE_AFTER_SECONDS (FAILING; its OWNER and ADMINs get a mail).',
    data: {
      accountId,
      endpointId: webhookEndpointId,
      reason: { type: 'string', enum: ['GONE', 'FAILING'], description: 'Why it was disabled.' },
    },
    example: { accountId: EXAMPLE_IDS.account, endpointId: EXAMPLE_IDS.webhookEndpoint, reason: 'GONE' },
  },
  WebhookSecretRotated: {
    stream: 'account-',
    meaning:
      'A webhook endpoint signs with a new secret; until previousValidUntil every delivery carries the old ' +
      'secret’s signature too. Neither secret is in the log in the clear.',
    writtenWhen: 'rotateWebhookSecret, by an OWNER or ADMIN.',
    data: {
      accountId,
      endpointId: webhookEndpointId,
      previousValidUntil: expiresAt('Until when the previous secret’s signature is sent too (24 h).'),
    },
    example: {
      accountId: EXAMPLE_IDS.account,
      endpointId: EXAMPLE_IDS.webhookEndpoint,
      previousValidUntil: '2025-01-03T09:30:00.000Z',
    },
  },
  WebhookEndpointDeleted: {
    stream: 'account-',
    meaning: 'A webhook endpoint is gone: nothing more is delivered to it.',
    writtenWhen: 'deleteWebhookEndpoint, by an OWNER or ADMIN.',
    data: { accountId, endpointId: webhookEndpointId },
    example: { accountId: EXAMPLE_IDS.account, endpointId: EXAMPLE_IDS.webhookEndpoint },
  },
  EmailReserved: {
    stream: 'email-',
    meaning:
      'An e-mail address (named only by its stream’s hash) belongs to a user. A later one in the same stream ' +
      'takes over a reservation whose user was never created (a crash between the two appends).',
    writtenWhen: 'signUp and createUser, before UserCreated.',
    data: { userId: userId('The user the address is reserved for.'), accountId },
    example: { userId: EXAMPLE_IDS.user, accountId: EXAMPLE_IDS.account },
  },
  IdempotencyKeyClaimed: {
    stream: 'idempotency-',
    meaning: 'A write with this idempotency key is under way; requests with the same key wait for its result.',
    writtenWhen: 'A mutation with an idempotency key the account has not used for it, before its write.',
    data: {
      inputHash: sha256('SHA-256 (hex) of the request’s input: the same key with another input is refused.'),
      claimId: id('Also in the write’s metadata (idempotencyClaimId): how a crashed claim or a repeat finds it.'),
      stream: id('The stream the write appends to.'),
      fromRevision: { type: 'integer', minimum: 0, description: 'That stream’s next revision at claim time.' },
    },
    example: {
      inputHash: 'a3f1c9b2e4d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f',
      claimId: EXAMPLE_IDS.claim,
      stream: `subscription-${EXAMPLE_IDS.account}-VIDEO_MEETING`,
      fromRevision: 3,
    },
  },
  IdempotencyKeyCompleted: {
    stream: 'idempotency-',
    meaning: 'The write of the claim landed: a repeat of the request answers with it, writing nothing.',
    writtenWhen: 'After the write of a claim (or by the next request with the key, after a crash).',
    data: {
      inputHash: sha256('SHA-256 (hex) of the request’s input.'),
      position: id('Log position of the write’s event.'),
    },
    example: {
      inputHash: 'a3f1c9b2e4d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f',
      position: '0000000000001043',
    },
  },
  IdempotencyKeyReleased: {
    stream: 'idempotency-',
    meaning: 'The claimed write was refused or failed; the key is free again.',
    writtenWhen: 'When the write of a claim throws.',
    data: {
      inputHash: sha256('SHA-256 (hex) of the request’s input.'),
      code: id('The error code of the refusal (api.md’s codes), e.g. NO_SEATS_AVAILABLE.'),
    },
    example: {
      inputHash: 'a3f1c9b2e4d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f',
      code: 'PLAN_MISMATCH',
    },
  },
};

/** The current version of every published type, in the registry's order. */
export const EVENT_SCHEMAS: readonly EventSchemaDefinition[] = PUBLISHED_EVENT_TYPES.map(
  (type): EventSchemaDefinition => ({ type, version: EVENT_VERSIONS[type], ...CURRENT_SCHEMAS[type] }),
);

// ---------------------------------------------------------------------------------------------------------------
// Earlier versions, still readable: their schemas, published for data exported before the change

export const HISTORICAL_EVENT_SCHEMAS: readonly EventSchemaDefinition[] = [
  define<LicenseRevokedV1>({
    type: 'LicenseRevoked',
    version: 1,
    stream: 'subscription-',
    meaning: 'A user no longer holds the licence; the seat is free again. Superseded by v2, which adds `reason`.',
    writtenWhen: 'revokeLicense, before revocations carried a reason.',
    data: {
      accountId,
      product,
      planId: planId('The subscription’s plan at the time.'),
      userId: userId('The user who held the licence.'),
    },
    example: {
      accountId: EXAMPLE_IDS.account,
      product: 'VIDEO_MEETING',
      planId: 'video-pro',
      userId: EXAMPLE_IDS.user,
    },
  }),
];

// ---------------------------------------------------------------------------------------------------------------
// The whole JSON Schema of one event version: payload, metadata and the envelope an export line or a subscription
// adds around them.

const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/** Metadata every event carries, whatever its type. */
export const METADATA_FIELDS: Readonly<Record<string, FieldSchema>> = {
  accountId: id('The account the event belongs to: who may see it.'),
  actorId: id(
    'The user who caused it; `system` for a change a reactor made (then `onBehalfOf` names the user whose act it ' +
      'carries out).',
  ),
  occurredAt: { type: 'string', format: 'date-time', description: 'When it happened (ISO-8601, UTC).' },
  correlationId: id('The request it belongs to: every event of one request shares it.'),
  causationId: id('What caused it: the request id, or the id of the event a reactor acted on.'),
};

/** Metadata some events carry, never required. */
export const OPTIONAL_METADATA_FIELDS: Readonly<Record<string, FieldSchema>> = {
  idempotencyKey: id('On a purchase made with an idempotency key: the key.'),
  idempotencyClaimId: id('On a purchase made with an idempotency key: its IdempotencyKeyClaimed’s claimId.'),
  onBehalfOf: id('On a change the system made (actorId `system`): the user whose act it carries out.'),
};

export function eventJsonSchema(definition: EventSchemaDefinition): Record<string, unknown> {
  const { type, version } = definition;
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $id: `urn:seatledger:event:${type}:v${version}`,
    title: `${type} (version ${version})`,
    description: `${definition.meaning} Written by: ${definition.writtenWhen}`,
    type: 'object',
    required: ['type', 'data', 'metadata'],
    properties: {
      id: id('The event’s id (a UUID chosen by its writer); unique across the log.'),
      type: { const: type },
      stream: {
        type: 'string',
        pattern: `^${definition.stream}`,
        description: `The stream: ${STREAM_DESCRIPTIONS[definition.stream].pattern}.`,
      },
      position: id('Global position in the log: opaque, fixed-width; string order is log order.'),
      revision: { type: 'integer', minimum: 0, description: 'Position in its stream, from 0.' },
      data: {
        type: 'object',
        properties: definition.data,
        required: Object.keys(definition.data),
        additionalProperties: false,
      },
      metadata: {
        type: 'object',
        properties: {
          ...METADATA_FIELDS,
          schemaVersion: { const: version, description: 'The version of this schema the event follows.' },
          ...OPTIONAL_METADATA_FIELDS,
        },
        required: [...Object.keys(METADATA_FIELDS), 'schemaVersion'],
        // Metadata may gain keys without a new version: consumers ignore the ones they do not know.
        additionalProperties: true,
      },
      recordedAt: { type: 'string', format: 'date-time', description: 'When the log stored it (ISO-8601, UTC).' },
    },
    additionalProperties: false,
  };
}

/** Every published schema, current and historical, by file name (`<Type>.v<N>.json`). */
export function allEventJsonSchemas(): ReadonlyMap<string, Record<string, unknown>> {
  const schemas = new Map<string, Record<string, unknown>>();
  for (const definition of [...EVENT_SCHEMAS, ...HISTORICAL_EVENT_SCHEMAS]) {
    schemas.set(`${definition.type}.v${definition.version}.json`, eventJsonSchema(definition));
  }
  return schemas;
}
