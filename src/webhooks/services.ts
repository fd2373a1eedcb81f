// What the GraphQL resolvers ask about webhooks: the endpoints' writes and reads (the application), and the
// deliveries (notifications.db, where this instance runs the deliverer). Ids in, rows out; roles are the
// application's and, for the deliveries, checked here by the same rule.

import type { Page, PageArgs } from '../../projections/pagination';
import type { RequestContext } from '../application/application';
import type { WebhookEndpointsApplication, WebhookEndpointView } from '../application/webhook-endpoints';
import { type Actor, requireRole } from '../domain/decider';
import { NotFound } from '../domain/errors';
import type { NotificationsDb } from '../notifications/db';
import {
  listWebhookDeliveries,
  scheduleRedelivery,
  type WebhookDeliveryFilter,
  type WebhookDeliveryRow,
  webhookDeliveryById,
} from './deliveries-db';

export interface WebhookServices {
  readonly endpoints: WebhookEndpointsApplication;
  /** One endpoint of the account, or null (deleted, or another account's). */
  endpoint(actor: Actor, endpointId: string): Promise<WebhookEndpointView | null>;
  deliveries(
    actor: Actor,
    args: WebhookDeliveryFilter & PageArgs,
  ): Promise<Page<WebhookDeliveryRow> & { totalCount: number }>;
  /** One delivery of the account by its id (`WebhookDelivery:<endpointId>:<eventId>`), or null. */
  delivery(actor: Actor, deliveryId: string): Promise<WebhookDeliveryRow | null>;
  redeliver(ctx: RequestContext, deliveryId: string): Promise<WebhookDeliveryRow>;
}

const EMPTY_PAGE = {
  edges: [],
  nodes: [],
  hasNextPage: false,
  hasPreviousPage: false,
  startCursor: null,
  endCursor: null,
  totalCount: 0,
};

export function webhookServices(deps: {
  endpoints: WebhookEndpointsApplication;
  /** Null where this instance runs no deliverer: no deliveries to show. */
  db: NotificationsDb | null;
  /** Wakes the deliverer after a redelivery was scheduled. */
  wake: () => void;
}): WebhookServices {
  const { endpoints, db } = deps;
  const requireReader = (actor: Actor) => requireRole(actor, 'see webhook deliveries', 'OWNER', 'ADMIN');
  return {
    endpoints,
    async endpoint(actor, endpointId) {
      // The role first: a MEMBER learns nothing, not even whether the endpoint exists.
      requireRole(actor, 'see webhook endpoints', 'OWNER', 'ADMIN');
      const found = (await endpoints.endpointsOf(actor.accountId)).get(endpointId);
      if (!found) return null;
      return (await endpoints.list(actor)).find((e) => e.id === endpointId) ?? null;
    },
    async deliveries(actor, args) {
      requireReader(actor);
      if (!db) return EMPTY_PAGE;
      return listWebhookDeliveries(db, actor.accountId, args);
    },
    async delivery(actor, deliveryId) {
      requireReader(actor);
      return db ? webhookDeliveryById(db, actor.accountId, deliveryId) : null;
    },
    async redeliver(ctx, deliveryId) {
      requireRole(ctx.actor, 'redeliver webhooks', 'OWNER', 'ADMIN');
      const row = db ? scheduleRedelivery(db, ctx.actor.accountId, deliveryId, new Date()) : null;
      if (!row) throw new NotFound('delivery', `webhook delivery ${deliveryId} not found`);
      deps.wake();
      return row;
    },
  };
}
