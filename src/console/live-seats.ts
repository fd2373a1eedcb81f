// Keeps every seat counter in the cache live while signed in, whichever page is open: seatAvailabilityChanged
// (graphql-ws) merges each change into the normalized SeatAvailability by id. Without it, counts changed while
// another page was open (by another admin, or a deactivation's revocations) would show stale on coming back.
import { useQuery, useSubscription } from '@apollo/client/react';
import { graphql } from './gql';
import { SubscriptionsQuery } from './pages/subscriptions-query';

const LiveSeatCounts = graphql(`
  subscription LiveSeatCounts {
    seatAvailabilityChanged {
      ...SeatCounts
    }
  }
`);

export function useLiveSeats(): void {
  const { data, refetch } = useQuery(SubscriptionsQuery);
  useSubscription(LiveSeatCounts, {
    onData({ data: pushed }) {
      const seats = pushed.data?.seatAvailabilityChanged;
      // A product bought for the first time elsewhere is a new subscription: only the query brings it.
      if (seats && data && !data.subscriptions.some((s) => s.product === seats.product)) void refetch();
    },
  });
}
