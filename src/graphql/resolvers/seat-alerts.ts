// Seat alerts over GraphQL: `seatAlerts` and setSeatAlert, for the account's OWNER and ADMINs (a MEMBER is refused
// by the domain's rule: the account decider for the write, requireRole for the read).
import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { requireRole } from '../../domain/decider';
import { callerOf } from '../auth';
import type { GraphQLContext } from '../context';
import { asNode } from '../types/node';
import { SeatAlert, SetSeatAlertInput, SetSeatAlertPayload, seatAlertOf } from '../types/seat-alerts';

@Authorized()
@Resolver()
export class SeatAlertResolver {
  @Query(() => [SeatAlert], {
    description:
      "The caller's account's seat alerts, one per product that has one; only its OWNER and ADMINs may read them.",
  })
  async seatAlerts(@Ctx() ctx: GraphQLContext): Promise<SeatAlert[]> {
    const { viewer } = callerOf(ctx);
    requireRole(viewer, 'read seat alerts', 'OWNER', 'ADMIN');
    const rows = await ctx.services.seatAlerts(viewer.accountId);
    return rows.map((row) => asNode('SeatAlert', seatAlertOf(row)));
  }

  @Mutation(() => SetSeatAlertPayload, {
    description:
      "Sets or replaces a product's seat alert (exactly one threshold), or removes it (both null). OWNER or ADMIN. " +
      'A crossing (event SeatThresholdCrossed) mails the OWNER and ADMINs; set while the seats already stand past ' +
      'it, it fires at once. Setting the alert it has already changes nothing.',
  })
  async setSeatAlert(
    @Arg('input', () => SetSeatAlertInput, { description: 'The product and its threshold.' }) input: SetSeatAlertInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SetSeatAlertPayload> {
    const { alert } = await ctx.services.setSeatAlert(callerOf(ctx), {
      product: input.product,
      availableAtMost: input.availableAtMost ?? null,
      usedPercentAtLeast: input.usedPercentAtLeast ?? null,
    });
    return { alert: alert && asNode('SeatAlert', seatAlertOf(alert)) };
  }
}
