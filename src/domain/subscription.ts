// The subscription stream `subscription-<accountId>-<product>`: every change to one product's seats is an
// append here with the expected revision, which is what keeps assigned ≤ purchased under concurrency.
import type { Command, Decider, Event } from './decider';
import type { Product } from './plans';
import type { UserState } from './user';

export type LicensePurchased = Event<
  'LicensePurchased',
  { accountId: string; product: Product; planId: string; quantity: number }
>;
export type PlanUpgraded = Event<
  'PlanUpgraded',
  { accountId: string; product: Product; fromPlanId: string; toPlanId: string }
>;
export type LicensesReleased = Event<'LicensesReleased', { accountId: string; product: Product; quantity: number }>;
export type LicenseAssigned = Event<
  'LicenseAssigned',
  { accountId: string; product: Product; planId: string; userId: string }
>;
export type LicenseRevoked = Event<
  'LicenseRevoked',
  { accountId: string; product: Product; planId: string; userId: string; reason: string | null }
>;
export type SubscriptionEvent = LicensePurchased | PlanUpgraded | LicensesReleased | LicenseAssigned | LicenseRevoked;

export type PurchaseLicenses = Command<
  'PurchaseLicenses',
  { accountId: string; product: Product; planId: string; quantity: number }
>;
export type UpgradePlan = Command<'UpgradePlan', { accountId: string; product: Product; planId: string }>;
export type ReleaseLicenses = Command<'ReleaseLicenses', { accountId: string; product: Product; quantity: number }>;
/** `user` is the assignee's current state, read by the handler from their stream (absent if unknown). */
export type AssignLicense = Command<
  'AssignLicense',
  { accountId: string; product: Product; userId: string; user: UserState }
>;
export type RevokeLicense = Command<
  'RevokeLicense',
  { accountId: string; product: Product; userId: string; reason: string | null }
>;
export type SubscriptionCommand = PurchaseLicenses | UpgradePlan | ReleaseLicenses | AssignLicense | RevokeLicense;

export const MAX_SEATS_PER_PURCHASE = 10_000;
export const MAX_SEATS_PER_SUBSCRIPTION = 1_000_000;

export type SubscriptionState =
  | { readonly status: 'none' }
  | {
      readonly status: 'active';
      readonly accountId: string;
      readonly product: Product;
      readonly planId: string;
      readonly purchased: number;
      /** The users holding a licence of this product. */
      readonly holders: ReadonlySet<string>;
    };

export const subscriptionDecider: Decider<SubscriptionState, SubscriptionCommand, SubscriptionEvent> = {
  initialState: () => ({ status: 'none' }),
  decide: () => {
    throw new Error('TODO: subscriptionDecider.decide');
  },
  evolve: (state) => state,
};
