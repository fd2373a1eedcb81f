// Search as you type over the API's `users(search:, first/after, last/before)` (a Relay connection), a page at a
// time: the Users page and Assign License both list users this way. The text is debounced; a new text starts again
// at the first page. Next and previous page by the cursors the page answered.
import { useQuery } from '@apollo/client/react';
import { useState } from 'react';
import { graphql } from '../gql';
import type { UserSearchQuery } from '../gql/graphql';
import { useDebounced } from '../use-debounced';

export const UserSearch = graphql(`
  query UserSearch($search: String, $first: Int, $after: String, $last: Int, $before: String) {
    users(search: $search, first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
      edges {
        cursor
        node {
          id
          name
          email
          role
          status
          active
          licenses {
            id
            product
            plan {
              id
              name
            }
          }
        }
      }
    }
  }
`);

export type ListedUser = UserSearchQuery['users']['edges'][number]['node'];

type PageAt = { readonly after?: string } | { readonly before?: string };

export interface UserSearchState {
  readonly users: readonly ListedUser[];
  readonly totalCount: number | undefined;
  readonly loading: boolean;
  readonly error: unknown;
  readonly hasNext: boolean;
  readonly hasPrevious: boolean;
  next(): void;
  previous(): void;
}

export function useUserSearch(text: string, pageSize: number): UserSearchState {
  const search = useDebounced(text.trim());
  // The page is kept with the search it belongs to: a new search starts at its first page.
  const [paging, setPaging] = useState<{ readonly search: string; readonly at: PageAt }>({ search, at: {} });
  const at: PageAt = paging.search === search ? paging.at : {};
  const variables =
    'before' in at && at.before
      ? { search: search || null, last: pageSize, before: at.before }
      : { search: search || null, first: pageSize, after: 'after' in at ? at.after : undefined };
  const { data, previousData, loading, error } = useQuery(UserSearch, { variables });
  // The page before stays on screen while the next one loads: no flicker while typing.
  const shown = data ?? previousData;
  const page = shown?.users;
  return {
    users: page?.edges.map((edge) => edge.node) ?? [],
    totalCount: page?.totalCount,
    loading,
    error,
    hasNext: Boolean(page?.pageInfo.hasNextPage),
    hasPrevious: Boolean(page?.pageInfo.hasPreviousPage),
    next: () => setPaging({ search, at: { after: page?.pageInfo.endCursor ?? undefined } }),
    previous: () => setPaging({ search, at: { before: page?.pageInfo.startCursor ?? undefined } }),
  };
}
