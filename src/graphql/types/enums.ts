// The contract's enums, built from the domain's own values so the schema and the deciders cannot drift apart.
import { registerEnumType } from 'type-graphql';
import type { Role as DomainRole } from '../../domain/decider';
import { type Product as DomainProduct, PRODUCTS } from '../../domain/plans';

export const Product = Object.fromEntries(PRODUCTS.map((p) => [p, p])) as { readonly [P in DomainProduct]: P };

export const Role = { OWNER: 'OWNER', ADMIN: 'ADMIN', MEMBER: 'MEMBER' } as const satisfies {
  readonly [R in DomainRole]: R;
};

registerEnumType(Product, {
  name: 'Product',
  description: 'The products a licence can be bought for.',
  valuesConfig: {
    VIDEO_MEETING: { description: 'Video meetings (plans video-standard, video-pro, video-business).' },
    WEBINAR: { description: 'Webinars (plans webinar-100, webinar-500, webinar-1000).' },
  },
});
registerEnumType(Role, {
  name: 'Role',
  description: "A user's role in their account: what they may change (every role may read the account).",
  valuesConfig: {
    OWNER: {
      description:
        'The one user who opened the account: all an ADMIN may do, plus creating and promoting ADMINs, changing ' +
        'roles and deactivating ADMINs; an OWNER is never demoted or deactivated.',
    },
    ADMIN: {
      description:
        'Buys, upgrades and releases seats, adds MEMBERs, assigns and revokes licences, deactivates MEMBERs and ' +
        'reads the licence mails.',
    },
    MEMBER: { description: 'Uses the licences assigned to them; reads the account and changes nothing in it.' },
  },
});
