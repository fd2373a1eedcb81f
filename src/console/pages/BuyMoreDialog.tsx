// Buy More: a modal dialog (the browser's own <dialog>: focus moves in, Escape closes, focus returns) to pick the
// plan and the number of seats. Its idempotency key is made when the dialog opens, so a double click, or pressing
// Buy again after a lost answer, buys once. The answer's SeatAvailability updates the counters through the cache.
import { useMutation } from '@apollo/client/react';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { shownError } from '../errors';
import { graphql } from '../gql';
import type { Product } from '../gql/graphql';
import { newIdempotencyKey } from '../idempotency';
import { productName } from '../products';
import { SubscriptionsQuery } from './subscriptions-query';

const PurchaseLicenses = graphql(`
  mutation PurchaseLicenses($input: PurchaseLicensesInput!) {
    purchaseLicenses(input: $input) {
      subscription {
        id
        product
        plan {
          id
          name
          rank
          features
        }
        seats {
          ...SeatCounts
        }
      }
    }
  }
`);

export interface PlanChoice {
  readonly id: string;
  readonly name: string;
}

interface Props {
  readonly product: Product;
  /** The plans that may be bought: once a product is bought, only its current plan (Upgrade changes it). */
  readonly plans: readonly PlanChoice[];
  onDone(message: string | null): void;
}

export function BuyMoreDialog({ product, plans, onDone }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [idempotencyKey] = useState(() => newIdempotencyKey('buy-more'));
  const [error, setError] = useState<string | null>(null);
  const ids = { title: useId(), plan: useId(), quantity: useId(), error: useId() };
  const [purchase, { loading }] = useMutation(PurchaseLicenses, {
    update(cache, { data }) {
      const bought = data?.purchaseLicenses.subscription;
      if (!bought) return;
      // A first purchase opens a subscription the page's list does not have yet; later ones only change counts,
      // which the normalized cache has already merged by the SeatAvailability's id.
      cache.updateQuery({ query: SubscriptionsQuery }, (page) =>
        page && !page.subscriptions.some((s) => s.id === bought.id)
          ? { ...page, subscriptions: [...page.subscriptions, bought] }
          : page,
      );
    },
  });

  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (loading) return;
    const form = new FormData(event.currentTarget);
    const quantity = Number(form.get('quantity'));
    setError(null);
    try {
      await purchase({
        variables: { input: { product, plan: String(form.get('plan')), quantity, idempotencyKey } },
      });
      onDone(`Bought ${quantity} ${quantity === 1 ? 'seat' : 'seats'} of ${productName(product)}.`);
    } catch (caught) {
      setError(shownError(caught).message);
    }
  };

  return (
    <dialog ref={dialog} aria-labelledby={ids.title} onClose={() => onDone(null)}>
      <form onSubmit={submit}>
        <h2 id={ids.title}>Buy more {productName(product)} seats</h2>
        <div className="field">
          <label htmlFor={ids.plan}>Plan</label>
          <select id={ids.plan} name="plan" defaultValue={plans[0]?.id}>
            {plans.map((plan) => (
              <option key={plan.id} value={plan.id}>
                {plan.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.quantity}>Seats to add</label>
          <input
            id={ids.quantity}
            name="quantity"
            type="number"
            min={1}
            max={10000}
            step={1}
            defaultValue={1}
            required
            aria-describedby={ids.error}
          />
        </div>
        <div id={ids.error} role="alert" className="error">
          {error}
        </div>
        <div className="actions">
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="submit" className="primary" aria-disabled={loading}>
            Buy
          </button>
        </div>
      </form>
    </dialog>
  );
}
