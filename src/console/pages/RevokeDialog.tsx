// Revoke a licence with a reason: revokeLicense takes an optional `reason` (kept in the history's LicenseRevoked).
// The answer's seats and user update the cache by id: counters and the user's licences move without a refetch.
import { useMutation } from '@apollo/client/react';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { type FormErrors, formErrors } from '../field-errors';
import { graphql } from '../gql';
import type { Product } from '../gql/graphql';
import { newIdempotencyKey } from '../idempotency';
import { productName } from '../products';

const RevokeLicense = graphql(`
  mutation RevokeLicense($input: RevokeLicenseInput!) {
    revokeLicense(input: $input) {
      user {
        id
        licenses {
          id
          product
          plan {
            id
            name
          }
        }
      }
      seats {
        ...SeatCounts
      }
    }
  }
`);

interface Props {
  readonly user: { readonly id: string; readonly name: string };
  readonly product: Product;
  onDone(message: string | null): void;
}

export function RevokeDialog({ user, product, onDone }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [idempotencyKey] = useState(() => newIdempotencyKey('revoke'));
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const ids = { title: useId(), reason: useId() };
  const [revoke, { loading }] = useMutation(RevokeLicense);

  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (loading) return;
    const reason = String(new FormData(event.currentTarget).get('reason') ?? '');
    setErrors(null);
    try {
      await revoke({ variables: { input: { userId: user.id, product, reason, idempotencyKey } } });
      onDone(`Revoked ${user.name}'s ${productName(product)} licence.`);
    } catch (caught) {
      setErrors(formErrors(caught, ['reason']));
    }
  };

  const reasonError = errors?.fields.reason;
  return (
    <dialog ref={dialog} aria-labelledby={ids.title} onClose={() => onDone(null)}>
      <form onSubmit={submit}>
        <h2 id={ids.title}>
          Revoke {user.name}'s {productName(product)} licence
        </h2>
        <div className="field">
          <label htmlFor={ids.reason}>Reason (kept in the history)</label>
          <textarea
            id={ids.reason}
            name="reason"
            rows={3}
            maxLength={500}
            aria-invalid={reasonError ? true : undefined}
            aria-describedby={reasonError ? `${ids.reason}-error` : undefined}
          />
          {reasonError && (
            <p id={`${ids.reason}-error`} className="error field-error">
              {reasonError}
            </p>
          )}
        </div>
        <div role="alert" className="error">
          {errors?.form}
        </div>
        <div className="actions">
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="submit" className="danger" aria-disabled={loading}>
            Revoke
          </button>
        </div>
      </form>
    </dialog>
  );
}
