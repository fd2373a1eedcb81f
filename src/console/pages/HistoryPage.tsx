// History, for auditors: the account's licence events filtered by user (found by a search) and product, a page at a time, each with the
// user who did it (or "system") and the reason given (a revocation's); the seats of each product as they stood at a
// chosen instant (seatAvailability(asOf:), counts with an id of their own, so the live counters in the cache are
// untouched); and a CSV of the filtered history built in the browser from every page of the same query (no server
// endpoint).
import { useApolloClient, useQuery } from '@apollo/client/react';
import { type FormEvent, useId, useState } from 'react';
import { downloadText, toCsv } from '../csv';
import { shownError } from '../errors';
import { graphql } from '../gql';
import type { HistoryQuery as HistoryAnswer, Product } from '../gql/graphql';
import { PRODUCTS, productName } from '../products';
import { HistoryQuery } from './history-query';
import { type ListedUser, useUserSearch } from './user-search';

/** Events per page on screen; the CSV reads pages of CSV_PAGE (the API answers at most 500). */
export const HISTORY_PAGE = 10;
const CSV_PAGE = 100;
/** Users offered by the filter at once: the search narrows them, so an account of any size can pick anyone. */
const USER_CHOICES = 20;

const SeatsAsOf = graphql(`
  query SeatsAsOf($asOf: DateTime!) {
    video: seatAvailability(product: VIDEO_MEETING, asOf: $asOf) {
      ...SeatCounts
    }
    webinar: seatAvailability(product: WEBINAR, asOf: $asOf) {
      ...SeatCounts
    }
  }
`);

type Event = HistoryAnswer['licenseHistory']['edges'][number]['node'];
type Person = Event['actor'];

const who = (person: Person) => (person ? `${person.name} <${person.email}>` : 'system');

/** The reason an admin gave (a revocation's), read from the event's JSON payload; '' when it has none. */
function reasonOf(data: string): string {
  try {
    const payload: unknown = JSON.parse(data);
    const reason = typeof payload === 'object' && payload !== null ? (payload as { reason?: unknown }).reason : null;
    return typeof reason === 'string' ? reason : '';
  } catch {
    return '';
  }
}

interface Filter {
  readonly userId: string | null;
  readonly product: Product | null;
}

/** Where the page is: the first page, after a cursor (Next) or before one (Previous). */
type Paging = { readonly after?: string; readonly before?: string };

const labelOf = (user: Pick<ListedUser, 'name' | 'email'>) => `${user.name} (${user.email})`;

/** The user filter: a search over the account's users, and the matches (with the one chosen) to pick from. */
function UserFilter({ userId, onChange }: { userId: string | null; onChange(userId: string | null): void }) {
  const ids = { find: useId(), user: useId() };
  const [text, setText] = useState('');
  const [chosen, setChosen] = useState<ListedUser | null>(null);
  const { users } = useUserSearch(text, USER_CHOICES);
  const offered = chosen && chosen.id === userId && !users.some((u) => u.id === chosen.id) ? [chosen, ...users] : users;
  return (
    <>
      <div className="field">
        <label htmlFor={ids.find}>Find a user</label>
        <input id={ids.find} type="search" value={text} onChange={(e) => setText(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={ids.user}>User</label>
        <select
          id={ids.user}
          value={userId ?? ''}
          onChange={(e) => {
            setChosen(offered.find((u) => u.id === e.target.value) ?? null);
            onChange(e.target.value || null);
          }}
        >
          <option value="">Every user</option>
          {offered.map((user) => (
            <option key={user.id} value={user.id}>
              {labelOf(user)}
            </option>
          ))}
        </select>
      </div>
    </>
  );
}

function SeatsAsOfPanel() {
  const ids = { title: useId(), when: useId() };
  const [asOf, setAsOf] = useState<string | null>(null);
  const { data, error } = useQuery(SeatsAsOf, { variables: { asOf: asOf ?? '' }, skip: !asOf });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const local = String(new FormData(event.currentTarget).get('asOf') ?? '');
    // datetime-local is the browser's local time; the API takes an instant.
    if (local) setAsOf(new Date(local).toISOString());
  };
  return (
    <section className="card as-of" aria-labelledby={ids.title}>
      <h2 id={ids.title}>Seats as of a date</h2>
      <form onSubmit={submit} className="inline-form">
        <div className="field">
          <label htmlFor={ids.when}>As of</label>
          <input id={ids.when} name="asOf" type="datetime-local" step={1} required />
        </div>
        <button type="submit">Show seats</button>
      </form>
      {error && (
        <p role="alert" className="error">
          {shownError(error).message}
        </p>
      )}
      {data && asOf && (
        <table className="grid" data-as-of={asOf}>
          <caption>Seats at {new Date(asOf).toLocaleString()}</caption>
          <thead>
            <tr>
              <th scope="col">Product</th>
              <th scope="col">Purchased</th>
              <th scope="col">Assigned</th>
              <th scope="col">Reserved</th>
              <th scope="col">Available</th>
            </tr>
          </thead>
          <tbody>
            {[data.video, data.webinar].map((seats) => (
              <tr key={seats.id} data-product={seats.product}>
                <th scope="row">{productName(seats.product)}</th>
                <td data-counter="purchased">{seats.purchased}</td>
                <td data-counter="assigned">{seats.assigned}</td>
                <td data-counter="reserved">{seats.reserved}</td>
                <td data-counter="available">{seats.available}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function HistoryPage() {
  const client = useApolloClient();
  const ids = { product: useId(), title: useId() };
  const [filter, setFilter] = useState<Filter>({ userId: null, product: null });
  const [paging, setPaging] = useState<Paging>({});
  const [exporting, setExporting] = useState(false);
  const [status, setStatus] = useState('');
  const pageVariables = paging.before
    ? { last: HISTORY_PAGE, before: paging.before }
    : { first: HISTORY_PAGE, after: paging.after };
  const { data, error, loading } = useQuery(HistoryQuery, {
    variables: { ...filter, ...pageVariables },
    // Writes made on other pages since: the history is read again on each visit.
    fetchPolicy: 'cache-and-network',
  });
  const history = data?.licenseHistory;

  const changeFilter = (next: Partial<Filter>) => {
    setFilter((current) => ({ ...current, ...next }));
    setPaging({});
  };

  const downloadCsv = async () => {
    setExporting(true);
    setStatus('Reading the history for the CSV…');
    try {
      const rows: string[][] = [];
      let after: string | null | undefined;
      for (;;) {
        const { data: page } = await client.query({
          query: HistoryQuery,
          variables: { ...filter, first: CSV_PAGE, after },
          fetchPolicy: 'network-only',
        });
        if (!page) throw new Error('no answer');
        for (const { node } of page.licenseHistory.edges) {
          rows.push([
            node.occurredAt,
            node.type,
            node.product ?? '',
            node.user?.name ?? '',
            node.user?.email ?? '',
            node.actor ? node.actor.name : 'system',
            node.actor?.email ?? '',
            reasonOf(node.data),
          ]);
        }
        if (!page.licenseHistory.pageInfo.hasNextPage) break;
        after = page.licenseHistory.pageInfo.endCursor;
      }
      const header = ['occurredAt', 'type', 'product', 'userName', 'userEmail', 'actorName', 'actorEmail', 'reason'];
      downloadText(toCsv(header, rows), 'seatledger-history.csv');
      setStatus(`Downloaded ${rows.length} ${rows.length === 1 ? 'event' : 'events'} as CSV.`);
    } catch (caught) {
      setStatus(`The CSV could not be made: ${shownError(caught).message}`);
    } finally {
      setExporting(false);
    }
  };

  return (
    <>
      <h1>History</h1>
      <form className="inline-form filters" aria-label="Filter the history" onSubmit={(e) => e.preventDefault()}>
        <UserFilter userId={filter.userId} onChange={(userId) => changeFilter({ userId })} />
        <div className="field">
          <label htmlFor={ids.product}>Product</label>
          <select
            id={ids.product}
            value={filter.product ?? ''}
            onChange={(e) => changeFilter({ product: (e.target.value || null) as Product | null })}
          >
            <option value="">Every product</option>
            {PRODUCTS.map((product) => (
              <option key={product} value={product}>
                {productName(product)}
              </option>
            ))}
          </select>
        </div>
        <button type="button" onClick={downloadCsv} aria-disabled={exporting} disabled={exporting}>
          Download CSV
        </button>
      </form>
      <p role="status" className="status">
        {status}
      </p>
      {error && (
        <p role="alert" className="error">
          {shownError(error).message}
        </p>
      )}
      <section aria-labelledby={ids.title}>
        <h2 id={ids.title}>Events{history ? ` (${history.totalCount})` : ''}</h2>
        {!history && loading && <p aria-busy="true">Loading the history…</p>}
        {history && (
          <table className="grid history" aria-busy={loading}>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col">Product</th>
                <th scope="col">User</th>
                <th scope="col">By</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {history.edges.map(({ node }) => (
                <tr key={node.id} data-event-type={node.type}>
                  <td>
                    <time dateTime={node.occurredAt}>{new Date(node.occurredAt).toLocaleString()}</time>
                  </td>
                  <td>{node.type}</td>
                  <td>{node.product ? productName(node.product) : ''}</td>
                  <td>{node.user ? who(node.user) : ''}</td>
                  <td data-actor>{who(node.actor)}</td>
                  <td data-reason>{reasonOf(node.data)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {history && (
          <nav className="actions start" aria-label="History pages">
            <button
              type="button"
              disabled={!history.pageInfo.hasPreviousPage}
              onClick={() => setPaging({ before: history.pageInfo.startCursor ?? undefined })}
            >
              Previous page
            </button>
            <button
              type="button"
              disabled={!history.pageInfo.hasNextPage}
              onClick={() => setPaging({ after: history.pageInfo.endCursor ?? undefined })}
            >
              Next page
            </button>
          </nav>
        )}
      </section>
      <SeatsAsOfPanel />
    </>
  );
}
