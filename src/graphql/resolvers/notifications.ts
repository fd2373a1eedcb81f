// `notifications(status:)`: the account's licence-mail deliveries, newest first, for its OWNER and ADMINs (a
// MEMBER is refused by the domain's rule), and each delivery's recipient through the account's loader.
import { Args, Authorized, Ctx, Extensions, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { requireDeliveryReader } from '../../domain/notifications';
import type { Connection, NotificationDeliveryRow, UserRow } from '../../queries/rows';
import { callerOf } from '../auth';
import type { GraphQLContext } from '../context';
import { notificationDeliveryId } from '../ids';
import { NotificationDelivery, NotificationDeliveryConnection, NotificationsArgs } from '../types/notifications';
import { User } from '../types/objects';

@Authorized()
@Resolver()
export class NotificationsQueryResolver {
  @Query(() => NotificationDeliveryConnection, {
    description: "The caller's account's licence mails, newest first; only its OWNER and ADMINs may read them.",
  })
  @Extensions({ defaultPageSize: 20 })
  notifications(
    @Args(() => NotificationsArgs) { status, first, after, last, before }: NotificationsArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Connection<NotificationDeliveryRow>> {
    const { viewer } = callerOf(ctx);
    requireDeliveryReader(viewer);
    return ctx.services.notifications(viewer.accountId, { status, first, after, last, before });
  }
}

@Resolver(() => NotificationDelivery)
export class NotificationDeliveryFieldsResolver {
  @FieldResolver(() => ID, { description: '`NotificationDelivery:<eventId>`.' })
  id(@Root() delivery: NotificationDeliveryRow): string {
    return notificationDeliveryId(delivery.eventId);
  }

  @FieldResolver(() => User, { nullable: true, description: 'Null when the user is no longer in the read model.' })
  recipient(@Root() delivery: NotificationDeliveryRow, @Ctx() ctx: GraphQLContext): Promise<UserRow | null> {
    return ctx.loaders(delivery.accountId).userById.load(delivery.recipientUserId);
  }
}
