// The key every read model of a product subscription shares: the account and the product of the event.
import type { Product } from '../src/domain/plans';

export const subscriptionKey = (event: { readonly data: { readonly accountId: string; readonly product: Product } }) =>
  [event.data.accountId, event.data.product] as const;
