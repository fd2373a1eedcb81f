// Relay's `Node` interface: every entity with an id a client may refetch by `node(id:)`. Rows are plain objects, so
// which type a row is travels beside it (asNode), not inside it.
import { Field, ID, InterfaceType } from 'type-graphql';

/** The object types that implement Node. */
export type NodeType =
  | 'Plan'
  | 'User'
  | 'Account'
  | 'ProductSubscription'
  | 'License'
  | 'LicenseEvent'
  | 'NotificationDelivery'
  | 'Invitation'
  | 'SeatAlert'
  | 'WebhookEndpoint'
  | 'WebhookDelivery';

const nodeTypes = new WeakMap<object, NodeType>();

/** Marks a row as the node of that type, for the interface's resolveType. */
export function asNode<T extends object>(type: NodeType, row: T): T {
  nodeTypes.set(row, type);
  return row;
}

@InterfaceType({
  description: 'An entity with an id that `node(id:)` resolves (Relay global object identification).',
  resolveType: (row: object) => nodeTypes.get(row),
})
export abstract class Node {
  @Field(() => ID, {
    description:
      'Stable and unique across types: a bare UUID for users, accounts and events, a catalog id for plans, a typed string for the rest.',
  })
  id!: string;
}
