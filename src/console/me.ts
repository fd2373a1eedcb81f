// Who is signed in and with which role: pages offer writes to OWNER and ADMIN only (a MEMBER reads), and the
// controls only the OWNER may use (roles, adding or deactivating an ADMIN) to the OWNER. The API decides anyway.
import { useQuery } from '@apollo/client/react';
import { graphql } from './gql';
import type { Role } from './gql/graphql';

const MeQuery = graphql(`
  query Me {
    me {
      id
      role
    }
  }
`);

export interface Me {
  readonly id: string;
  readonly role: Role;
  /** OWNER or ADMIN: may add users, assign, revoke, invite, deactivate. */
  readonly manages: boolean;
}

export function useMe(): Me | undefined {
  const { data } = useQuery(MeQuery);
  if (!data) return undefined;
  const { id, role } = data.me;
  return { id, role, manages: role === 'OWNER' || role === 'ADMIN' };
}
