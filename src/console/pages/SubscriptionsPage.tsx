// Subscriptions: per product its plan and features, and purchased / assigned / reserved / available as live
// counters, kept live by live-seats.ts (seatAvailabilityChanged over graphql-ws, merged by the SeatAvailability's
// id in the normalized cache), so the counters move without a refetch. Buy More, Upgrade and Release open their dialogs.
import { useQuery } from '@apollo/client/react';
import { useId, useState } from 'react';
import { shownError } from '../errors';
import type { SubscriptionsQuery as Page, Product } from '../gql/graphql';
import { PRODUCTS, productName } from '../products';
import { BuyMoreDialog, type PlanChoice } from './BuyMoreDialog';
import { ReleaseDialog } from './ReleaseDialog';
import { SubscriptionsQuery } from './subscriptions-query';
import { UpgradeDialog } from './UpgradeDialog';

type Seats = Page['subscriptions'][number]['seats'];
const COUNTERS = ['purchased', 'assigned', 'reserved', 'available'] as const satisfies readonly (keyof Seats)[];
const COUNTER_NAMES: Record<(typeof COUNTERS)[number], string> = {
  purchased: 'Purchased',
  assigned: 'Assigned',
  reserved: 'Reserved',
  available: 'Available',
};

function Counters({ product, seats }: { product: Product; seats: Seats | undefined }) {
  return (
    // Announced politely on every change: the counts move while an admin looks at them.
    <dl className="counters" aria-live="polite" aria-label={`${productName(product)} seats`}>
      {COUNTERS.map((counter) => (
        <div key={counter} className="counter">
          <dt>{COUNTER_NAMES[counter]}</dt>
          <dd data-counter={counter}>{seats?.[counter] ?? 0}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Which dialog is open, for which product. */
type Open = { readonly dialog: 'buy' | 'upgrade' | 'release'; readonly product: Product };

function ProductCard({ product, page, onOpen }: { product: Product; page: Page; onOpen(open: Open): void }) {
  const titleId = useId();
  const subscription = page.subscriptions.find((s) => s.product === product);
  const plan = subscription?.plan;
  return (
    <section className="card product" aria-labelledby={titleId} data-product={product}>
      <h2 id={titleId}>{productName(product)}</h2>
      {plan ? (
        <>
          <p>
            Plan: <strong>{plan.name}</strong>
          </p>
          <ul className="features" aria-label={`Features of ${plan.name}`}>
            {plan.features.map((feature) => (
              <li key={feature}>{feature}</li>
            ))}
          </ul>
        </>
      ) : (
        <p>Not bought yet.</p>
      )}
      <Counters product={product} seats={subscription?.seats} />
      <div className="actions start">
        <button type="button" className="primary" onClick={() => onOpen({ dialog: 'buy', product })}>
          Buy More
        </button>
        {plan && (
          <button type="button" onClick={() => onOpen({ dialog: 'upgrade', product })}>
            Upgrade
          </button>
        )}
        {plan && (
          <button
            type="button"
            onClick={() => onOpen({ dialog: 'release', product })}
            disabled={(subscription?.seats.available ?? 0) === 0}
          >
            Release
          </button>
        )}
      </div>
    </section>
  );
}

export function SubscriptionsPage() {
  const { data, error } = useQuery(SubscriptionsQuery);
  const [open, setOpen] = useState<Open | null>(null);
  const [status, setStatus] = useState('');

  if (error) {
    return (
      <p role="alert" className="error">
        {shownError(error).message}
      </p>
    );
  }
  if (!data) return <p aria-busy="true">Loading subscriptions…</p>;

  const done = (message: string | null) => {
    setOpen(null);
    if (message) setStatus(message);
  };

  const plansFor = (product: Product) => {
    const current = data.subscriptions.find((s) => s.product === product)?.plan;
    return current ? [current] : data.plans.filter((p) => p.product === product).sort((a, b) => a.rank - b.rank);
  };

  return (
    <>
      <h1>Subscriptions</h1>
      <p role="status" className="status">
        {status}
      </p>
      <div className="products">
        {PRODUCTS.map((product) => (
          <ProductCard key={product} product={product} page={data} onOpen={setOpen} />
        ))}
      </div>
      {open && <OpenDialog open={open} page={data} plansFor={plansFor} onDone={done} />}
    </>
  );
}

function OpenDialog(props: {
  open: Open;
  page: Page;
  plansFor(product: Product): readonly PlanChoice[];
  onDone(message: string | null): void;
}) {
  const { open, page, onDone } = props;
  const { product } = open;
  const subscription = page.subscriptions.find((s) => s.product === product);
  switch (open.dialog) {
    case 'buy':
      return <BuyMoreDialog key={product} product={product} plans={props.plansFor(product)} onDone={onDone} />;
    case 'upgrade':
      return subscription ? (
        <UpgradeDialog
          product={product}
          current={subscription.plan}
          catalogue={page.plans.filter((p) => p.product === product)}
          onDone={onDone}
        />
      ) : null;
    case 'release':
      return subscription ? (
        <ReleaseDialog product={product} free={subscription.seats.available} onDone={onDone} />
      ) : null;
    default: {
      const unknown: never = open.dialog;
      throw new Error(`unknown dialog ${unknown}`);
    }
  }
}
