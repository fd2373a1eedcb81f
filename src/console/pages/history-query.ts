// The History page's query, in a file of its own: the page reads it a page at a time, the CSV download reads every page.
import { graphql } from '../gql';

export const HistoryQuery = graphql(`
  query History($first: Int, $after: String, $last: Int, $before: String, $userId: ID, $product: Product) {
    licenseHistory(first: $first, after: $after, last: $last, before: $before, userId: $userId, product: $product) {
      totalCount
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
      edges {
        cursor
        node {
          id
          type
          occurredAt
          product
          data
          user {
            id
            name
            email
          }
          actor {
            id
            name
            email
          }
        }
      }
    }
  }
`);
