// The GraphQL face of the notifier's delivery records: `notifications(status:)` lists them for the account's
// OWNER and ADMINs. The recipient is a field resolver (a loader), so a type never loads anything itself.

import { IsOptional } from 'class-validator';
import { ArgsType, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { DeliveryKind, DeliveryStatus as DomainDeliveryStatus } from '../../notifications/db';
import type { Instant, NotificationDeliveryRow, PageInfoRow } from '../../queries/rows';
import { Node } from './node';
import { PageInfo } from './objects';
import { DateTimeScalar } from './scalars';
import { IsCursor, IsNotWithFirst, IsPageSize } from './validators';

export const DeliveryStatus = { PENDING: 'PENDING', SENT: 'SENT', FAILED: 'FAILED' } as const satisfies {
  readonly [S in DomainDeliveryStatus]: S;
};

const NotificationKind = {
  LICENSE_ASSIGNED: 'LICENSE_ASSIGNED',
  LICENSE_REVOKED: 'LICENSE_REVOKED',
  INVITATION: 'INVITATION',
  SEAT_ALERT: 'SEAT_ALERT',
} as const satisfies {
  readonly [K in DeliveryKind]: K;
};

registerEnumType(DeliveryStatus, {
  name: 'DeliveryStatus',
  description: 'PENDING: not sent yet (maybe retrying); SENT: handed over; FAILED: every try failed.',
  valuesConfig: {
    PENDING: { description: 'Not sent yet: waiting for its first try, or retrying after a failed one.' },
    SENT: { description: 'Handed over to SMTP (or written as an .eml file when no SMTP_URL is set).' },
    FAILED: { description: 'Every try failed; `lastError` says why the last one did.' },
  },
});
registerEnumType(NotificationKind, {
  name: 'NotificationKind',
  description: 'Which mail: a licence mail or an invitation.',
  valuesConfig: {
    LICENSE_ASSIGNED: { description: 'The mail telling a user a licence was assigned to them.' },
    LICENSE_REVOKED: { description: 'The mail telling a user their licence was revoked.' },
    INVITATION: { description: 'An invitation with its one-time link (sent again on a resend).' },
    SEAT_ALERT: {
      description:
        "A seat alert's crossing, to each OWNER and ADMIN (eventId `<eventId>/<userId>`: one per recipient).",
    },
  },
});

@ObjectType({
  description:
    'One licence mail to one user: its delivery state, retries and last error. Its id is `NotificationDelivery:<eventId>`.',
  implements: Node,
})
export class NotificationDelivery implements NotificationDeliveryRow {
  @Field(() => ID, { description: 'The id of the event the mail is about (LicenseAssigned or LicenseRevoked).' })
  eventId!: string;

  @Field(() => NotificationKind, { description: 'Which licence mail it is.' })
  kind!: DeliveryKind;

  @Field(() => DeliveryStatus, { description: 'Where its delivery stands.' })
  status!: DomainDeliveryStatus;

  @Field(() => Int, { description: 'Tries so far.' })
  attempts!: number;

  @Field(() => String, { nullable: true, description: 'Why the last try failed; null once sent.' })
  lastError!: string | null;

  @Field(() => String, { description: 'The address the mail went (or was to go) to.' })
  recipientEmail!: string;

  @Field(() => DateTimeScalar, { description: 'When the mail was queued.' })
  createdAt!: Instant;

  @Field(() => DateTimeScalar, { description: 'When its status or attempts last changed.' })
  updatedAt!: Instant;

  accountId!: string;
  recipientUserId!: string;
  position!: string;
}

@ObjectType({ description: 'One delivery of a page, with its place in the list.' })
class NotificationDeliveryEdge {
  @Field(() => String, { description: 'Opaque: pass it as `after` or `before` to page from this delivery.' })
  cursor!: string;

  @Field(() => NotificationDelivery, { description: 'The delivery.' })
  node!: NotificationDeliveryRow;
}

@ObjectType({ description: 'A page of licence mails, newest first (Relay connection).' })
export class NotificationDeliveryConnection {
  @Field(() => [NotificationDeliveryEdge], {
    description: "The page's deliveries, newest first; empty when none match.",
  })
  edges!: readonly NotificationDeliveryEdge[];

  @Field(() => PageInfo, { description: 'Where this page lies, and the cursors to page on.' })
  pageInfo!: PageInfoRow;

  @Field(() => Int, { description: 'Every delivery under the same filter, across pages.' })
  totalCount!: number;
}

@ArgsType()
export class NotificationsArgs {
  @Field(() => DeliveryStatus, { nullable: true, description: 'Only deliveries in this state; null: all.' })
  @IsOptional()
  status?: DomainDeliveryStatus | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Forward: this many deliveries after `after` (1 to 500, at most 100 answered; 20 by default).',
  })
  @IsOptional()
  @IsPageSize()
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'The `endCursor` of the page before.' })
  @IsOptional()
  @IsCursor()
  after?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Backward: this many deliveries before `before`; not with `first`.',
  })
  @IsOptional()
  @IsPageSize()
  @IsNotWithFirst()
  last?: number | null;

  @Field(() => String, { nullable: true, description: 'The `startCursor` of the page after.' })
  @IsOptional()
  @IsCursor()
  before?: string | null;
}
