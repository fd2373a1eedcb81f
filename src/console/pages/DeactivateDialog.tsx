// Deactivate a user: a confirmation that names the licences the deactivation revokes, before anything is written.
// The answer's `seats` (every product's live counts, by id) and the user (inactive, no licences) update Apollo's
// normalized cache: the counters and the row change without a refetch.
import { useMutation } from '@apollo/client/react';
import { useEffect, useId, useRef, useState } from 'react';
import { shownError } from '../errors';
import { graphql } from '../gql';
import { newIdempotencyKey } from '../idempotency';
import { productName } from '../products';
import type { ListedUser } from './user-search';

const DeactivateUser = graphql(`
  mutation DeactivateUser($input: DeactivateUserInput!) {
    deactivateUser(input: $input) {
      user {
        id
        active
        status
        licenses {
          id
          product
        }
      }
      seats {
        ...SeatCounts
      }
    }
  }
`);

interface Props {
  readonly user: ListedUser;
  onDone(message: string | null): void;
}

export function DeactivateDialog({ user, onDone }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [idempotencyKey] = useState(() => newIdempotencyKey('deactivate'));
  const [error, setError] = useState<string | null>(null);
  const ids = { title: useId(), what: useId() };
  const [deactivate, { loading }] = useMutation(DeactivateUser);

  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  const confirm = async () => {
    if (loading) return;
    setError(null);
    try {
      await deactivate({ variables: { input: { userId: user.id, idempotencyKey } } });
      onDone(`Deactivated ${user.name}.`);
    } catch (caught) {
      setError(shownError(caught).message);
    }
  };

  return (
    <dialog ref={dialog} aria-labelledby={ids.title} aria-describedby={ids.what} onClose={() => onDone(null)}>
      <h2 id={ids.title}>Deactivate {user.name}?</h2>
      <div id={ids.what}>
        <p>
          {user.name} ({user.email}) will no longer be able to sign in.
        </p>
        {user.licenses.length > 0 ? (
          <>
            <p>These licences will be revoked and their seats freed:</p>
            <ul className="revoked">
              {user.licenses.map((license) => (
                <li key={license.id}>
                  {productName(license.product)} ({license.plan.name})
                </li>
              ))}
            </ul>
          </>
        ) : (
          <p>They hold no licence.</p>
        )}
      </div>
      <div role="alert" className="error">
        {error}
      </div>
      <div className="actions">
        <button type="button" onClick={() => dialog.current?.close()}>
          Cancel
        </button>
        <button type="button" className="danger" aria-disabled={loading} onClick={confirm}>
          Deactivate
        </button>
      </div>
    </dialog>
  );
}
