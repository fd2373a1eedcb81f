// Builds the executable schema from the type-graphql classes, and prints it the way schema.graphql is committed.
import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
import { authChecker } from './auth';
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
import { SessionResolver } from './resolvers/session';
import { SubscriptionResolver } from './resolvers/subscription';
import { DateTimeScalar } from './types/scalars';

const RESOLVERS = [
  QueryResolver,
  SignInResolver,
  SessionResolver,
  LicenseMutationResolver,
  UserMutationResolver,
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

export function buildSeatledgerSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: RESOLVERS,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    // skipMissingProperties off: an explicit null in a defaulted argument (first: null) must fail its rule.
    validate: {
      forbidUnknownValues: false,
      skipMissingProperties: false,
      validationError: { target: false, value: false },
    },
    authChecker,
    pubSub: NO_TOPICS,
    emitSchemaFile: false,
  });
}

/** The committed form of the schema: sorted, so the file's diff shows only real changes. */
export function printSeatledgerSchema(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
