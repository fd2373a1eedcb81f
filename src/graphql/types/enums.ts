// The contract's enums, built from the domain's own values so the schema and the deciders cannot drift apart.
import { registerEnumType } from 'type-graphql';
import type { Role as DomainRole } from '../../domain/decider';
import { type Product as DomainProduct, PRODUCTS } from '../../domain/plans';
import type { UserStatus as DomainUserStatus } from '../../domain/user';

export const Product = Object.fromEntries(PRODUCTS.map((p) => [p, p])) as { readonly [P in DomainProduct]: P };

export const Role = { OWNER: 'OWNER', ADMIN: 'ADMIN', MEMBER: 'MEMBER' } as const satisfies {
  readonly [R in DomainRole]: R;
};

registerEnumType(Product, { name: 'Product', description: 'The products a licence can be bought for.' });
registerEnumType(Role, { name: 'Role' });

export const UserStatus = { INVITED: 'INVITED', ACTIVE: 'ACTIVE', DEACTIVATED: 'DEACTIVATED' } as const satisfies {
  readonly [S in DomainUserStatus]: S;
};

registerEnumType(UserStatus, {
  name: 'UserStatus',
  description: 'INVITED until the invitation is accepted; an invited user is active and can hold licences.',
  valuesConfig: {
    INVITED: { description: 'Created by an invitation that is not accepted yet (active, holding the e-mail).' },
    ACTIVE: { description: 'Signed up, created by an admin, or accepted their invitation.' },
    DEACTIVATED: { description: 'Deactivated, or their invitation was cancelled or expired: cannot sign in.' },
  },
});
