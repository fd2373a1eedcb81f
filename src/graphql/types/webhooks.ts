// The GraphQL face of webhooks (issue #19, docs/webhooks.md): endpoints, their deliveries, and the mutations'
// inputs and payloads. Relations and ids are field resolvers in ../resolvers/webhooks.ts.
import { IsOptional } from 'class-validator';
import { ArgsType, Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { WebhookEndpointView } from '../../application/webhook-endpoints';
import type { PageInfoRow } from '../../queries/rows';
import type { WebhookDeliveryRow, WebhookDeliveryStatus } from '../../webhooks/deliveries-db';
import { IdempotencyKeyField } from './inputs';
import { Node } from './node';
import { DeliveryStatus } from './notifications';
import { PageInfo } from './objects';
import { DateTimeScalar } from './scalars';
import { IsCursor, IsEntityId, IsPageSize } from './validators';

@ObjectType({
  description:
    'Where the account’s published events are POSTed, signed as the Standard Webhooks specification says ' +
    '(docs/webhooks.md). Its id is `WebhookEndpoint:<endpointId>`.',
  implements: Node,
})
export class WebhookEndpoint {
  @Field(() => String, { description: 'https (http only for hosts in WEBHOOK_ALLOWED_HOSTS).' })
  url!: string;

  @Field(() => [String], { description: 'Published event types delivered; empty: all of them.' })
  eventTypes!: readonly string[];

  @Field(() => String, { nullable: true, description: 'What it is for, as typed; null when none.' })
  description!: string | null;

  @Field(() => Boolean, {
    description: 'Whether events are delivered to it (false after updateWebhookEndpoint, a 410, or 3 days failing).',
  })
  enabled!: boolean;

  @Field(() => DateTimeScalar, { description: 'When it was created: events from then on are delivered.' })
  createdAt!: string;

  id!: string;
}

@InputType({ description: 'A new webhook endpoint.' })
export class CreateWebhookEndpointInput {
  @Field(() => String, {
    description:
      'Where to POST: https, resolving only to public addresses (BAD_USER_INPUT otherwise); at most 2000 characters.',
  })
  url!: string;

  @Field(() => [String], {
    nullable: true,
    defaultValue: [],
    description: 'Published event types to deliver (docs/events/README.md); empty: all of them.',
  })
  @IsOptional()
  eventTypes?: string[] | null;

  @Field(() => String, { nullable: true, description: 'What it is for; at most 500 characters.' })
  @IsOptional()
  description?: string | null;

  @IdempotencyKeyField()
  idempotencyKey?: string | null;
}

@ObjectType({ description: 'The endpoint created, and its signing secret.' })
export class CreateWebhookEndpointPayload {
  @Field(() => WebhookEndpoint, { description: 'The endpoint.' })
  endpoint!: WebhookEndpointView;

  @Field(() => String, { description: '`whsec_` + base64: shown once, never again.' })
  secret!: string;
}

@InputType({ description: 'Changes to a webhook endpoint; absent fields stay as they are.' })
export class UpdateWebhookEndpointInput {
  @Field(() => ID, { description: 'The endpoint (`WebhookEndpoint:<id>` or the bare id).' })
  @IsEntityId()
  id!: string;

  @Field(() => String, { nullable: true, description: 'A new URL, under the same rules as at creation.' })
  @IsOptional()
  url?: string | null;

  @Field(() => [String], { nullable: true, description: 'New event types; empty: all of them.' })
  @IsOptional()
  eventTypes?: string[] | null;

  @Field(() => String, { nullable: true, description: 'A new description.' })
  @IsOptional()
  description?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'false pauses deliveries; true resumes them.' })
  @IsOptional()
  enabled?: boolean | null;
}

@ObjectType({ description: 'The endpoint after the change.' })
export class UpdateWebhookEndpointPayload {
  @Field(() => WebhookEndpoint, { description: 'The endpoint.' })
  endpoint!: WebhookEndpointView;
}

@InputType({ description: 'The webhook endpoint to delete.' })
export class DeleteWebhookEndpointInput {
  @Field(() => ID, { description: 'The endpoint (`WebhookEndpoint:<id>` or the bare id).' })
  @IsEntityId()
  id!: string;
}

@ObjectType({ description: 'What was deleted.' })
export class DeleteWebhookEndpointPayload {
  @Field(() => ID, { description: 'The id of the endpoint deleted.' })
  deletedId!: string;
}

@InputType({ description: 'The webhook endpoint whose secret to replace.' })
export class RotateWebhookSecretInput {
  @Field(() => ID, { description: 'The endpoint (`WebhookEndpoint:<id>` or the bare id).' })
  @IsEntityId()
  id!: string;
}

@ObjectType({ description: 'The new secret; the old one keeps verifying for 24 hours (both signatures are sent).' })
export class RotateWebhookSecretPayload {
  @Field(() => WebhookEndpoint, { description: 'The endpoint.' })
  endpoint!: WebhookEndpointView;

  @Field(() => String, { description: '`whsec_` + base64: shown once, never again.' })
  secret!: string;
}

@ObjectType({
  description: 'One event for one endpoint, over all its attempts. Its id is `WebhookDelivery:<endpointId>:<eventId>`.',
  implements: Node,
})
export class WebhookDelivery {
  @Field(() => ID, { description: 'The `webhook-id` header: the event’s id, the same on every attempt.' })
  eventId!: string;

  @Field(() => String, { description: 'The event’s type.' })
  eventType!: string;

  @Field(() => DeliveryStatus, {
    description: 'PENDING until a 2xx (SENT) or the last retry, a 410 or a disable (FAILED).',
  })
  status!: WebhookDeliveryStatus;

  @Field(() => Int, { description: 'Attempts made so far.' })
  attempts!: number;

  @Field(() => Int, { nullable: true, description: 'The HTTP status of the last answer; null when none came.' })
  lastStatusCode!: number | null;

  @Field(() => String, { nullable: true, description: 'Why the last attempt failed; null once sent.' })
  lastError!: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When it is tried next; null unless PENDING.' })
  nextAttemptAt!: string | null;

  @Field(() => DateTimeScalar, { description: 'When it was recorded.' })
  createdAt!: string;

  @Field(() => DateTimeScalar, { description: 'When it last changed.' })
  updatedAt!: string;

  id!: string;
  endpointId!: string;
  accountId!: string;
}

@ObjectType({ description: 'One delivery of a page, with its cursor.' })
class WebhookDeliveryEdge {
  @Field(() => String, { description: 'Pass as `after` (or `before`) to page on from this delivery.' })
  cursor!: string;

  @Field(() => WebhookDelivery, { description: 'The delivery.' })
  node!: WebhookDeliveryRow;
}

@ObjectType({ description: "A page of the account's webhook deliveries, newest first." })
export class WebhookDeliveryConnection {
  @Field(() => [WebhookDeliveryEdge], { description: 'The deliveries of this page.' })
  edges!: readonly WebhookDeliveryEdge[];

  @Field(() => PageInfo, { description: 'Where this page lies in the list.' })
  pageInfo!: PageInfoRow;

  @Field(() => Int, { description: 'Every delivery under the same filters, across pages.' })
  totalCount!: number;
}

@ArgsType()
export class WebhookDeliveriesArgs {
  @Field(() => ID, { nullable: true, description: 'Only deliveries to this endpoint; all when absent.' })
  @IsOptional()
  @IsEntityId()
  endpointId?: string | null;

  @Field(() => DeliveryStatus, { nullable: true, description: 'Only deliveries in this state; all when absent.' })
  @IsOptional()
  status?: WebhookDeliveryStatus | null;

  @Field(() => Int, {
    nullable: true,
    defaultValue: 20,
    description: 'Forward: this many deliveries after `after` (at most 100 answered; 20 by default).',
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
    description: 'Backward: this many deliveries before `before` (then `first` is ignored).',
  })
  @IsOptional()
  @IsPageSize()
  last?: number | null;

  @Field(() => String, { nullable: true, description: 'The `startCursor` of the page after.' })
  @IsOptional()
  @IsCursor()
  before?: string | null;
}

@InputType({ description: 'The delivery to send again.' })
export class RedeliverWebhookInput {
  @Field(() => ID, { description: 'The delivery (`WebhookDelivery:<endpointId>:<eventId>`).' })
  @IsEntityId()
  deliveryId!: string;
}

@ObjectType({ description: 'The delivery, PENDING again and due now.' })
export class RedeliverWebhookPayload {
  @Field(() => WebhookDelivery, { description: 'The delivery.' })
  delivery!: WebhookDeliveryRow;
}
