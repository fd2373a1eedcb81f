// The Subscriptions page's query, in a file of its own: the page reads it and Buy More adds a first purchase to it.
import { graphql } from '../gql';

export const SubscriptionsQuery = graphql(`
  query Subscriptions {
    subscriptions {
      id
      product
      plan {
        id
        name
        rank
        features
      }
      seats {
        ...SeatCounts
      }
    }
    plans {
      id
      name
      product
      rank
      features
    }
  }
`);
