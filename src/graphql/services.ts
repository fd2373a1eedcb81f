// The resolvers' services: each write is an application command answered by the query service (read-your-writes,
// or the write side's decided state when the read models are late); each read is a query. Nothing else lives here.
import DataLoader from 'dataloader';
import type { Application } from '../application/application';
import type { LicensesWritten } from '../application/bulk';
import type { IssuedSession, Sessions } from '../auth/sessions';
import type { SignIn } from '../auth/sign-in';
import { plannedUser } from '../queries/decided-rows';
import type { QueryService } from '../queries/query-service';
import type { BulkLicensesAnswer, SeatAvailabilityRow } from '../queries/rows';
import type { WebhookServices } from '../webhooks/services';
import type { Caller, Loaders, SeatledgerServices } from './context';

interface ServicesDeps {
  readonly app: Application;
  readonly signIn: SignIn;
  readonly queries: QueryService;
  /** Local sign-in's sessions; absent with an OpenID Connect provider. */
  readonly sessions?: Sessions;
  readonly webhooks: WebhookServices;
}

/** Refreshing and ending sessions is local sign-in's; an identity provider keeps its own sessions. */
class NoLocalSessions extends Error {
  readonly code = 'UNAUTHENTICATED';
  constructor() {
    super('local sign-in is disabled: sessions are kept by your identity provider');
    this.name = 'NoLocalSessions';
  }
}

const tokensOf = ({ token, expiresAt, refreshToken }: IssuedSession) => ({ token, expiresAt, refreshToken });

export function createServices(deps: ServicesDeps): SeatledgerServices {
  const { app, signIn, queries } = deps;
  const context = (caller: Caller) => ({ actor: caller.viewer, correlationId: caller.requestId });

  /** A bulk licence answer: the users read back once the read models show the append (or from their streams). */
  const licensesAnswer = async (written: LicensesWritten): Promise<BulkLicensesAnswer> => ({
    dryRun: written.dryRun,
    applied: await queries.usersAfter(written.position, written.accountId, written.applied),
    refused: written.refused.map(({ index, userId, code, message }) => ({ index, userId, code, message, email: null })),
    seatsBefore: operationSeats(written, 'before'),
    seatsAfter: operationSeats(written, 'after'),
  });

  return {
    webhooks: deps.webhooks,

    async signUp(caller, input) {
      const signedUp = await signIn.signUp({ correlationId: caller.requestId }, input);
      const { accountId, userId } = signedUp;
      const { account, user } = await queries.signedUp(signedUp.position, { accountId, userId }, async () => ({
        // As the account's decider records the name.
        account: { id: accountId, name: input.accountName.trim(), ownerId: userId },
        owner: await app.loadUser(userId),
      }));
      return { ...tokensOf(signedUp.session), account, user };
    },

    async login(caller, input) {
      const { session, userId, position } = await signIn.login(input.email, input.password, caller);
      return { ...tokensOf(session), user: await queries.signedIn(userId, position, () => app.loadUser(userId)) };
    },

    async activateAccount(caller, input) {
      const { session, userId, position } = await signIn.activateAccount(
        { correlationId: caller.requestId, clientAddress: caller.clientAddress },
        input,
      );
      return { ...tokensOf(session), user: await queries.signedIn(userId, position, () => app.loadUser(userId)) };
    },

    async refreshSession(caller, input) {
      if (!deps.sessions) throw new NoLocalSessions();
      const session = await deps.sessions.refresh(input.refreshToken, caller.requestId);
      const { userId } = session;
      return { ...tokensOf(session), user: await queries.signedIn(userId, undefined, () => app.loadUser(userId)) };
    },

    async logout(caller, input) {
      if (!deps.sessions) return { sessionsEnded: 0 };
      const sessionsEnded = await deps.sessions.end(
        caller.viewer,
        input.sessionId ?? undefined,
        input.allSessions,
        caller.requestId,
      );
      return { sessionsEnded };
    },

    async inviteUser(caller, input) {
      const written = await app.invitations.inviteUser(context(caller), input);
      return queries.invitationAfter(written, caller.viewer.accountId, {
        createdAt: written.createdAt,
        invitedById: written.invitedBy,
      });
    },

    async acceptInvitation(caller, input) {
      const { session, userId, position } = await signIn.acceptInvitation(
        { correlationId: caller.requestId, clientAddress: caller.clientAddress },
        input,
      );
      return { ...tokensOf(session), user: await queries.signedIn(userId, position, () => app.loadUser(userId)) };
    },

    async cancelInvitation(caller, input) {
      const written = await app.invitations.cancelInvitation(context(caller), input);
      return queries.invitationAfter(written, caller.viewer.accountId);
    },

    async resendInvitation(caller, input) {
      const written = await app.invitations.resendInvitation(context(caller), input);
      return queries.invitationAfter(written, caller.viewer.accountId);
    },

    async seatAlerts(accountId) {
      return queries.seatAlerts(accountId);
    },

    async setSeatAlert(caller, input) {
      const written = await app.seatAlerts.setSeatAlert(context(caller), input);
      return queries.seatAlertAfter(written, caller.viewer.accountId, input.product);
    },

    async invitations(accountId, args) {
      return queries.invitations(accountId, args);
    },

    async purchaseLicenses(caller, input) {
      const written = await app.purchaseLicenses(context(caller), input);
      return queries.subscriptionAfter(written, caller.viewer.accountId, input.product);
    },

    async upgradePlan(caller, input) {
      const written = await app.upgradePlan(context(caller), input);
      return queries.subscriptionAfter(written, caller.viewer.accountId, input.product);
    },

    async releaseLicenses(caller, input) {
      const written = await app.releaseLicenses(context(caller), input);
      return queries.subscriptionAfter(written, caller.viewer.accountId, input.product);
    },

    async createUser(caller, input) {
      const created = await app.createUser(context(caller), input);
      return queries.userAfter(created, caller.viewer.accountId, created.userId);
    },

    async changeUserRole(caller, input) {
      const written = await app.changeUserRole(context(caller), input);
      return queries.userAfter(written, caller.viewer.accountId, input.userId);
    },

    async deactivateUser(caller, input) {
      const written = await app.deactivateUser(context(caller), input);
      return queries.deactivationAfter(written, caller.viewer.accountId, input.userId);
    },

    async assignLicense(caller, input) {
      const written = await app.assignLicense(context(caller), input);
      return queries.assignmentAfter(written, caller.viewer.accountId, input);
    },

    async revokeLicense(caller, input) {
      const written = await app.revokeLicense(context(caller), input);
      return queries.revocationAfter(written, caller.viewer.accountId, input);
    },

    async assignLicenses(caller, input) {
      return licensesAnswer(await app.assignLicenses(context(caller), input));
    },

    async revokeLicenses(caller, input) {
      return licensesAnswer(await app.revokeLicenses(context(caller), input));
    },

    async createUsers(caller, input) {
      const at = new Date();
      const outcome = await app.createUsers(context(caller), input);
      const refused = outcome.refused.map(({ index, email, code, message }) => ({
        index,
        email,
        code,
        message,
        userId: null,
      }));
      const created = outcome.dryRun
        ? outcome.created.flatMap((user) => plannedUser(user, at) ?? [])
        : await queries.usersAfter(outcome.position, caller.viewer.accountId, outcome.created);
      return { dryRun: outcome.dryRun, created, refused };
    },

    async account(accountId) {
      return queries.account(accountId);
    },

    seatAvailability: (accountId, product, asOf) => queries.seatAvailability(accountId, product, asOf),

    async subscriptions(accountId) {
      return queries.subscriptions(accountId);
    },

    async searchUsers(accountId, args) {
      return queries.searchUsers(accountId, args);
    },

    async licenseHistory(accountId, args) {
      return queries.licenseHistory(accountId, args);
    },

    licenseEvents: (accountId, after) => queries.licenseEvents(accountId, after),

    seatAvailabilityChanges: (accountId, product) => queries.seatAvailabilityChanges(accountId, product),

    async notifications(accountId, args) {
      return queries.notifications(accountId, args);
    },

    license: async (accountId, userId, product) => queries.license(accountId, userId, product),
    subscription: async (accountId, product) => queries.subscription(accountId, product),
    licenseEvent: async (accountId, eventId) => queries.licenseEvent(accountId, eventId),
    notification: async (accountId, eventId) => queries.notification(accountId, eventId),

    createLoaders(accountId): Loaders {
      return {
        userById: new DataLoader(async (ids: readonly string[]) => queries.usersByIds(accountId, ids)),
        licensesByUserId: new DataLoader(async (ids: readonly string[]) => queries.licensesByUserIds(accountId, ids)),
        invitationById: new DataLoader(async (ids: readonly string[]) => queries.invitationsByIds(accountId, ids)),
      };
    },
  };
}

/** The counts before and after one bulk operation: rows with ids of their own, never the live counts' entry. */
function operationSeats(written: LicensesWritten, side: 'before' | 'after'): SeatAvailabilityRow {
  const { accountId, product, operationId } = written;
  return { accountId, product, ...written[side], view: { kind: 'operation', operationId, side } };
}
