// The seat counts every document reads (queries, write answers, the live subscription), as one fragment: the id lets
// Apollo's normalized cache merge each answer into the one SeatAvailability the counters show. Fragment masking is
// off (codegen.ts), so a document that spreads it sees the fields as its own.
import { graphql } from './gql';

export const SeatCounts = graphql(`
  fragment SeatCounts on SeatAvailability {
    id
    product
    purchased
    assigned
    reserved
    available
  }
`);
