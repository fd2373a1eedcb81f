// Release: give back unassigned seats. The quantity is bounded by the seats free now (the live counters the page
// shows): more is refused at the field before anything is sent, and the API's own bound (BAD_USER_INPUT, when
// another admin took a seat meanwhile) is shown the same way. The idempotency key is made when the dialog opens, so
// a double click releases once. The answer's seats update the counters through the cache by id.
import { useMutation } from '@apollo/client/react';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { shownError } from '../errors';
import { graphql } from '../gql';
import type { Product } from '../gql/graphql';
import { newIdempotencyKey } from '../idempotency';
import { productName } from '../products';

const ReleaseLicenses = graphql(`
  mutation ReleaseLicenses($input: ReleaseLicensesInput!) {
    releaseLicenses(input: $input) {
      subscription {
        id
        product
        seats {
          ...SeatCounts
        }
      }
    }
  }
`);

interface Props {
  readonly product: Product;
  /** Seats neither assigned nor reserved: the most that may go back. */
  readonly free: number;
  onDone(message: string | null): void;
}

const seats = (n: number) => `${n} ${n === 1 ? 'seat' : 'seats'}`;

export function ReleaseDialog({ product, free, onDone }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const quantityField = useRef<HTMLInputElement>(null);
  const [idempotencyKey] = useState(() => newIdempotencyKey('release'));
  const [error, setError] = useState<string | null>(null);
  const ids = { title: useId(), quantity: useId(), hint: useId(), error: useId() };
  const [release, { loading }] = useMutation(ReleaseLicenses);

  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  const refuse = (message: string) => {
    setError(message);
    quantityField.current?.focus();
  };

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (loading) return;
    const quantity = Number(new FormData(event.currentTarget).get('quantity'));
    if (!Number.isInteger(quantity) || quantity < 1) {
      refuse('Give back at least 1 seat.');
      return;
    }
    if (quantity > free) {
      refuse(`At most ${seats(free)} can be released: the others are assigned or reserved.`);
      return;
    }
    setError(null);
    try {
      await release({ variables: { input: { product, quantity, idempotencyKey } } });
      onDone(`Released ${seats(quantity)} of ${productName(product)}.`);
    } catch (caught) {
      refuse(shownError(caught).message);
    }
  };

  return (
    <dialog ref={dialog} aria-labelledby={ids.title} onClose={() => onDone(null)}>
      <form onSubmit={submit} noValidate>
        <h2 id={ids.title}>Release {productName(product)} seats</h2>
        <div className="field">
          <label htmlFor={ids.quantity}>Seats to release</label>
          <input
            id={ids.quantity}
            ref={quantityField}
            name="quantity"
            type="number"
            min={1}
            max={free}
            step={1}
            defaultValue={1}
            required
            aria-invalid={error !== null || undefined}
            aria-describedby={`${ids.hint} ${ids.error}`}
          />
          <p id={ids.hint} className="hint">
            {seats(free)} unassigned.
          </p>
        </div>
        <div id={ids.error} role="alert" className="error">
          {error}
        </div>
        <div className="actions">
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="submit" className="primary" aria-disabled={loading}>
            Release
          </button>
        </div>
      </form>
    </dialog>
  );
}
