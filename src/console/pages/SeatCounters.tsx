// One product's purchased / assigned / reserved / available counts for the pages that change them (Assign License):
// read from the Subscriptions query (the same normalized SeatAvailability entity every write answers), kept live by
// live-seats.ts, announced politely when they move.
import { useQuery } from '@apollo/client/react';
import type { Product } from '../gql/graphql';
import { productName } from '../products';
import { SubscriptionsQuery } from './subscriptions-query';

const COUNTERS = ['purchased', 'assigned', 'reserved', 'available'] as const;

export function SeatCounters({ product }: { product: Product }) {
  const { data } = useQuery(SubscriptionsQuery);
  const seats = data?.subscriptions.find((s) => s.product === product)?.seats;
  return (
    <dl className="counters" aria-live="polite" aria-label={`${productName(product)} seats`} data-product={product}>
      {COUNTERS.map((counter) => (
        <div key={counter} className="counter">
          <dt>{counter[0]?.toUpperCase() + counter.slice(1)}</dt>
          <dd data-counter={counter}>{seats?.[counter] ?? 0}</dd>
        </div>
      ))}
    </dl>
  );
}
