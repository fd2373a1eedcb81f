// What the GraphQL layer needs from the rest of the system: the per-request context and the services interface
// the resolvers call (services.ts maps it to application commands and the query service). The row shapes the
// resolvers hand to the schema's object types are the query service's: import them from src/queries/rows.ts.
import type DataLoader from 'dataloader';
import type { Logger } from 'pino';
import type { BulkMode, ItemProblem } from '../application/bulk';
import type { Authentication, TokenRefusal } from '../auth/sessions-authentication';
import type { Actor, Role } from '../domain/decider';
import type { InvitationStatus } from '../domain/invitation';
import type { Product } from '../domain/plans';
import type { DeliveryStatus } from '../notifications/db';
import type {
  AccountRow,
  BulkLicensesAnswer,
  Connection,
  CountedConnection,
  InvitationRow,
  LicenseEventRow,
  LicenseRow,
  NotificationDeliveryRow,
  PageArgs,
  ProductSubscriptionRow,
  SeatAlertRow,
  SeatAvailabilityRow,
  UserRow,
  UsersCreatedAnswer,
} from '../queries/rows';
import type { WebhookServices } from '../webhooks/services';

/** Who is asking: role and account always come from our own user records, never from token claims. */
export type Viewer = Actor;

/**
 * Per-request batching over the read models, scoped to ONE account: a key of another account answers null/[],
 * so an id of another account can never be read through a loader.
 */
export interface Loaders {
  readonly userById: DataLoader<string, UserRow | null>;
  readonly licensesByUserId: DataLoader<string, readonly LicenseRow[]>;
  readonly invitationById: DataLoader<string, InvitationRow | null>;
}

/** A call on behalf of a signed-in viewer: the request id becomes the events' correlation id. */
export interface Caller {
  readonly viewer: Viewer;
  readonly requestId: string;
}

/** An anonymous call (sign-up, login, activation). */
export interface AnonymousCaller {
  readonly requestId: string;
  /** What sign-in throttling counts per address; null where none is known. */
  readonly clientAddress: string | null;
}

export interface SignedInResult {
  readonly token: string;
  readonly expiresAt: Date;
  readonly refreshToken: string;
  readonly user: UserRow;
}

/** An invitation after a write, with the seats of its products after it. */
export interface InvitationResult {
  readonly invitation: InvitationRow;
  readonly seats: readonly SeatAvailabilityRow[];
}

export interface SignUpResult extends SignedInResult {
  readonly account: AccountRow;
}

/**
 * Everything the resolvers ask of the application and the read models. Writes wait for their own position
 * before answering, so what they return is read-your-writes. Refusals throw DomainErrors (mapped in errors.ts).
 */
export interface SeatledgerServices {
  signUp(
    caller: AnonymousCaller,
    input: { accountName: string; ownerName: string; ownerEmail: string; password: string },
  ): Promise<SignUpResult>;
  login(caller: AnonymousCaller, input: { email: string; password: string }): Promise<SignedInResult>;
  activateAccount(caller: AnonymousCaller, input: { token: string; password: string }): Promise<SignedInResult>;
  /** Spends a refresh token for a new pair (anonymous: the access token may have expired). */
  refreshSession(caller: AnonymousCaller, input: { refreshToken: string }): Promise<SignedInResult>;
  /** Ends the caller's session (`sessionId`), or every session of theirs; answers how many were live. */
  logout(caller: Caller, input: { sessionId: string | null; allSessions: boolean }): Promise<{ sessionsEnded: number }>;

  // Every write takes an idempotency key (null: none): the same key and input again answer the first write.
  purchaseLicenses(
    caller: Caller,
    input: { product: Product; planId: string; quantity: number; idempotencyKey: string | null },
  ): Promise<ProductSubscriptionRow>;
  upgradePlan(
    caller: Caller,
    input: { product: Product; planId: string; idempotencyKey: string | null },
  ): Promise<ProductSubscriptionRow>;
  releaseLicenses(
    caller: Caller,
    input: { product: Product; quantity: number; idempotencyKey: string | null },
  ): Promise<ProductSubscriptionRow>;
  createUser(
    caller: Caller,
    input: { email: string; name: string; role: Role; idempotencyKey: string | null },
  ): Promise<UserRow>;
  changeUserRole(
    caller: Caller,
    input: { userId: string; role: Role; idempotencyKey: string | null },
  ): Promise<UserRow>;
  /** Answers once the user's licences are revoked too: the user and every product's seats after that. */
  deactivateUser(
    caller: Caller,
    input: { userId: string; idempotencyKey: string | null },
  ): Promise<{ user: UserRow; seats: readonly SeatAvailabilityRow[] }>;
  assignLicense(
    caller: Caller,
    input: { userId: string; product: Product; idempotencyKey: string | null },
  ): Promise<{
    license: LicenseRow;
    user: UserRow;
    seats: SeatAvailabilityRow;
    /** The user's licences as the answer read them after the write; null where it could not (write side's state). */
    userLicenses: readonly LicenseRow[] | null;
  }>;
  revokeLicense(
    caller: Caller,
    input: { userId: string; product: Product; reason: string | null; idempotencyKey: string | null },
  ): Promise<{
    user: UserRow;
    seats: SeatAvailabilityRow;
    /** As for assignLicense: the licences the user still holds, read after the write (null: write side's state). */
    userLicenses: readonly LicenseRow[] | null;
  }>;
  /** Many licences of one product at once (src/application/bulk.ts); a dry run writes nothing. */
  assignLicenses(
    caller: Caller,
    input: {
      userIds: readonly string[];
      product: Product;
      mode: BulkMode;
      dryRun: boolean;
      idempotencyKey: string | null;
    },
  ): Promise<BulkLicensesAnswer>;
  revokeLicenses(
    caller: Caller,
    input: {
      userIds: readonly string[];
      product: Product;
      mode: BulkMode;
      dryRun: boolean;
      reason: string | null;
      idempotencyKey: string | null;
    },
  ): Promise<BulkLicensesAnswer>;
  createUsers(
    caller: Caller,
    input: {
      /** `problems`: the input rules the entry breaks (it is refused on its own). */
      users: readonly { email: string; name: string; role: Role; problems: readonly ItemProblem[] }[];
      mode: BulkMode;
      dryRun: boolean;
      idempotencyKey: string | null;
    },
  ): Promise<UsersCreatedAnswer>;

  /** Holds a seat of each product and creates the user INVITED; the mail follows from the log. */
  inviteUser(
    caller: Caller,
    input: {
      email: string;
      name: string;
      role: Role;
      products: readonly Product[];
      expiresIn: string;
      idempotencyKey: string | null;
    },
  ): Promise<InvitationResult>;
  /** Anonymous: the link's token and a new password; answers signed in as the invited user. */
  acceptInvitation(caller: AnonymousCaller, input: { token: string; password: string }): Promise<SignedInResult>;
  cancelInvitation(
    caller: Caller,
    input: { invitationId: string; idempotencyKey: string | null },
  ): Promise<InvitationResult>;
  resendInvitation(
    caller: Caller,
    input: { invitationId: string; idempotencyKey: string | null },
  ): Promise<InvitationResult>;
  /** The account's invitations (of one status when given), in the order they were sent. */
  /** The account's seat alerts, in product order. */
  seatAlerts(accountId: string): Promise<readonly SeatAlertRow[]>;
  /** Sets or removes a product's seat alert; answers it as it then stands (null: none). */
  setSeatAlert(
    caller: Caller,
    input: { product: Product; availableAtMost: number | null; usedPercentAtLeast: number | null },
  ): Promise<{ readonly alert: SeatAlertRow | null }>;
  invitations(
    accountId: string,
    args: PageArgs & { status?: InvitationStatus | null },
  ): Promise<CountedConnection<InvitationRow>>;

  // Reads take the account they are scoped to: the viewer's for root fields, the parent row's for nested ones
  // (a row is only ever reached through its own account, so nested reads never cross accounts).
  account(accountId: string): Promise<AccountRow>;
  /** Current seats, or as they stood at `asOf` (folded from the log). */
  seatAvailability(accountId: string, product: Product, asOf: Date | null): Promise<SeatAvailabilityRow>;
  subscriptions(accountId: string): Promise<readonly ProductSubscriptionRow[]>;
  /** Users of the account; with `product`, only holders of a licence of that product. */
  searchUsers(
    accountId: string,
    args: PageArgs & { search?: string | null; product?: Product | null },
  ): Promise<CountedConnection<UserRow>>;
  /** The account's history, oldest first. */
  licenseHistory(
    accountId: string,
    args: PageArgs & { userId?: string | null; product?: Product | null },
  ): Promise<Connection<LicenseEventRow>>;
  /** Every event of the account after `after` (or from now), then live. */
  licenseEvents(accountId: string, after: string | null): AsyncIterable<LicenseEventRow>;
  /** Each change of a seat count of the account (of one product when given). */
  seatAvailabilityChanges(accountId: string, product: Product | null): AsyncIterable<SeatAvailabilityRow>;

  /**
   * The account's licence-mail deliveries, newest first (the caller checks the viewer's role); empty where this
   * instance runs no notifier.
   */
  notifications(
    accountId: string,
    args: PageArgs & { status?: DeliveryStatus | null },
  ): Promise<Connection<NotificationDeliveryRow>>;

  // Single entities by what a node id names (node(id:)), within the account: null for none or another account's.
  license(accountId: string, userId: string, product: Product): Promise<LicenseRow | null>;
  subscription(accountId: string, product: Product): Promise<ProductSubscriptionRow | null>;
  licenseEvent(accountId: string, eventId: string): Promise<LicenseEventRow | null>;
  notification(accountId: string, eventId: string): Promise<NotificationDeliveryRow | null>;

  /** Fresh loaders for one account; called at most once per account per request. */
  createLoaders(accountId: string): Loaders;

  /** Webhook endpoints and their deliveries (docs/webhooks.md). */
  readonly webhooks: WebhookServices;
}

export interface GraphQLContext {
  readonly requestId: string;
  /** Null without a (valid) bearer token: only the public fields answer then. */
  readonly viewer: Viewer | null;
  /** The session the token names (local sign-in). */
  readonly sessionId: string | null;
  /** Why a token that was sent is refused, where the client can act on it (refresh, sign in again). */
  readonly refusal: TokenRefusal | null;
  readonly services: SeatledgerServices;
  readonly logger: Logger;
  /** The client's address (the socket's, or X-Forwarded-For's with TRUST_PROXY=on); null where none is known. */
  readonly clientAddress: string | null;
  /** Per-request loaders of one account (memoised per request). */
  loaders(accountId: string): Loaders;
}

/**
 * Builds a request's context; the loaders are made lazily and once per account, never shared across requests. The
 * logger may be given as a function: a request's own child logger then costs nothing until something is logged; so
 * may the client address, which only sign-in and token redemption read.
 */
export function createContext(
  input: {
    requestId: string;
    services: SeatledgerServices;
    logger: Logger | (() => Logger);
    clientAddress?: string | null | (() => string | null);
  } & Authentication,
): GraphQLContext {
  return new RequestContext(
    input.requestId,
    input.viewer,
    input.sessionId ?? null,
    input.refusal ?? null,
    input.services,
    input.logger,
    input.clientAddress ?? null,
  );
}

// A class so that `logger` is a getter on the prototype: Apollo copies a request's context with Object.assign, which
// would call an own getter (and make the child logger) on every request.
class RequestContext implements GraphQLContext {
  private readonly byAccount = new Map<string, Loaders>();

  constructor(
    readonly requestId: string,
    readonly viewer: Viewer | null,
    readonly sessionId: string | null,
    readonly refusal: TokenRefusal | null,
    readonly services: SeatledgerServices,
    private readonly makeLogger: Logger | (() => Logger),
    private readonly addressOf: string | null | (() => string | null),
  ) {}

  get logger(): Logger {
    return typeof this.makeLogger === 'function' ? this.makeLogger() : this.makeLogger;
  }

  get clientAddress(): string | null {
    return typeof this.addressOf === 'function' ? this.addressOf() : this.addressOf;
  }

  loaders(accountId: string): Loaders {
    let loaders = this.byAccount.get(accountId);
    if (!loaders) {
      loaders = this.services.createLoaders(accountId);
      this.byAccount.set(accountId, loaders);
    }
    return loaders;
  }
}
