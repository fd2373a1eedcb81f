// A stand-in for the services, used ONLY by the HTTP/GraphQL plumbing tests (limits, errors, auth gate, audits):
// they test the transport, not the business, which the e2e tests play against the real application.
import DataLoader from 'dataloader';

import { NoSeatsAvailable } from '../../src/domain/errors';
import { PRODUCTS, type Product } from '../../src/domain/plans';
import type { Loaders, SeatledgerServices, Viewer } from '../../src/graphql/context';
import type { AccountRow, CountedConnection, LicenseRow, SeatAvailabilityRow, UserRow } from '../../src/queries/rows';

export const ACCOUNT_ID = 'acc-1';
export const OWNER: UserRow = {
  id: 'user-0',
  accountId: ACCOUNT_ID,
  email: 'owner@example.com',
  name: 'Olive Owner',
  role: 'OWNER',
  active: true,
  status: 'ACTIVE',
  createdAt: '2026-01-01T00:00:00.000Z',
};
export const VIEWER: Viewer = { userId: OWNER.id, accountId: ACCOUNT_ID, role: 'OWNER' };
export const GOOD_TOKEN = 'good-token';
const EMPTY_PAGE = { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null };
const FAKE_SESSION = { token: GOOD_TOKEN, expiresAt: new Date('2030-01-01T00:00:00Z'), refreshToken: 'fake-refresh' };

export interface FakeServices extends SeatledgerServices {
  /** Calls seen, by method name: lets a test prove a refused request never reached the services. */
  readonly calls: string[];
  /** Makes `subscriptions` fail like a broken driver would. */
  failWith: Error | null;
  /** Makes `account` wait, to hold a request in flight. */
  accountDelayMs: number;
}

export function createFakeServices(userCount = 3): FakeServices {
  const users: UserRow[] = [OWNER];
  for (let i = 1; i < userCount; i++) {
    users.push({ ...OWNER, id: `user-${i}`, email: `u${i}@example.com`, name: `User ${i}`, role: 'MEMBER' });
  }
  const license = (userId: string, product: Product): LicenseRow => ({
    accountId: ACCOUNT_ID,
    userId,
    product,
    planId: product === 'WEBINAR' ? 'webinar-100' : 'video-pro',
    assignedAt: '2026-01-02T00:00:00.000Z',
    assignedById: OWNER.id,
  });
  const seats = (product: Product): SeatAvailabilityRow => ({
    accountId: ACCOUNT_ID,
    product,
    purchased: 5,
    assigned: 1,
    reserved: 0,
    available: 4,
  });
  const account: AccountRow = { id: ACCOUNT_ID, name: 'Acme', ownerId: OWNER.id };
  const calls: string[] = [];
  const page = (rows: readonly UserRow[], first: number): CountedConnection<UserRow> => ({
    edges: rows.slice(0, first).map((node) => ({ cursor: `c-${node.id}`, node })),
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: false,
      startCursor: rows.length ? `c-${rows[0]?.id}` : null,
      endCursor: rows.length ? `c-${rows[Math.min(first, rows.length) - 1]?.id}` : null,
    },
    totalCount: rows.length,
  });

  const fake: FakeServices = {
    // The GraphQL-level tests do not reach webhooks: those run against a real server (test/e2e/webhooks*.test.ts).
    webhooks: new Proxy({} as FakeServices['webhooks'], {
      get: () => {
        throw new Error('fake services have no webhooks');
      },
    }),
    calls,
    failWith: null,
    accountDelayMs: 0,
    async signUp(_caller, input) {
      calls.push('signUp');
      return {
        ...FAKE_SESSION,
        account,
        user: { ...OWNER, email: input.ownerEmail, name: input.ownerName },
      };
    },
    async login() {
      calls.push('login');
      return { ...FAKE_SESSION, user: OWNER };
    },
    async activateAccount() {
      calls.push('activateAccount');
      return { ...FAKE_SESSION, user: OWNER };
    },
    async refreshSession() {
      calls.push('refreshSession');
      return { ...FAKE_SESSION, user: OWNER };
    },
    async logout() {
      calls.push('logout');
      return { sessionsEnded: 1 };
    },
    async purchaseLicenses(_caller, input) {
      calls.push('purchaseLicenses');
      return { id: `sub-${input.product}`, accountId: ACCOUNT_ID, product: input.product, planId: input.planId };
    },
    async upgradePlan(_caller, input) {
      calls.push('upgradePlan');
      return { id: `sub-${input.product}`, accountId: ACCOUNT_ID, product: input.product, planId: input.planId };
    },
    async releaseLicenses(_caller, input) {
      calls.push('releaseLicenses');
      return { id: `sub-${input.product}`, accountId: ACCOUNT_ID, product: input.product, planId: 'video-pro' };
    },
    async createUser(_caller, input) {
      calls.push('createUser');
      return { ...OWNER, id: 'user-new', email: input.email, name: input.name, role: input.role };
    },
    async changeUserRole(_caller, input) {
      calls.push('changeUserRole');
      return { ...OWNER, id: input.userId, role: input.role };
    },
    async deactivateUser(_caller, input) {
      calls.push('deactivateUser');
      return { user: { ...OWNER, id: input.userId, active: false }, seats: PRODUCTS.map((product) => seats(product)) };
    },
    async assignLicense(_caller, input) {
      calls.push('assignLicense');
      throw new NoSeatsAvailable(`every purchased seat of ${input.product} is assigned`, {
        purchased: 0,
        assigned: 0,
        reserved: 0,
        available: 0,
      });
    },
    async revokeLicense(_caller, input) {
      calls.push('revokeLicense');
      return { user: OWNER, seats: seats(input.product), userLicenses: null };
    },
    async assignLicenses(_caller, input) {
      calls.push('assignLicenses');
      return {
        dryRun: input.dryRun,
        applied: [],
        refused: [],
        seatsBefore: seats(input.product),
        seatsAfter: seats(input.product),
      };
    },
    async revokeLicenses(_caller, input) {
      calls.push('revokeLicenses');
      return {
        dryRun: input.dryRun,
        applied: [],
        refused: [],
        seatsBefore: seats(input.product),
        seatsAfter: seats(input.product),
      };
    },
    async createUsers(_caller, input) {
      calls.push('createUsers');
      return { dryRun: input.dryRun, created: [], refused: [] };
    },
    async account() {
      calls.push('account');
      if (fake.accountDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, fake.accountDelayMs));
      return account;
    },
    async seatAvailability(_accountId, product) {
      calls.push('seatAvailability');
      return seats(product);
    },
    async subscriptions() {
      calls.push('subscriptions');
      if (fake.failWith) throw fake.failWith;
      return [{ id: 'sub-VIDEO_MEETING', accountId: ACCOUNT_ID, product: 'VIDEO_MEETING', planId: 'video-pro' }];
    },
    async searchUsers(_accountId, args) {
      calls.push('searchUsers');
      return page(users, args.first ?? 20);
    },
    async licenseHistory() {
      calls.push('licenseHistory');
      return { edges: [], pageInfo: EMPTY_PAGE, totalCount: 0 };
    },
    licenseEvents() {
      throw new Error('not used by these tests');
    },
    seatAvailabilityChanges() {
      throw new Error('not used by these tests');
    },
    async notifications() {
      return { edges: [], pageInfo: EMPTY_PAGE, totalCount: 0 };
    },
    inviteUser() {
      throw new Error('not used by these tests');
    },
    acceptInvitation() {
      throw new Error('not used by these tests');
    },
    cancelInvitation() {
      throw new Error('not used by these tests');
    },
    resendInvitation() {
      throw new Error('not used by these tests');
    },
    async invitations() {
      return { edges: [], pageInfo: EMPTY_PAGE, totalCount: 0 };
    },
    async seatAlerts() {
      return [];
    },
    async setSeatAlert() {
      return { alert: null };
    },
    async license() {
      return null;
    },
    async subscription() {
      return null;
    },
    async licenseEvent() {
      return null;
    },
    async notification() {
      return null;
    },
    createLoaders(accountId): Loaders {
      return {
        userById: new DataLoader(async (ids: readonly string[]) =>
          ids.map((id) => users.find((u) => u.id === id && u.accountId === accountId) ?? null),
        ),
        licensesByUserId: new DataLoader(async (ids: readonly string[]) =>
          ids.map((id) => (accountId === ACCOUNT_ID ? [license(id, 'VIDEO_MEETING'), license(id, 'WEBINAR')] : [])),
        ),
        invitationById: new DataLoader(async (ids: readonly string[]) => ids.map(() => null)),
      };
    },
  };
  return fake;
}

export async function resolveFakeViewer(token: string | undefined): Promise<{ viewer: Viewer | null }> {
  return { viewer: token === GOOD_TOKEN ? VIEWER : null };
}
