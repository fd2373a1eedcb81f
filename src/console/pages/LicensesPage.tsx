// Assign License: search a user (as you type), pick the product, assign. NO_SEATS_AVAILABLE offers Buy More in
// place (the Subscriptions page's dialog); once bought, the same assignment can be tried again. Revoke asks for a
// reason; Invite holds seats for someone new, and the pending invitations can be sent again or cancelled
// (InvitationsPanel); picking several users opens the bulk assign / revoke with its dry run. The product's counters
// sit on the page, live. A MEMBER sees the list and the counts only.
import { useMutation, useQuery } from '@apollo/client/react';
import { useId, useState } from 'react';
import { shownError } from '../errors';
import { graphql } from '../gql';
import type { Product } from '../gql/graphql';
import { newIdempotencyKey } from '../idempotency';
import { useMe } from '../me';
import { PRODUCTS, productName } from '../products';
import { BulkPanel } from './BulkPreview';
import { BuyMoreDialog } from './BuyMoreDialog';
import { InvitationsPanel } from './InvitationsPanel';
import { InviteDialog } from './InviteDialog';
import { RevokeDialog } from './RevokeDialog';
import { SeatCounters } from './SeatCounters';
import { SubscriptionsQuery } from './subscriptions-query';
import { type ListedUser, useUserSearch } from './user-search';

const PAGE_SIZE = 10;

const AssignLicense = graphql(`
  mutation AssignLicense($input: AssignLicenseInput!) {
    assignLicense(input: $input) {
      license {
        id
        product
      }
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

type Dialog =
  | { readonly kind: 'buy' }
  | { readonly kind: 'revoke'; readonly user: ListedUser }
  | { readonly kind: 'invite' }
  | null;

/** An assignment the API refused for want of a seat: Buy More, then try it again. */
interface NoSeats {
  readonly user: ListedUser;
  readonly product: Product;
  readonly message: string;
  readonly bought: boolean;
}

export function LicensesPage() {
  const me = useMe();
  const subscriptions = useQuery(SubscriptionsQuery);
  const [text, setText] = useState('');
  const [product, setProduct] = useState<Product>('VIDEO_MEETING');
  // Picked users by id, with what the page showed of them (they stay picked across searches and pages).
  const [picked, setPicked] = useState<ReadonlyMap<string, ListedUser>>(new Map());
  const [dialog, setDialog] = useState<Dialog>(null);
  const [status, setStatus] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [noSeats, setNoSeats] = useState<NoSeats | null>(null);
  // One key per attempted assignment (user and product): a double click assigns once; a refusal spends no key.
  const [assignKey, setAssignKey] = useState(() => newIdempotencyKey('assign'));
  const search = useUserSearch(text, PAGE_SIZE);
  const [assign, { loading: assigning }] = useMutation(AssignLicense);
  const ids = { search: useId(), product: useId(), results: useId() };

  const pickedUsers = [...picked.values()];
  // The single user Assign and Revoke act on, with the latest the search shows of them.
  const only =
    pickedUsers.length === 1 ? (search.users.find((u) => u.id === pickedUsers[0]?.id) ?? pickedUsers[0]) : undefined;
  const holds = (user: ListedUser | undefined) => Boolean(user?.licenses.some((l) => l.product === product));

  const toggle = (user: ListedUser, on: boolean) => {
    setPicked((before) => {
      const after = new Map(before);
      if (on) after.set(user.id, user);
      else after.delete(user.id);
      return after;
    });
    setNoSeats(null);
    setError(null);
  };

  const assignTo = async (user: ListedUser, forProduct: Product) => {
    if (assigning) return;
    setError(null);
    setNoSeats(null);
    try {
      await assign({ variables: { input: { userId: user.id, product: forProduct, idempotencyKey: assignKey } } });
      setAssignKey(newIdempotencyKey('assign'));
      setStatus(`Assigned ${productName(forProduct)} to ${user.name}.`);
    } catch (caught) {
      const shown = shownError(caught);
      if (shown.code === 'NO_SEATS_AVAILABLE') {
        setNoSeats({ user, product: forProduct, message: shown.message, bought: false });
      } else {
        setError(shown.message);
      }
    }
  };

  const plansFor = (forProduct: Product) => {
    const data = subscriptions.data;
    const current = data?.subscriptions.find((s) => s.product === forProduct)?.plan;
    if (current) return [current];
    return (data?.plans ?? []).filter((p) => p.product === forProduct).sort((a, b) => a.rank - b.rank);
  };

  return (
    <>
      <h1>Assign License</h1>
      <div className="toolbar">
        <div className="field">
          <label htmlFor={ids.product}>Product</label>
          <select
            id={ids.product}
            value={product}
            onChange={(event) => {
              setProduct(event.target.value as Product);
              setNoSeats(null);
            }}
          >
            {PRODUCTS.map((choice) => (
              <option key={choice} value={choice}>
                {productName(choice)}
              </option>
            ))}
          </select>
        </div>
        {me?.manages && (
          <button type="button" onClick={() => setDialog({ kind: 'invite' })}>
            Invite a user
          </button>
        )}
      </div>
      <SeatCounters product={product} />
      <p role="status" className="status">
        {status}
      </p>
      <div className="field">
        <label htmlFor={ids.search}>Search a user</label>
        <input
          id={ids.search}
          type="search"
          value={text}
          onChange={(event) => setText(event.target.value)}
          placeholder="Name or e-mail"
          autoComplete="off"
          aria-controls={ids.results}
        />
      </div>
      <fieldset id={ids.results} className="picks">
        <legend>
          Users{search.totalCount === undefined ? '' : ` (${search.totalCount} found, ${picked.size} picked)`}
        </legend>
        {search.users.length === 0 && search.totalCount !== undefined && <p>No user matches.</p>}
        <ul>
          {search.users.map((user) => (
            <li key={user.id} data-user={user.email}>
              <label className="check">
                <input
                  type="checkbox"
                  checked={picked.has(user.id)}
                  onChange={(event) => toggle(user, event.target.checked)}
                  disabled={!user.active}
                />
                {user.name} ({user.email})
              </label>
              <span className="muted">
                {' '}
                {user.active ? '' : 'deactivated · '}
                {user.licenses.map((l) => productName(l.product)).join(', ') || 'no licence'}
              </span>
            </li>
          ))}
        </ul>
        <div className="pager">
          <button type="button" onClick={search.previous} disabled={!search.hasPrevious}>
            Previous page
          </button>
          <button type="button" onClick={search.next} disabled={!search.hasNext}>
            Next page
          </button>
        </div>
      </fieldset>
      {me?.manages && (
        <div className="actions start">
          <button
            type="button"
            className="primary"
            disabled={!only || holds(only)}
            aria-disabled={assigning}
            onClick={() => only && assignTo(only, product)}
          >
            Assign {productName(product)}
            {only ? ` to ${only.name}` : ''}
          </button>
          <button
            type="button"
            className="danger"
            disabled={!only || !holds(only)}
            onClick={() => only && setDialog({ kind: 'revoke', user: only })}
          >
            Revoke {productName(product)}
            {only ? ` from ${only.name}` : ''}…
          </button>
        </div>
      )}
      <div role="alert" className="error">
        {error}
        {noSeats && (
          <span className="no-seats">
            {noSeats.message}{' '}
            {noSeats.bought ? (
              <button type="button" className="primary" onClick={() => assignTo(noSeats.user, noSeats.product)}>
                Try again: assign {productName(noSeats.product)} to {noSeats.user.name}
              </button>
            ) : (
              <button type="button" className="primary" onClick={() => setDialog({ kind: 'buy' })}>
                Buy More {productName(noSeats.product)} seats
              </button>
            )}
          </span>
        )}
      </div>
      {me?.manages && pickedUsers.length > 0 && (
        <BulkPanel users={pickedUsers} product={product} onApplied={setStatus} />
      )}
      {me?.manages && <InvitationsPanel onDone={setStatus} />}
      {dialog?.kind === 'buy' && noSeats && (
        <BuyMoreDialog
          product={noSeats.product}
          plans={plansFor(noSeats.product)}
          onDone={(message) => {
            setDialog(null);
            if (message) {
              setStatus(message);
              setNoSeats({ ...noSeats, message: `${message} The assignment can be tried again.`, bought: true });
            }
          }}
        />
      )}
      {dialog?.kind === 'revoke' && (
        <RevokeDialog
          user={dialog.user}
          product={product}
          onDone={(message) => {
            setDialog(null);
            if (message) setStatus(message);
          }}
        />
      )}
      {dialog?.kind === 'invite' && (
        <InviteDialog
          canInviteAdmin={me?.role === 'OWNER'}
          product={product}
          onDone={(message) => {
            setDialog(null);
            if (message) setStatus(message);
          }}
        />
      )}
    </>
  );
}
