// The Subscription root: live streams from the services (catch-up from the log, then live), filtered to the
// viewer's account by the services. The WebSocket transport (graphql-ws) is attached by the composition root.
import { validate } from 'class-validator';
import type { SubscribeResolverData } from 'type-graphql';
import { Args, ArgumentValidationError, Authorized, Resolver, Root, Subscription } from 'type-graphql';
import type { LicenseEventRow, SeatAvailabilityRow } from '../../queries/rows';
import { callerOf } from '../auth';
import type { GraphQLContext } from '../context';
import { LicenseEventsArgs, SeatAvailabilityChangedArgs } from '../types/inputs';
import { LicenseEvent, SeatAvailability } from '../types/objects';

type SubscribeData<Args> = SubscribeResolverData<unknown, Args, GraphQLContext>;

// type-graphql validates arguments when each event resolves, not when the stream opens: check them up front.
async function validated<T extends object>(type: new () => T, args: Partial<T>): Promise<T> {
  const instance = Object.assign(new type(), args);
  const errors = await validate(instance, { forbidUnknownValues: false, skipMissingProperties: false });
  if (errors.length > 0) throw new ArgumentValidationError(errors);
  return instance;
}

@Authorized()
@Resolver()
export class SubscriptionResolver {
  @Subscription(() => LicenseEvent, {
    description: "Every event of the caller's account from `after` on (or from now), then live.",
    subscribe: async ({ args, context }: SubscribeData<LicenseEventsArgs>) => {
      const { after } = await validated(LicenseEventsArgs, args);
      return context.services.licenseEvents(callerOf(context).viewer.accountId, after ?? null);
    },
  })
  licenseEvents(
    @Root() event: LicenseEventRow,
    @Args(() => LicenseEventsArgs, { validate: false }) _args: LicenseEventsArgs,
  ): LicenseEventRow {
    return event;
  }

  @Subscription(() => SeatAvailability, {
    description: "Pushed each time a seat count of the caller's account changes.",
    subscribe: ({ args, context }: SubscribeData<SeatAvailabilityChangedArgs>) =>
      context.services.seatAvailabilityChanges(callerOf(context).viewer.accountId, args.product ?? null),
  })
  seatAvailabilityChanged(
    @Root() seats: SeatAvailabilityRow,
    @Args(() => SeatAvailabilityChangedArgs, { validate: false }) _args: SeatAvailabilityChangedArgs,
  ): SeatAvailabilityRow {
    return seats;
  }
}
