// Users: search as you type (debounced, the API's users search), a page at a time; Add New User; role change (the
// OWNER's: the API lets only the OWNER change roles) and deactivation with a confirmation (OWNER or ADMIN). A
// MEMBER sees the same list, read-only.
import { useMutation } from '@apollo/client/react';
import { useId, useState } from 'react';
import { shownError } from '../errors';
import { graphql } from '../gql';
import type { Role } from '../gql/graphql';
import { type Me, useMe } from '../me';
import { productName } from '../products';
import { AddUserDialog } from './AddUserDialog';
import { DeactivateDialog } from './DeactivateDialog';
import { type ListedUser, useUserSearch } from './user-search';

const PAGE_SIZE = 10;

const ChangeUserRole = graphql(`
  mutation ChangeUserRole($input: ChangeUserRoleInput!) {
    changeUserRole(input: $input) {
      user {
        id
        role
      }
    }
  }
`);

const ROLE_NAMES: Record<Role, string> = { OWNER: 'Owner', ADMIN: 'Admin', MEMBER: 'Member' };

function RoleCell({ user, me, onStatus }: { user: ListedUser; me: Me; onStatus(message: string): void }) {
  const id = useId();
  const [role, setRole] = useState<Role>(user.role);
  const [change, { loading }] = useMutation(ChangeUserRole);
  // The OWNER's role is never changed, nor anyone's but by the OWNER.
  if (me.role !== 'OWNER' || user.role === 'OWNER' || !user.active) return <>{ROLE_NAMES[user.role]}</>;
  const save = async () => {
    if (loading) return;
    try {
      await change({ variables: { input: { userId: user.id, role } } });
      onStatus(`${user.name} is now ${ROLE_NAMES[role]}.`);
    } catch (caught) {
      onStatus(shownError(caught).message);
    }
  };
  return (
    <span className="inline">
      <label htmlFor={id} className="visually-hidden">
        Role of {user.name}
      </label>
      <select id={id} value={role} onChange={(event) => setRole(event.target.value as Role)}>
        <option value="MEMBER">Member</option>
        <option value="ADMIN">Admin</option>
      </select>
      <button type="button" onClick={save} disabled={role === user.role} aria-disabled={loading}>
        Change role<span className="visually-hidden"> of {user.name}</span>
      </button>
    </span>
  );
}

function mayDeactivate(me: Me, user: ListedUser): boolean {
  if (!me.manages || !user.active || user.id === me.id || user.role === 'OWNER') return false;
  return user.role !== 'ADMIN' || me.role === 'OWNER';
}

export function UsersPage() {
  const me = useMe();
  const [text, setText] = useState('');
  const [adding, setAdding] = useState(false);
  const [deactivating, setDeactivating] = useState<ListedUser | null>(null);
  const [status, setStatus] = useState('');
  const search = useUserSearch(text, PAGE_SIZE);
  const searchId = useId();

  return (
    <>
      <h1>Users</h1>
      <div className="toolbar">
        <div className="field grow">
          <label htmlFor={searchId}>Search users</label>
          <input
            id={searchId}
            type="search"
            value={text}
            onChange={(event) => setText(event.target.value)}
            placeholder="Name or e-mail"
            autoComplete="off"
          />
        </div>
        {me?.manages && (
          <button type="button" className="primary" onClick={() => setAdding(true)}>
            Add New User
          </button>
        )}
      </div>
      <p role="status" className="status">
        {status}
      </p>
      {search.error ? (
        <p role="alert" className="error">
          {shownError(search.error).message}
        </p>
      ) : null}
      <p aria-live="polite" className="status" data-testid="user-count">
        {search.totalCount === undefined
          ? 'Loading users…'
          : `${search.totalCount} ${search.totalCount === 1 ? 'user' : 'users'}`}
      </p>
      <table className="users">
        <caption className="visually-hidden">Users of the account</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">E-mail</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col">Licences</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {search.users.map((user) => (
            <tr key={user.id} data-user={user.email}>
              <th scope="row">{user.name}</th>
              <td>{user.email}</td>
              <td>{me ? <RoleCell user={user} me={me} onStatus={setStatus} /> : ROLE_NAMES[user.role]}</td>
              <td>{user.status.toLowerCase()}</td>
              <td>{user.licenses.map((license) => productName(license.product)).join(', ') || '—'}</td>
              <td>
                {me && mayDeactivate(me, user) && (
                  <button type="button" className="danger" onClick={() => setDeactivating(user)}>
                    Deactivate<span className="visually-hidden"> {user.name}</span>
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav aria-label="Pages of users" className="pager">
        <button type="button" onClick={search.previous} disabled={!search.hasPrevious}>
          Previous page
        </button>
        <button type="button" onClick={search.next} disabled={!search.hasNext}>
          Next page
        </button>
      </nav>
      {adding && (
        <AddUserDialog
          canAddAdmin={me?.role === 'OWNER'}
          onDone={(message) => {
            setAdding(false);
            if (message) setStatus(message);
          }}
        />
      )}
      {deactivating && (
        <DeactivateDialog
          key={deactivating.id}
          user={deactivating}
          onDone={(message) => {
            setDeactivating(null);
            if (message) setStatus(message);
          }}
        />
      )}
    </>
  );
}
