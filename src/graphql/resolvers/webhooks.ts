// Webhooks over GraphQL (docs/webhooks.md): the account's endpoints and deliveries for its OWNER and ADMINs, the
// endpoint mutations and redeliverWebhook. Endpoint ids are `WebhookEndpoint:<id>` out and either form in.
import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { WebhookEndpointView } from '../../application/webhook-endpoints';
import type { WebhookDeliveryRow } from '../../webhooks/deliveries-db';
import { callerOf } from '../auth';
import type { GraphQLContext } from '../context';
import {
  CreateWebhookEndpointInput,
  CreateWebhookEndpointPayload,
  DeleteWebhookEndpointInput,
  DeleteWebhookEndpointPayload,
  RedeliverWebhookInput,
  RedeliverWebhookPayload,
  RotateWebhookSecretInput,
  RotateWebhookSecretPayload,
  UpdateWebhookEndpointInput,
  UpdateWebhookEndpointPayload,
  WebhookDeliveriesArgs,
  WebhookDelivery,
  WebhookDeliveryConnection,
  WebhookEndpoint,
} from '../types/webhooks';

const PREFIX = 'WebhookEndpoint:';
export const webhookEndpointNodeId = (endpointId: string) => `${PREFIX}${endpointId}`;
const endpointIdOf = (id: string) => (id.startsWith(PREFIX) ? id.slice(PREFIX.length) : id);
const context = (ctx: GraphQLContext) => {
  const { viewer, requestId } = callerOf(ctx);
  return { actor: viewer, correlationId: requestId };
};

@Authorized()
@Resolver()
export class WebhookResolver {
  @Query(() => [WebhookEndpoint], {
    description: "The caller's account's webhook endpoints, oldest first; OWNER or ADMIN.",
  })
  webhookEndpoints(@Ctx() ctx: GraphQLContext): Promise<WebhookEndpointView[]> {
    return ctx.services.webhooks.endpoints.list(callerOf(ctx).viewer);
  }

  @Query(() => WebhookDeliveryConnection, {
    description: "The caller's account's webhook deliveries, newest first; OWNER or ADMIN.",
  })
  async webhookDeliveries(
    @Args(() => WebhookDeliveriesArgs) { endpointId, status, first, after, last, before }: WebhookDeliveriesArgs,
    @Ctx() ctx: GraphQLContext,
  ) {
    const page = await ctx.services.webhooks.deliveries(callerOf(ctx).viewer, {
      endpointId: endpointId ? endpointIdOf(endpointId) : null,
      status,
      ...(last != null ? { last, before } : { first, after }),
    });
    return {
      edges: page.edges,
      pageInfo: {
        hasNextPage: page.hasNextPage,
        hasPreviousPage: page.hasPreviousPage,
        startCursor: page.startCursor,
        endCursor: page.endCursor,
      },
      totalCount: page.totalCount,
    };
  }

  @Mutation(() => CreateWebhookEndpointPayload, {
    description:
      'Adds a webhook endpoint; the answer carries its signing secret, shown this once. The URL must be https and ' +
      'resolve only to public addresses (BAD_USER_INPUT, nothing stored). OWNER or ADMIN. With an `idempotencyKey`, ' +
      'the same call again answers its first result (IDEMPOTENCY_KEY_REUSED for another input).',
  })
  async createWebhookEndpoint(
    @Arg('input', () => CreateWebhookEndpointInput, { description: 'The URL, event types and description.' })
    input: CreateWebhookEndpointInput,
    @Ctx() ctx: GraphQLContext,
  ) {
    const created = await ctx.services.webhooks.endpoints.create(context(ctx), {
      url: input.url,
      eventTypes: input.eventTypes ?? [],
      description: input.description ?? null,
      idempotencyKey: input.idempotencyKey ?? null,
    });
    return { endpoint: created.endpoint, secret: created.secret };
  }

  @Mutation(() => UpdateWebhookEndpointPayload, {
    description: 'Changes an endpoint’s URL, event types, description or enabled. OWNER or ADMIN.',
  })
  async updateWebhookEndpoint(
    @Arg('input', () => UpdateWebhookEndpointInput, { description: 'The endpoint and what changes.' })
    input: UpdateWebhookEndpointInput,
    @Ctx() ctx: GraphQLContext,
  ) {
    const updated = await ctx.services.webhooks.endpoints.update(context(ctx), {
      endpointId: endpointIdOf(input.id),
      ...(input.url != null ? { url: input.url } : {}),
      ...(input.eventTypes != null ? { eventTypes: input.eventTypes } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.enabled != null ? { enabled: input.enabled } : {}),
    });
    return { endpoint: updated.endpoint };
  }

  @Mutation(() => DeleteWebhookEndpointPayload, {
    description: 'Removes an endpoint: nothing more is delivered to it. OWNER or ADMIN.',
  })
  async deleteWebhookEndpoint(
    @Arg('input', () => DeleteWebhookEndpointInput, { description: 'The endpoint.' }) input: DeleteWebhookEndpointInput,
    @Ctx() ctx: GraphQLContext,
  ) {
    await ctx.services.webhooks.endpoints.delete(context(ctx), { endpointId: endpointIdOf(input.id) });
    return { deletedId: webhookEndpointNodeId(endpointIdOf(input.id)) };
  }

  @Mutation(() => RotateWebhookSecretPayload, {
    description:
      'Replaces an endpoint’s signing secret (shown this once); for 24 hours deliveries carry the old secret’s ' +
      'signature too. OWNER or ADMIN.',
  })
  async rotateWebhookSecret(
    @Arg('input', () => RotateWebhookSecretInput, { description: 'The endpoint.' }) input: RotateWebhookSecretInput,
    @Ctx() ctx: GraphQLContext,
  ) {
    const rotated = await ctx.services.webhooks.endpoints.rotateSecret(context(ctx), {
      endpointId: endpointIdOf(input.id),
    });
    return { endpoint: rotated.endpoint, secret: rotated.secret };
  }

  @Mutation(() => RedeliverWebhookPayload, {
    description: 'Sends a delivery again (PENDING, due now), with the same webhook-id. OWNER or ADMIN.',
  })
  async redeliverWebhook(
    @Arg('input', () => RedeliverWebhookInput, { description: 'The delivery.' }) input: RedeliverWebhookInput,
    @Ctx() ctx: GraphQLContext,
  ) {
    return { delivery: await ctx.services.webhooks.redeliver(context(ctx), input.deliveryId) };
  }
}

@Resolver(() => WebhookEndpoint)
export class WebhookEndpointFieldsResolver {
  @FieldResolver(() => ID, { description: '`WebhookEndpoint:<endpointId>`.' })
  id(@Root() endpoint: WebhookEndpointView): string {
    return webhookEndpointNodeId(endpoint.id);
  }
}

@Resolver(() => WebhookDelivery)
export class WebhookDeliveryFieldsResolver {
  @FieldResolver(() => WebhookEndpoint, { description: 'The endpoint it goes to.' })
  async endpoint(@Root() delivery: WebhookDeliveryRow, @Ctx() ctx: GraphQLContext): Promise<WebhookEndpointView> {
    const found = await ctx.services.webhooks.endpoint(callerOf(ctx).viewer, delivery.endpointId);
    // Deleted since: its last known face, so the delivery still shows where it went.
    return (
      found ?? {
        id: delivery.endpointId,
        accountId: delivery.accountId,
        url: '',
        eventTypes: [],
        description: null,
        enabled: false,
        createdAt: delivery.createdAt,
      }
    );
  }
}
