// The ids a normalized client cache (Apollo, urql's graphcache, Relay) keys entities by, and how node(id:) reads
// them back. Ids that were already stable and unique keep their form, since clients hold them: a user's, an
// account's and an event's are bare UUIDs, a plan's is its catalog id, a subscription's is its stream name. The
// others name their type first: `License:<userId>:<product>`, `NotificationDelivery:<eventId>`,
// `Invitation:<invitationId>`, `SeatAlert:<accountId>:<product>`, `WebhookEndpoint:<endpointId>`,
// `WebhookDelivery:<endpointId>:<eventId>`, and the seat counts'
// `SeatAvailability:<accountId>:<product>` (live) with `:asOf:<instant>` or `:op:<operation id>:before|after`.
import { findPlan, isProduct, type Product } from '../domain/plans';
import { subscriptionStream } from '../domain/streams';
import type { SeatsView } from '../queries/rows';

const LIVE: SeatsView = { kind: 'live' };

/**
 * Only live counts share an id, so that a mutation's payload, `subscriptions[].seats` and `seatAvailabilityChanged`
 * all update the one cached entry while counts of the past (or of a bulk operation) never overwrite it.
 */
export function seatAvailabilityId(accountId: string, product: Product, view: SeatsView = LIVE): string {
  const live = `SeatAvailability:${accountId}:${product}`;
  switch (view.kind) {
    case 'live':
      return live;
    case 'asOf':
      // toISOString is UTC to the millisecond: two spellings of one instant give one id.
      return `${live}:asOf:${view.asOf.toISOString()}`;
    case 'operation':
      return `${live}:op:${view.operationId}:${view.side}`;
    default: {
      const unknown: never = view;
      throw new Error(`unknown seat view ${JSON.stringify(unknown)}`);
    }
  }
}

export const licenseId = (userId: string, product: Product) => `License:${userId}:${product}`;

export const notificationDeliveryId = (eventId: string) => `NotificationDelivery:${eventId}`;

export const invitationNodeId = (invitationId: string) => `Invitation:${invitationId}`;

/** What a node id names; a bare UUID is a user, the account or an event, told apart by looking them up. */
export type NodeRef =
  | { readonly kind: 'License'; readonly userId: string; readonly product: Product }
  | { readonly kind: 'NotificationDelivery'; readonly eventId: string }
  | { readonly kind: 'Invitation'; readonly invitationId: string }
  | { readonly kind: 'SeatAlert'; readonly accountId: string; readonly product: Product }
  | { readonly kind: 'WebhookEndpoint'; readonly endpointId: string }
  | { readonly kind: 'WebhookDelivery'; readonly endpointId: string; readonly eventId: string }
  | { readonly kind: 'ProductSubscription'; readonly accountId: string; readonly product: Product }
  | { readonly kind: 'Plan'; readonly planId: string }
  | { readonly kind: 'Uuid'; readonly id: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LICENSE = /^License:([^:]+):([A-Z_]+)$/;
const DELIVERY = /^NotificationDelivery:([^:]+)$/;
const SUBSCRIPTION = /^subscription-(.+)-([A-Z_]+)$/;
const INVITATION = /^Invitation:([0-9a-f-]{36})$/i;
const SEAT_ALERT = /^SeatAlert:([^:]+):([A-Z_]+)$/;
const WEBHOOK_ENDPOINT = /^WebhookEndpoint:([^:]+)$/;
const WEBHOOK_DELIVERY = /^WebhookDelivery:([^:]+):([^:]+)$/;

/**
 * The invitation an id names: `Invitation:<invitationId>` as `Invitation.id` answers it, or the bare id as the link
 * and the events carry it; null for anything else.
 */
export function parseInvitationId(id: string): string | null {
  if (UUID.test(id)) return id;
  const invitation = INVITATION.exec(id);
  return invitation?.[1] && UUID.test(invitation[1]) ? invitation[1] : null;
}

/** Null for anything that is no id this API gives out (node(id:) then answers null, as for an unknown id). */
export function parseNodeId(id: string): NodeRef | null {
  if (UUID.test(id)) return { kind: 'Uuid', id };
  const license = LICENSE.exec(id);
  if (license?.[1] && license[2] && isProduct(license[2])) {
    return { kind: 'License', userId: license[1], product: license[2] };
  }
  const invitation = INVITATION.exec(id);
  if (invitation?.[1] && UUID.test(invitation[1])) return { kind: 'Invitation', invitationId: invitation[1] };
  const alert = SEAT_ALERT.exec(id);
  if (alert?.[1] && alert[2] && isProduct(alert[2]))
    return { kind: 'SeatAlert', accountId: alert[1], product: alert[2] };
  const delivery = DELIVERY.exec(id);
  if (delivery?.[1]) return { kind: 'NotificationDelivery', eventId: delivery[1] };
  const endpoint = WEBHOOK_ENDPOINT.exec(id);
  if (endpoint?.[1]) return { kind: 'WebhookEndpoint', endpointId: endpoint[1] };
  const webhookDelivery = WEBHOOK_DELIVERY.exec(id);
  if (webhookDelivery?.[1] && webhookDelivery[2]) {
    return { kind: 'WebhookDelivery', endpointId: webhookDelivery[1], eventId: webhookDelivery[2] };
  }
  const subscription = SUBSCRIPTION.exec(id);
  if (subscription?.[1] && subscription[2] && isProduct(subscription[2])) {
    const [, accountId, product] = subscription;
    // The stream helper names subscriptions: an id it would not have written is no subscription's.
    if (subscriptionStream(accountId, product) === id) return { kind: 'ProductSubscription', accountId, product };
  }
  if (findPlan(id)) return { kind: 'Plan', planId: id };
  return null;
}
