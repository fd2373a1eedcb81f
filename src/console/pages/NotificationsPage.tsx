// Notifications, for OWNER and ADMIN: the licence mails that could not be sent (notifications(status: FAILED)),
// newest first, a page at a time, with whom each was for and the last error, so an admin can tell the person
// another way. A MEMBER is told the API's refusal (FORBIDDEN).
import { useQuery } from '@apollo/client/react';
import { useId, useState } from 'react';
import { shownError } from '../errors';
import { graphql } from '../gql';
import type { NotificationKind } from '../gql/graphql';

export const NOTIFICATIONS_PAGE = 20;

const FailedNotifications = graphql(`
  query FailedNotifications($first: Int, $after: String, $last: Int, $before: String) {
    notifications(status: FAILED, first: $first, after: $after, last: $last, before: $before) {
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
          kind
          status
          attempts
          lastError
          recipientEmail
          recipient {
            id
            name
          }
          createdAt
          updatedAt
        }
      }
    }
  }
`);

function kindName(kind: NotificationKind): string {
  switch (kind) {
    case 'INVITATION':
      return 'Invitation';
    case 'LICENSE_ASSIGNED':
      return 'Licence assigned';
    case 'LICENSE_REVOKED':
      return 'Licence revoked';
    case 'SEAT_ALERT':
      return 'Seat alert';
    default: {
      const unknown: never = kind;
      return String(unknown);
    }
  }
}

export function NotificationsPage() {
  const titleId = useId();
  const [paging, setPaging] = useState<{ after?: string; before?: string }>({});
  const variables = paging.before
    ? { last: NOTIFICATIONS_PAGE, before: paging.before }
    : { first: NOTIFICATIONS_PAGE, after: paging.after };
  const { data, error, loading } = useQuery(FailedNotifications, { variables, fetchPolicy: 'cache-and-network' });
  const failed = data?.notifications;

  return (
    <>
      <h1>Notifications</h1>
      <section aria-labelledby={titleId}>
        <h2 id={titleId}>Mails that could not be sent{failed ? ` (${failed.totalCount})` : ''}</h2>
        {error && (
          <p role="alert" className="error">
            {shownError(error).message}
          </p>
        )}
        {!failed && loading && <p aria-busy="true">Loading the failed mails…</p>}
        {failed && failed.totalCount === 0 && <p>Every licence mail went out.</p>}
        {failed && failed.edges.length > 0 && (
          <table className="grid notifications" aria-busy={loading}>
            <thead>
              <tr>
                <th scope="col">Last try</th>
                <th scope="col">Mail</th>
                <th scope="col">To</th>
                <th scope="col">Tries</th>
                <th scope="col">Last error</th>
              </tr>
            </thead>
            <tbody>
              {failed.edges.map(({ node }) => (
                <tr key={node.id}>
                  <td>
                    <time dateTime={node.updatedAt}>{new Date(node.updatedAt).toLocaleString()}</time>
                  </td>
                  <td>{kindName(node.kind)}</td>
                  <td>{node.recipient ? `${node.recipient.name} <${node.recipientEmail}>` : node.recipientEmail}</td>
                  <td>{node.attempts}</td>
                  <td>{node.lastError ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {failed && (failed.pageInfo.hasNextPage || failed.pageInfo.hasPreviousPage) && (
          <nav className="actions start" aria-label="Notification pages">
            <button
              type="button"
              disabled={!failed.pageInfo.hasPreviousPage}
              onClick={() => setPaging({ before: failed.pageInfo.startCursor ?? undefined })}
            >
              Previous page
            </button>
            <button
              type="button"
              disabled={!failed.pageInfo.hasNextPage}
              onClick={() => setPaging({ after: failed.pageInfo.endCursor ?? undefined })}
            >
              Next page
            </button>
          </nav>
        )}
      </section>
    </>
  );
}
