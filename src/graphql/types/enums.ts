// The contract's enums, built from the domain's own values so the schema and the deciders cannot drift apart.
import { registerEnumType } from 'type-graphql';
import type { Role as DomainRole } from '../../domain/decider';
import { type Product as DomainProduct, PRODUCTS } from '../../domain/plans';

export const Product = Object.fromEntries(PRODUCTS.map((p) => [p, p])) as { readonly [P in DomainProduct]: P };

export const Role = { OWNER: 'OWNER', ADMIN: 'ADMIN', MEMBER: 'MEMBER' } as const satisfies {
  readonly [R in DomainRole]: R;
};

registerEnumType(Product, { name: 'Product', description: 'The products a licence can be bought for.' });
registerEnumType(Role, { name: 'Role' });
