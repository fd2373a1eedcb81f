// Invite a user: name, e-mail, role and the products to hold a seat of. inviteUser holds the seats at once (the
// counters show them reserved, through the answer's `seats` by id) and the invitation mail follows. Field errors at
// their fields; NO_SEATS_AVAILABLE for a product with no free seat is said in the dialog's alert.
import { useMutation } from '@apollo/client/react';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { type FormErrors, formErrors } from '../field-errors';
import { graphql } from '../gql';
import type { Product, Role } from '../gql/graphql';
import { newIdempotencyKey } from '../idempotency';
import { PRODUCTS, productName } from '../products';

const InviteUser = graphql(`
  mutation InviteUser($input: InviteUserInput!) {
    inviteUser(input: $input) {
      invitation {
        id
        status
        products
        user {
          id
          name
          email
          status
        }
      }
      seats {
        ...SeatCounts
      }
    }
  }
`);

const FIELDS = ['name', 'email', 'role', 'products'] as const;

interface Props {
  readonly canInviteAdmin: boolean;
  /** Checked when the dialog opens: the product the page is on. */
  readonly product: Product;
  onDone(message: string | null): void;
}

export function InviteDialog({ canInviteAdmin, product, onDone }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [idempotencyKey] = useState(() => newIdempotencyKey('invite'));
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const ids = { title: useId(), name: useId(), email: useId(), role: useId(), products: useId() };
  const [invite, { loading }] = useMutation(InviteUser, { refetchQueries: ['UserSearch', 'PendingInvitations'] });

  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (loading) return;
    const form = new FormData(event.currentTarget);
    const name = String(form.get('name') ?? '');
    const products = form.getAll('products').map(String) as Product[];
    setErrors(null);
    try {
      await invite({
        variables: {
          input: {
            name,
            email: String(form.get('email') ?? ''),
            role: form.get('role') as Role,
            products,
            idempotencyKey,
          },
        },
      });
      onDone(`Invited ${name.trim()}; ${products.length === 1 ? 'a seat is' : 'seats are'} held for them.`);
    } catch (caught) {
      setErrors(formErrors(caught, FIELDS));
    }
  };

  const described = (field: (typeof FIELDS)[number], id: string) =>
    errors?.fields[field] ? { 'aria-invalid': true, 'aria-describedby': `${id}-error` } : {};
  const message = (field: (typeof FIELDS)[number], id: string) =>
    errors?.fields[field] ? (
      <p id={`${id}-error`} className="error field-error">
        {errors.fields[field]}
      </p>
    ) : null;

  return (
    <dialog ref={dialog} aria-labelledby={ids.title} onClose={() => onDone(null)}>
      <form onSubmit={submit} noValidate>
        <h2 id={ids.title}>Invite a user</h2>
        <div className="field">
          <label htmlFor={ids.name}>Name</label>
          <input id={ids.name} name="name" autoComplete="off" {...described('name', ids.name)} />
          {message('name', ids.name)}
        </div>
        <div className="field">
          <label htmlFor={ids.email}>E-mail</label>
          <input id={ids.email} name="email" type="email" autoComplete="off" {...described('email', ids.email)} />
          {message('email', ids.email)}
        </div>
        <div className="field">
          <label htmlFor={ids.role}>Role</label>
          <select id={ids.role} name="role" defaultValue="MEMBER">
            <option value="MEMBER">Member</option>
            {canInviteAdmin && <option value="ADMIN">Admin</option>}
          </select>
          {message('role', ids.role)}
        </div>
        <fieldset className="field" {...described('products', ids.products)}>
          <legend>Hold a seat of</legend>
          {PRODUCTS.map((choice) => (
            <label key={choice} className="check">
              <input type="checkbox" name="products" value={choice} defaultChecked={choice === product} />
              {productName(choice)}
            </label>
          ))}
          {message('products', ids.products)}
        </fieldset>
        <div role="alert" className="error">
          {errors && (errors.form ?? 'Please correct the fields marked above.')}
        </div>
        <div className="actions">
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="submit" className="primary" aria-disabled={loading}>
            Send invitation
          </button>
        </div>
      </form>
    </dialog>
  );
}
