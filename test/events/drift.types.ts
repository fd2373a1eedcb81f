// Compile-time drift checks of the event registry: not a test file, `npm run typecheck` (part of `npm test`)
// fails if a schema and its event type stop matching, or if these deliberate mismatches stop being errors.
import type { EmailReserved } from '../../src/application';
import type {
  IdempotencyKeyClaimed,
  IdempotencyKeyCompleted,
  IdempotencyKeyReleased,
} from '../../src/application/idempotency';
import type { AccountOpened } from '../../src/domain/account';
import type { Event } from '../../src/domain/decider';
import type {
  EmailReservedShape,
  IdempotencyKeyClaimedShape,
  IdempotencyKeyCompletedShape,
  IdempotencyKeyReleasedShape,
  TypedEventSchema,
} from '../../src/domain/event-schemas';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** The helper events' shapes in the registry are the application's types, exactly. */
export const helperShapesMatch: [
  Same<EmailReserved, EmailReservedShape>,
  Same<IdempotencyKeyClaimed, IdempotencyKeyClaimedShape>,
  Same<IdempotencyKeyCompleted, IdempotencyKeyCompletedShape>,
  Same<IdempotencyKeyReleased, IdempotencyKeyReleasedShape>,
] = [true, true, true, true];

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
