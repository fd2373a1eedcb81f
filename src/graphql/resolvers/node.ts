// `node(id:)`: refetches any entity by its id (Relay's global object identification), within the caller's account
// only: an id of another account, or one that names nothing, answers null, never an error that says it exists.
import { Arg, Authorized, Ctx, ID, Query, Resolver } from 'type-graphql';
import { requireRole } from '../../domain/decider';
import { requireInvitationReader } from '../../domain/invitation';
import { requireDeliveryReader } from '../../domain/notifications';
import { findPlan } from '../../domain/plans';
import { callerOf } from '../auth';
import type { GraphQLContext } from '../context';
import { parseNodeId } from '../ids';
import { asNode, Node } from '../types/node';
import { seatAlertOf } from '../types/seat-alerts';

@Authorized()
@Resolver()
export class NodeResolver {
  @Query(() => Node, {
    nullable: true,
    description: "The entity with this id in the caller's account; null for an unknown id or another account's.",
  })
  async node(
    @Arg('id', () => ID, { description: 'Any `id` this API answered (User.id, License.id, ...).' }) id: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<object | null> {
    const { viewer } = callerOf(ctx);
    const { accountId } = viewer;
    const ref = parseNodeId(id);
    if (!ref) return null;
    switch (ref.kind) {
      case 'Plan': {
        const plan = findPlan(ref.planId);
        return plan ? asNode('Plan', plan) : null;
      }
      case 'License': {
        const license = await ctx.services.license(accountId, ref.userId, ref.product);
        return license && asNode('License', license);
      }
      case 'ProductSubscription': {
        if (ref.accountId !== accountId) return null;
        const subscription = await ctx.services.subscription(accountId, ref.product);
        return subscription && asNode('ProductSubscription', subscription);
      }
      case 'NotificationDelivery': {
        // The same rule as `notifications`: only the account's OWNER and ADMINs read deliveries.
        requireDeliveryReader(viewer);
        const delivery = await ctx.services.notification(accountId, ref.eventId);
        return delivery && asNode('NotificationDelivery', delivery);
      }
      case 'Invitation': {
        // The same rule as `invitations`: only the account's OWNER and ADMINs see its invitations.
        requireInvitationReader(viewer);
        const invitation = await ctx.loaders(accountId).invitationById.load(ref.invitationId);
        return invitation && asNode('Invitation', invitation);
      }
      case 'SeatAlert': {
        // The same rule as `seatAlerts`: only the account's OWNER and ADMINs read them.
        if (ref.accountId !== accountId) return null;
        requireRole(viewer, 'read seat alerts', 'OWNER', 'ADMIN');
        const alert = (await ctx.services.seatAlerts(accountId)).find((row) => row.product === ref.product);
        return alert ? asNode('SeatAlert', seatAlertOf(alert)) : null;
      }
      case 'WebhookEndpoint': {
        // The same rule as `webhookEndpoints`: OWNER or ADMIN (FORBIDDEN for a MEMBER).
        const endpoint = await ctx.services.webhooks.endpoint(viewer, ref.endpointId);
        return endpoint && asNode('WebhookEndpoint', endpoint);
      }
      case 'WebhookDelivery': {
        // The same rule as `webhookDeliveries`: OWNER or ADMIN.
        const delivery = await ctx.services.webhooks.delivery(viewer, id);
        return delivery && asNode('WebhookDelivery', delivery);
      }
      case 'Uuid': {
        // A user, the account itself or an event: UUIDs never collide, so at most one of them answers.
        if (ref.id === accountId) return asNode('Account', await ctx.services.account(accountId));
        const user = await ctx.loaders(accountId).userById.load(ref.id);
        if (user) return asNode('User', user);
        const event = await ctx.services.licenseEvent(accountId, ref.id);
        return event && asNode('LicenseEvent', event);
      }
      default: {
        const unknown: never = ref;
        throw new Error(`unknown node id ${JSON.stringify(unknown)}`);
      }
    }
  }
}
