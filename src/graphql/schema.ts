// Builds the executable schema from the type-graphql classes, and prints it the way schema.graphql is committed.
import { type GraphQLObjectType, type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
import { validateArguments } from './argument-validation';
import { authChecker } from './auth';
import { BulkMutationResolver } from './resolvers/bulk';
import {
  AccountFieldsResolver,
  LicenseEventFieldsResolver,
  LicenseFieldsResolver,
  ProductSubscriptionFieldsResolver,
  SeatAvailabilityFieldsResolver,
  UserFieldsResolver,
} from './resolvers/fields';
import { InvitationFieldsResolver, InvitationMutationResolver, InvitationQueryResolver } from './resolvers/invitations';
import { LicenseMutationResolver, SignInResolver, UserMutationResolver } from './resolvers/mutation';
import { NodeResolver } from './resolvers/node';
import { NotificationDeliveryFieldsResolver, NotificationsQueryResolver } from './resolvers/notifications';
import { QueryResolver } from './resolvers/query';
import { SeatAlertResolver } from './resolvers/seat-alerts';
import { SessionResolver } from './resolvers/session';
import { SubscriptionResolver } from './resolvers/subscription';
import { WebhookDeliveryFieldsResolver, WebhookEndpointFieldsResolver, WebhookResolver } from './resolvers/webhooks';
import { DateTimeScalar } from './types/scalars';

const RESOLVERS = [
  QueryResolver,
  SignInResolver,
  SessionResolver,
  LicenseMutationResolver,
  UserMutationResolver,
  BulkMutationResolver,
  SubscriptionResolver,
  UserFieldsResolver,
  LicenseFieldsResolver,
  ProductSubscriptionFieldsResolver,
  AccountFieldsResolver,
  LicenseEventFieldsResolver,
  NotificationsQueryResolver,
  NotificationDeliveryFieldsResolver,
  NodeResolver,
  SeatAvailabilityFieldsResolver,
  InvitationQueryResolver,
  InvitationMutationResolver,
  InvitationFieldsResolver,
  SeatAlertResolver,
  WebhookResolver,
  WebhookEndpointFieldsResolver,
  WebhookDeliveryFieldsResolver,
] as const;

// type-graphql refuses to build a Subscription root without a PubSub, though it only calls one for topic-based
// subscriptions; ours all stream from their own `subscribe`, so nothing ever publishes or subscribes here.
const NO_TOPICS: PubSub = {
  publish(topic) {
    throw new Error(`no PubSub topics in seatledger (publish to ${topic})`);
  },
  subscribe(topic) {
    throw new Error(`no PubSub topics in seatledger (subscribe to ${topic})`);
  },
};

// type-graphql builds the root types itself and takes no description for them: they get theirs once built.
const ROOT_DESCRIPTIONS = {
  query: "Reads of the caller's own account; every field needs `Authorization: Bearer <token>` (else UNAUTHENTICATED).",
  mutation:
    'Writes: each answers once its change is visible (read-your-writes). A refused write changes nothing; every write ' +
    'may also answer CONFLICT or SERVICE_UNAVAILABLE (nothing written, safe to retry) or COMMITTED_NOT_YET_VISIBLE ' +
    '(recorded: do not resend). Codes: docs/errors.md.',
  subscription:
    "Live streams of the caller's own account over WebSocket (graphql-ws on `/graphql`), the token in `connectionParams`.",
} as const;

function describeRoots(schema: GraphQLSchema): GraphQLSchema {
  const roots = {
    query: schema.getQueryType(),
    mutation: schema.getMutationType(),
    subscription: schema.getSubscriptionType(),
  };
  for (const [root, type] of Object.entries(roots) as [keyof typeof roots, GraphQLObjectType | null | undefined][]) {
    if (type) type.description = ROOT_DESCRIPTIONS[root];
  }
  return schema;
}

export async function buildSeatledgerSchema(): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: RESOLVERS,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    validateFn: validateArguments,
    authChecker,
    pubSub: NO_TOPICS,
    emitSchemaFile: false,
  });
  return describeRoots(schema);
}

/** The committed form of the schema: sorted, so the file's diff shows only real changes. */
export function printSeatledgerSchema(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
