// The Subscription root: live streams from the services (catch-up from the log, then live), filtered to the
// viewer's account by the services. The WebSocket transport (graphql-ws) is attached by the composition root.
import type { SubscribeResolverData } from 'type-graphql';
import { Args, Authorized, Resolver, Root, Subscription } from 'type-graphql';
import type { LicenseEventRow, SeatAvailabilityRow } from '../../queries/rows';
import { checkArguments } from '../argument-validation';
import { callerOf } from '../auth';
import type { GraphQLContext } from '../context';
import { LicenseEventsArgs, SeatAvailabilityChangedArgs } from '../types/inputs';
import { LicenseEvent, SeatAvailability } from '../types/objects';

type SubscribeData<Args> = SubscribeResolverData<unknown, Args, GraphQLContext>;

// type-graphql validates arguments when each event resolves, not when the stream opens: check them up front.
async function validated<T extends object>(type: new () => T, args: Partial<T>): Promise<T> {
  const instance = Object.assign(new type(), args);
  await checkArguments(instance);
  return instance;
}

/** Each pushed event resolves with the arguments checked when its stream opened. */
const checkedOnSubscribe = { validateFn: () => undefined };

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
    @Args(() => LicenseEventsArgs, checkedOnSubscribe) _args: LicenseEventsArgs,
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
    @Args(() => SeatAvailabilityChangedArgs, checkedOnSubscribe) _args: SeatAvailabilityChangedArgs,
  ): SeatAvailabilityRow {
    return seats;
  }
}
