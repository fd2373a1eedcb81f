// Add New User: a modal dialog (the browser's <dialog>) with name, e-mail and role. The API's validation messages
// are shown at their fields (BAD_USER_INPUT's `fields`, EMAIL_TAKEN at the e-mail), each field pointing at its
// message (aria-describedby, aria-invalid). One idempotency key per opened dialog: a double click adds once.
import { useMutation } from '@apollo/client/react';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { type FormErrors, formErrors } from '../field-errors';
import { graphql } from '../gql';
import type { Role } from '../gql/graphql';
import { newIdempotencyKey } from '../idempotency';

const CreateUser = graphql(`
  mutation CreateUser($input: CreateUserInput!) {
    createUser(input: $input) {
      user {
        id
        name
        email
        role
        status
        active
        licenses {
          id
          product
        }
      }
    }
  }
`);

const FIELDS = ['name', 'email', 'role'] as const;

interface Props {
  /** Only an OWNER adds an ADMIN. */
  readonly canAddAdmin: boolean;
  onDone(message: string | null): void;
}

export function AddUserDialog({ canAddAdmin, onDone }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [idempotencyKey] = useState(() => newIdempotencyKey('add-user'));
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const ids = { title: useId(), name: useId(), email: useId(), role: useId(), form: useId() };
  const [createUser, { loading }] = useMutation(CreateUser, { refetchQueries: ['UserSearch'] });

  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (loading) return;
    const form = new FormData(event.currentTarget);
    const name = String(form.get('name') ?? '');
    setErrors(null);
    try {
      await createUser({
        variables: {
          input: { name, email: String(form.get('email') ?? ''), role: form.get('role') as Role, idempotencyKey },
        },
      });
      onDone(`Added ${name.trim()}.`);
    } catch (caught) {
      setErrors(formErrors(caught, FIELDS));
    }
  };

  const fieldError = (field: (typeof FIELDS)[number], id: string) => {
    const message = errors?.fields[field];
    return message ? (
      <p id={`${id}-error`} className="error field-error">
        {message}
      </p>
    ) : null;
  };
  const invalid = (field: (typeof FIELDS)[number], id: string) =>
    errors?.fields[field] ? { 'aria-invalid': true, 'aria-describedby': `${id}-error` } : {};

  return (
    <dialog ref={dialog} aria-labelledby={ids.title} onClose={() => onDone(null)}>
      {/* noValidate: the API's own messages are the ones shown, at the fields. */}
      <form onSubmit={submit} noValidate>
        <h2 id={ids.title}>Add New User</h2>
        <div className="field">
          <label htmlFor={ids.name}>Name</label>
          <input id={ids.name} name="name" autoComplete="off" {...invalid('name', ids.name)} />
          {fieldError('name', ids.name)}
        </div>
        <div className="field">
          <label htmlFor={ids.email}>E-mail</label>
          <input id={ids.email} name="email" type="email" autoComplete="off" {...invalid('email', ids.email)} />
          {fieldError('email', ids.email)}
        </div>
        <div className="field">
          <label htmlFor={ids.role}>Role</label>
          <select id={ids.role} name="role" defaultValue="MEMBER" {...invalid('role', ids.role)}>
            <option value="MEMBER">Member</option>
            {canAddAdmin && <option value="ADMIN">Admin</option>}
          </select>
          {fieldError('role', ids.role)}
        </div>
        {/* Every error is announced here too; the field's own message sits next to it. */}
        <div id={ids.form} role="alert" className="error">
          {errors && (errors.form ?? 'Please correct the fields marked above.')}
        </div>
        <div className="actions">
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="submit" className="primary" aria-disabled={loading}>
            Add user
          </button>
        </div>
      </form>
    </dialog>
  );
}
