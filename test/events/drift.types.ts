// Compile-time drift checks of the event registry: not a test file, `npm run typecheck` (part of `npm test`)
// fails if a schema and its event type stop matching, or if these deliberate mismatches stop being errors.
import type { AccountOpened } from '../../src/domain/account';
import type { Event } from '../../src/domain/decider';
import { EVENT_VERSIONS } from '../../src/domain/event-schemas';
import type { TypedEventSchema } from '../../src/events-docs/schemas';

const { PasswordSet: _dropped, ...withoutOne } = EVENT_VERSIONS;
// @ts-expect-error the registry must name a version for every type of the domain's event union
export const versionMissing: typeof EVENT_VERSIONS = withoutOne;

const text = { type: 'string', description: 'a' } as const;

// @ts-expect-error a payload field without a schema (ownerUserId)
export const missingField: TypedEventSchema<AccountOpened>['data'] = { accountId: text, name: text };

export const extraField: TypedEventSchema<AccountOpened>['data'] = {
  accountId: text,
  name: text,
  ownerUserId: text,
  // @ts-expect-error a schema for a field the payload does not have
  plan: text,
};

export const wrongType: TypedEventSchema<AccountOpened>['data'] = {
  accountId: text,
  name: text,
  // @ts-expect-error a string field described as an integer
  ownerUserId: { type: 'integer', description: 'n' },
};

export const enumMissing: TypedEventSchema<Event<'X', { product: 'VIDEO_MEETING' | 'WEBINAR' }>>['data'] = {
  // @ts-expect-error a string union (Product) needs its enum
  product: { type: 'string', description: 'p' },
};

export const nullableAsString: TypedEventSchema<Event<'X', { reason: string | null }>>['data'] = {
  // @ts-expect-error a nullable field needs ["string", "null"]
  reason: { type: 'string', description: 'r' },
};
