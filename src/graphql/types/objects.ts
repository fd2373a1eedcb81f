// The contract's object types. Each class holds the fields of a read-model row; relations (plan, assignedBy,
// licenses, owner, ...) are field resolvers in ../resolvers, so a type never loads anything itself.
import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { Role as DomainRole } from '../../domain/decider';
import type { Product as DomainProduct } from '../../domain/plans';
import type {
  AccountRow,
  Instant,
  LicenseEventRow,
  LicenseRow,
  PageInfoRow,
  ProductSubscriptionRow,
  SeatAvailabilityRow,
  UserRow,
} from '../../queries/rows';
import { Product, Role } from './enums';
import { DateTimeScalar } from './scalars';

@ObjectType({ description: "A plan of one product. A licence grants the plan's features to its holder." })
export class Plan {
  @Field(() => ID, {
    description: 'Stable id, e.g. video-standard, video-pro, video-business, webinar-100, webinar-500, webinar-1000.',
  })
  id!: string;

  @Field(() => Product)
  product!: DomainProduct;

  @Field(() => String)
  name!: string;

  @Field(() => Int, { description: 'Higher is better; an upgrade goes to a higher rank.' })
  rank!: number;

  @Field(() => [String], {
    description: 'What a holder may do, e.g. SCHEDULE_MEETINGS, DOWNLOAD_REPORTS, DOWNLOAD_RECORDINGS, HOST_WEBINARS.',
  })
  features!: readonly string[];
}

@ObjectType()
export class SeatAvailability implements SeatAvailabilityRow {
  @Field(() => Product)
  product!: DomainProduct;

  @Field(() => Int)
  purchased!: number;

  @Field(() => Int)
  assigned!: number;

  @Field(() => Int)
  available!: number;
}

@ObjectType({
  description:
    'The seats one account holds for one product (named so as not to clash with the GraphQL root type Subscription).',
})
export class ProductSubscription implements ProductSubscriptionRow {
  @Field(() => ID)
  id!: string;

  @Field(() => Product)
  product!: DomainProduct;

  accountId!: string;
  planId!: string;
}

@ObjectType()
export class License implements LicenseRow {
  @Field(() => Product)
  product!: DomainProduct;

  @Field(() => DateTimeScalar)
  assignedAt!: Instant;

  accountId!: string;
  userId!: string;
  planId!: string;
  assignedById!: string | null;
}

@ObjectType()
export class User implements UserRow {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  email!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Role)
  role!: DomainRole;

  @Field(() => Boolean)
  active!: boolean;

  @Field(() => DateTimeScalar)
  createdAt!: string;

  accountId!: string;
}

@ObjectType()
export class PageInfo implements PageInfoRow {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ObjectType()
class UserEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => User)
  node!: UserRow;
}

@ObjectType()
export class UserConnection {
  @Field(() => [UserEdge])
  edges!: readonly UserEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfoRow;

  @Field(() => Int)
  totalCount!: number;
}

@ObjectType()
export class Account implements AccountRow {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  ownerId!: string;
}

@ObjectType({ description: 'One recorded fact of the licence history, exactly as it stands in the event log.' })
export class LicenseEvent implements LicenseEventRow {
  @Field(() => ID, { description: "The event's own id (a UUID)." })
  id!: string;

  @Field(() => String, { description: 'Opaque, totally ordered position in the log; pass it back as `after`.' })
  position!: string;

  @Field(() => String, {
    description: 'LicensePurchased, PlanUpgraded, UserCreated, LicenseAssigned, LicenseRevoked, ...',
  })
  type!: string;

  @Field(() => DateTimeScalar)
  occurredAt!: Instant;

  @Field(() => Product, { nullable: true })
  product!: DomainProduct | null;

  @Field(() => String, { description: "The event's payload as a JSON object string." })
  data!: string;

  accountId!: string;
  actorId!: string | null;
  userId!: string | null;
}

@ObjectType()
class LicenseEventEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => LicenseEvent)
  node!: LicenseEventRow;
}

@ObjectType()
export class LicenseEventConnection {
  @Field(() => [LicenseEventEdge])
  edges!: readonly LicenseEventEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfoRow;
}
