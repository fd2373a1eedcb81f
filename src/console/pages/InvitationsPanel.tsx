// The pending invitations on Assign License, for OWNER and ADMIN, 20 a page: who, which products' seats they hold, until when;
// Resend (a new link, the old one spent; one idempotency key per invitation until it succeeds, so a double click
// mails once) and Cancel (the seats freed: the answer's `seats` move the counters by id, and the invitation's status
// turns CANCELLED in the cache, which drops it from this list without a refetch). A new invitation (InviteDialog)
// refetches this list by its operation's name.
import { useMutation, useQuery } from '@apollo/client/react';
import { useId, useRef, useState } from 'react';
import { shownError } from '../errors';
import { graphql } from '../gql';
import { newIdempotencyKey } from '../idempotency';
import { productName } from '../products';

const PAGE_SIZE = 20;

const PendingInvitations = graphql(`
  query PendingInvitations($first: Int, $after: String, $last: Int, $before: String) {
    invitations(status: PENDING, first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
      edges {
        node {
          id
          status
          products
          expiresAt
          user {
            id
            name
            email
          }
        }
      }
    }
  }
`);

const ResendInvitation = graphql(`
  mutation ResendInvitation($input: ResendInvitationInput!) {
    resendInvitation(input: $input) {
      invitation {
        id
        status
        expiresAt
      }
    }
  }
`);

const CancelInvitation = graphql(`
  mutation CancelInvitation($input: CancelInvitationInput!) {
    cancelInvitation(input: $input) {
      invitation {
        id
        status
      }
      seats {
        ...SeatCounts
      }
    }
  }
`);

type Action = 'resend' | 'cancel';

export function InvitationsPanel({ onDone }: { onDone(message: string): void }) {
  const titleId = useId();
  const [paging, setPaging] = useState<{ readonly after?: string; readonly before?: string }>({});
  const { data, error } = useQuery(PendingInvitations, {
    variables: paging.before ? { last: PAGE_SIZE, before: paging.before } : { first: PAGE_SIZE, after: paging.after },
  });
  const [resend] = useMutation(ResendInvitation);
  const [cancel] = useMutation(CancelInvitation);
  // The action under way per invitation (a second click waits for the first), and each one's unspent key.
  const [busy, setBusy] = useState<ReadonlyMap<string, Action>>(new Map());
  const keys = useRef(new Map<string, string>()).current;
  const [failure, setFailure] = useState<string | null>(null);

  const keyFor = (action: Action, id: string) => {
    const name = `${action}:${id}`;
    const key = keys.get(name) ?? newIdempotencyKey(action);
    keys.set(name, key);
    return key;
  };

  const act = async (action: Action, id: string, who: string) => {
    if (busy.has(id)) return;
    setBusy((before) => new Map(before).set(id, action));
    setFailure(null);
    try {
      const input = { invitationId: id, idempotencyKey: keyFor(action, id) };
      switch (action) {
        case 'resend':
          await resend({ variables: { input } });
          onDone(`Sent the invitation to ${who} again.`);
          break;
        case 'cancel':
          await cancel({ variables: { input } });
          onDone(`Cancelled the invitation to ${who}; its seats are free.`);
          break;
        default: {
          const unknown: never = action;
          throw new Error(`unknown action ${unknown}`);
        }
      }
      keys.delete(`${action}:${id}`);
    } catch (caught) {
      setFailure(shownError(caught).message);
    } finally {
      setBusy((before) => {
        const after = new Map(before);
        after.delete(id);
        return after;
      });
    }
  };

  // Cancelled here, the invitation stays in the query's answer with its new status: shown only while pending.
  const listed = (data?.invitations.edges ?? []).map((e) => e.node);
  const pending = listed.filter((i) => i.status === 'PENDING');
  const pageInfo = data?.invitations.pageInfo;
  return (
    <section aria-labelledby={titleId} className="invitations">
      <h2 id={titleId}>
        Pending invitations{data ? ` (${data.invitations.totalCount - (listed.length - pending.length)})` : ''}
      </h2>
      <p role="alert" className="error">
        {error ? shownError(error).message : failure}
      </p>
      {data && pending.length === 0 && <p>No invitation is pending.</p>}
      {pending.length > 0 && (
        <table className="grid">
          <thead>
            <tr>
              <th scope="col">Invited</th>
              <th scope="col">Seats held</th>
              <th scope="col">Expires</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {pending.map((invitation) => {
              const who = invitation.user.name;
              return (
                <tr key={invitation.id} data-invitation={invitation.user.email}>
                  <th scope="row">
                    {who} ({invitation.user.email})
                  </th>
                  <td>{invitation.products.map(productName).join(', ') || 'none'}</td>
                  <td>
                    <time dateTime={invitation.expiresAt}>{new Date(invitation.expiresAt).toLocaleString()}</time>
                  </td>
                  <td className="actions start">
                    <button
                      type="button"
                      aria-disabled={busy.has(invitation.id)}
                      onClick={() => act('resend', invitation.id, who)}
                    >
                      Resend the invitation to {who}
                    </button>
                    <button
                      type="button"
                      className="danger"
                      aria-disabled={busy.has(invitation.id)}
                      onClick={() => act('cancel', invitation.id, who)}
                    >
                      Cancel the invitation to {who}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {pageInfo && (pageInfo.hasPreviousPage || pageInfo.hasNextPage) && (
        <nav className="actions start" aria-label="Invitation pages">
          <button
            type="button"
            disabled={!pageInfo.hasPreviousPage}
            onClick={() => setPaging({ before: pageInfo.startCursor ?? undefined })}
          >
            Previous page
          </button>
          <button
            type="button"
            disabled={!pageInfo.hasNextPage}
            onClick={() => setPaging({ after: pageInfo.endCursor ?? undefined })}
          >
            Next page
          </button>
        </nav>
      )}
    </section>
  );
}
