// The contract's object types. Each class holds the fields of a read-model row; relations (plan, assignedBy,
// licenses, owner, ...) are field resolvers in ../resolvers, so a type never loads anything itself.
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { Role as DomainRole } from '../../domain/decider';
import type { LicenseEvent as DomainLicenseEvent } from '../../domain/events';
import type { Product as DomainProduct } from '../../domain/plans';
import type { UserStatus as DomainUserStatus } from '../../domain/user';
import type {
  AccountRow,
  Instant,
  LicenseEventRow,
  LicenseRow,
  PageInfoRow,
  ProductSubscriptionRow,
  SeatAvailabilityRow,
  SeatsView,
  UserRow,
} from '../../queries/rows';
import { Product, Role, UserStatus } from './enums';
import { Node } from './node';
import { DateTimeScalar } from './scalars';

@ObjectType({
  description: "A plan of one product. A licence grants the plan's features to its holder.",
  implements: Node,
})
export class Plan {
  @Field(() => ID, {
    description: 'Stable id, e.g. video-standard, video-pro, video-business, webinar-100, webinar-500, webinar-1000.',
  })
  id!: string;

  @Field(() => Product, { description: 'The product the plan is for.' })
  product!: DomainProduct;

  @Field(() => String, { description: 'The name to show, e.g. Video Meeting Pro.' })
  name!: string;

  @Field(() => Int, { description: 'Higher is better; an upgrade goes to a higher rank.' })
  rank!: number;

  @Field(() => [String], {
    description: 'What a holder may do, e.g. SCHEDULE_MEETINGS, DOWNLOAD_REPORTS, DOWNLOAD_RECORDINGS, HOST_WEBINARS.',
  })
  features!: readonly string[];
}

@ObjectType({
  description:
    'Seat counts of one product of the account. `id` is `SeatAvailability:<accountId>:<product>` for the live counts ' +
    '(one entity wherever they appear), with `:asOf:<UTC instant to the millisecond>` for counts of the past and ' +
    '`:op:<operation id>:before` or `:after` for the counts around a bulk operation.',
})
export class SeatAvailability implements SeatAvailabilityRow {
  @Field(() => Product, { description: 'The product these seats are for.' })
  product!: DomainProduct;

  @Field(() => Int, { description: 'Seats bought (Buy More), less those released; 0 when none were ever bought.' })
  purchased!: number;

  @Field(() => Int, { description: 'Seats held by assigned licences.' })
  assigned!: number;

  @Field(() => Int, { description: 'Seats held for pending invitations.' })
  reserved!: number;

  @Field(() => Int, { description: 'purchased - assigned - reserved' })
  available!: number;

  accountId!: string;
  view?: SeatsView;
}

@ObjectType({
  description:
    'The seats one account holds for one product (named so as not to clash with the GraphQL root type Subscription).',
  implements: Node,
})
export class ProductSubscription implements ProductSubscriptionRow {
  @Field(() => ID, { description: 'subscription-<accountId>-<product>: the name of its stream in the log.' })
  id!: string;

  @Field(() => Product, { description: 'The product the seats are for (an account has one subscription per product).' })
  product!: DomainProduct;

  accountId!: string;
  planId!: string;
}

@ObjectType({
  description: 'A licence one user holds for one product; its id is `License:<userId>:<product>`.',
  implements: Node,
})
export class License implements LicenseRow {
  @Field(() => Product, { description: 'The product the licence is for.' })
  product!: DomainProduct;

  @Field(() => DateTimeScalar, { description: 'When the licence was assigned.' })
  assignedAt!: Instant;

  accountId!: string;
  userId!: string;
  planId!: string;
  assignedById!: string | null;
}

@ObjectType({
  description: 'A person of the account, who may hold licences; every user of the account may read the others.',
  implements: Node,
})
export class User implements UserRow {
  @Field(() => ID, { description: 'The bare UUID of the user.' })
  id!: string;

  @Field(() => String, {
    description: 'Their e-mail address, as entered (trimmed); no two users share one, whatever its case.',
  })
  email!: string;

  @Field(() => String, { description: 'Their name, as entered (trimmed), at most 200 characters.' })
  name!: string;

  @Field(() => Role, { description: 'What they may change in the account.' })
  role!: DomainRole;

  @Field(() => Boolean, {
    description: 'False once deactivated: their licences are revoked and none can be assigned (USER_INACTIVE).',
  })
  active!: boolean;

  @Field(() => DateTimeScalar, { description: 'When the user was added (or opened the account).' })
  createdAt!: string;

  @Field(() => UserStatus, { description: 'INVITED until their invitation is accepted; ACTIVE; DEACTIVATED.' })
  status!: DomainUserStatus;

  accountId!: string;
}

@ObjectType({ description: "Where a page lies in its list (Relay's connection model)." })
export class PageInfo implements PageInfoRow {
  @Field(() => Boolean, { description: 'More items follow the last edge (when paging backward: after `before`).' })
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: 'More items precede the first edge (when paging forward: up to `after`).' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first edge: pass it as `before`.' })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the last edge: pass it as `after`.' })
  endCursor!: string | null;
}

@ObjectType({ description: 'One user of a page, with its place in the list.' })
class UserEdge {
  @Field(() => String, { description: 'Opaque: pass it as `after` or `before` to page from this user.' })
  cursor!: string;

  @Field(() => User, { description: 'The user.' })
  node!: UserRow;
}

@ObjectType({
  description:
    'A page of users (Relay connection): users in the order they were added, assignees in the order their licences were assigned.',
})
export class UserConnection {
  @Field(() => [UserEdge], { description: "The page's users; empty when none match." })
  edges!: readonly UserEdge[];

  @Field(() => PageInfo, { description: 'Where this page lies, and the cursors to page on.' })
  pageInfo!: PageInfoRow;

  @Field(() => Int, {
    description: 'Every user under the same search (for assignees: every holder of the product), across pages.',
  })
  totalCount!: number;
}

@ObjectType({ description: 'The customer: one company with its users and the seats it bought.', implements: Node })
export class Account implements AccountRow {
  @Field(() => ID, { description: 'The bare UUID of the account.' })
  id!: string;

  @Field(() => String, { description: 'The name given at sign-up, at most 200 characters.' })
  name!: string;

  ownerId!: string;
}

@ObjectType({
  description: 'One recorded fact of the licence history, exactly as it stands in the event log.',
  implements: Node,
})
export class LicenseEvent implements LicenseEventRow {
  @Field(() => ID, { description: "The event's own id (a UUID)." })
  id!: string;

  @Field(() => String, { description: 'Opaque, totally ordered position in the log; pass it back as `after`.' })
  position!: string;

  @Field(() => String, {
    description: 'LicensePurchased, PlanUpgraded, UserCreated, LicenseAssigned, LicenseRevoked, ...',
  })
  type!: string;

  @Field(() => DateTimeScalar, { description: 'When the event was recorded.' })
  occurredAt!: Instant;

  @Field(() => Product, {
    nullable: true,
    description: 'The product the event is about; null for events about no product (users, the account).',
  })
  product!: DomainProduct | null;

  @Field(() => String, { description: "The event's payload as a JSON object string; `payload` is the same, parsed." })
  data!: string;

  accountId!: string;
  actorId!: string | null;
  userId!: string | null;
}

@ObjectType({ description: 'One event of a page, with its place in the history.' })
class LicenseEventEdge {
  @Field(() => String, { description: "The event's log position: pass it as `after` or `before`." })
  cursor!: string;

  @Field(() => LicenseEvent, { description: 'The event.' })
  node!: LicenseEventRow;
}

@ObjectType({ description: 'A page of the licence history, oldest first (Relay connection).' })
export class LicenseEventConnection {
  @Field(() => [LicenseEventEdge], { description: "The page's events, oldest first; empty when none match." })
  edges!: readonly LicenseEventEdge[];

  @Field(() => PageInfo, { description: 'Where this page lies, and the cursors to page on.' })
  pageInfo!: PageInfoRow;

  @Field(() => Int, { description: 'Every event of the history under the same filters, across pages.' })
  totalCount!: number;
}

/** The published event types of the licence streams: each type the domain records there, and no other. */
export const LicenseEventType = {
  AccountOpened: 'AccountOpened',
  UserCreated: 'UserCreated',
  UserRoleChanged: 'UserRoleChanged',
  UserDeactivated: 'UserDeactivated',
  LicensePurchased: 'LicensePurchased',
  PlanUpgraded: 'PlanUpgraded',
  LicensesReleased: 'LicensesReleased',
  LicenseAssigned: 'LicenseAssigned',
  LicenseRevoked: 'LicenseRevoked',
  UserInvited: 'UserInvited',
  UserActivated: 'UserActivated',
  SeatReserved: 'SeatReserved',
  SeatReservationConverted: 'SeatReservationConverted',
  SeatReservationCancelled: 'SeatReservationCancelled',
  SeatReservationExpired: 'SeatReservationExpired',
  InvitationSent: 'InvitationSent',
  InvitationResent: 'InvitationResent',
  InvitationAccepted: 'InvitationAccepted',
  InvitationCancelled: 'InvitationCancelled',
  InvitationExpired: 'InvitationExpired',
  SeatAlertSet: 'SeatAlertSet',
  SeatAlertRemoved: 'SeatAlertRemoved',
  SeatThresholdCrossed: 'SeatThresholdCrossed',
  SeatThresholdCleared: 'SeatThresholdCleared',
  WebhookEndpointCreated: 'WebhookEndpointCreated',
  WebhookEndpointUpdated: 'WebhookEndpointUpdated',
  WebhookEndpointDisabled: 'WebhookEndpointDisabled',
  WebhookSecretRotated: 'WebhookSecretRotated',
  WebhookEndpointDeleted: 'WebhookEndpointDeleted',
} as const satisfies { readonly [T in DomainLicenseEvent['type']]: T };

registerEnumType(LicenseEventType, {
  name: 'LicenseEventType',
  description: 'The published event types (the catalogue in docs/events); more values may be added.',
  valuesConfig: {
    AccountOpened: { description: 'An account was opened with its owner.' },
    UserCreated: { description: 'A user was added to the account.' },
    UserRoleChanged: { description: "A user's role changed." },
    UserDeactivated: { description: 'A user was deactivated (their licences are revoked next).' },
    LicensePurchased: { description: 'Seats of a product were bought.' },
    PlanUpgraded: { description: "A product's seats moved to a higher plan." },
    LicensesReleased: { description: 'Unassigned seats were given back.' },
    LicenseAssigned: { description: 'A licence was assigned to a user.' },
    LicenseRevoked: { description: "A user's licence was revoked." },
    UserInvited: { description: 'A user was created by an invitation (status INVITED until they accept it).' },
    UserActivated: { description: 'An invited user accepted their invitation (status ACTIVE).' },
    SeatReserved: { description: 'A seat of a product was held for a pending invitation.' },
    SeatReservationConverted: {
      description: "A held seat became the invited user's licence (LicenseAssigned follows).",
    },
    SeatReservationCancelled: {
      description: 'A held seat was freed: its invitation was cancelled or could not be made.',
    },
    SeatReservationExpired: { description: 'A held seat was freed because its invitation expired.' },
    InvitationSent: { description: 'An invitation was sent with a one-time link.' },
    InvitationResent: { description: 'An invitation was sent again with a new link; the old one is spent.' },
    InvitationAccepted: { description: 'An invitation was accepted: its held seats became licences.' },
    InvitationCancelled: { description: 'An invitation was cancelled by an OWNER or ADMIN.' },
    InvitationExpired: { description: 'An invitation lapsed at its expiry (written by the system).' },
    SeatAlertSet: { description: "A product's seat alert was set (or replaced) by an OWNER or ADMIN." },
    SeatAlertRemoved: { description: "A product's seat alert was removed." },
    SeatThresholdCrossed: { description: "A product's seats crossed its seat alert (written by the system)." },
    SeatThresholdCleared: { description: "A product's seats recovered from a crossing (written by the system)." },
    WebhookEndpointCreated: { description: 'A webhook endpoint was added to the account (never its secret).' },
    WebhookEndpointUpdated: { description: "A webhook endpoint's URL, event types, description or enabled changed." },
    WebhookEndpointDisabled: { description: 'A webhook endpoint was disabled by the system (410 Gone, or failing).' },
    WebhookSecretRotated: {
      description: "A webhook endpoint's signing secret was replaced (the old one verifies 24 h).",
    },
    WebhookEndpointDeleted: { description: 'A webhook endpoint was removed.' },
  },
});
