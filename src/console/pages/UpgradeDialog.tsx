// Upgrade: a modal dialog offering only the plans that rank above the product's current plan (from the plan
// catalogue the page already read), their features compared side by side with the current plan's. Its idempotency
// key is made when the dialog opens, so a double click upgrades once. The answer's ProductSubscription (plan and
// seats, by id) updates the page through the normalized cache: no refetch.
import { useMutation } from '@apollo/client/react';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { shownError } from '../errors';
import { graphql } from '../gql';
import type { Product } from '../gql/graphql';
import { newIdempotencyKey } from '../idempotency';
import { productName } from '../products';

const UpgradePlan = graphql(`
  mutation UpgradePlan($input: UpgradePlanInput!) {
    upgradePlan(input: $input) {
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

export interface PlanOffer {
  readonly id: string;
  readonly name: string;
  readonly rank: number;
  readonly features: readonly string[];
}

interface Props {
  readonly product: Product;
  readonly current: PlanOffer;
  /** The whole catalogue of the product; only those ranking above `current` are offered. */
  readonly catalogue: readonly PlanOffer[];
  onDone(message: string | null): void;
}

/** The plans worth offering: better than the current one, cheapest first. */
export function betterPlans(current: PlanOffer, catalogue: readonly PlanOffer[]): PlanOffer[] {
  return catalogue.filter((plan) => plan.rank > current.rank).sort((a, b) => a.rank - b.rank);
}

export function UpgradeDialog({ product, current, catalogue, onDone }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [idempotencyKey] = useState(() => newIdempotencyKey('upgrade'));
  const [error, setError] = useState<string | null>(null);
  const ids = { title: useId(), error: useId(), table: useId() };
  const offers = betterPlans(current, catalogue);
  const [upgrade, { loading }] = useMutation(UpgradePlan);

  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  const compared = [current, ...offers];
  const features = [...new Set(compared.flatMap((plan) => plan.features))];

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (loading) return;
    const plan = String(new FormData(event.currentTarget).get('plan') ?? '');
    setError(null);
    try {
      const { data } = await upgrade({ variables: { input: { product, plan, idempotencyKey } } });
      onDone(`${productName(product)} upgraded to ${data?.upgradePlan.subscription.plan.name ?? plan}.`);
    } catch (caught) {
      setError(shownError(caught).message);
    }
  };

  return (
    <dialog ref={dialog} aria-labelledby={ids.title} onClose={() => onDone(null)} className="wide">
      <form onSubmit={submit}>
        <h2 id={ids.title}>Upgrade {productName(product)}</h2>
        {offers.length === 0 ? (
          <p>{current.name} is the best plan of this product: there is nothing to upgrade to.</p>
        ) : (
          <>
            <table className="compare" aria-describedby={ids.table}>
              <caption id={ids.table}>Features of the current plan and the better ones</caption>
              <thead>
                <tr>
                  <th scope="col">Feature</th>
                  <th scope="col">{current.name} (current)</th>
                  {offers.map((plan) => (
                    <th key={plan.id} scope="col">
                      {plan.name}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {features.map((feature) => (
                  <tr key={feature}>
                    <th scope="row">{feature}</th>
                    {compared.map((plan) => (
                      <td key={plan.id}>{plan.features.includes(feature) ? 'Yes' : 'No'}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
            <fieldset>
              <legend>Move every seat to</legend>
              {offers.map((plan, index) => (
                <label key={plan.id} className="choice">
                  <input type="radio" name="plan" value={plan.id} defaultChecked={index === 0} required />
                  {plan.name}
                </label>
              ))}
            </fieldset>
          </>
        )}
        <div id={ids.error} role="alert" className="error">
          {error}
        </div>
        <div className="actions">
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          {offers.length > 0 && (
            <button type="submit" className="primary" aria-disabled={loading}>
              Upgrade
            </button>
          )}
        </div>
      </form>
    </dialog>
  );
}
