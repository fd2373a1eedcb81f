// Domain refusals. Each has a stable `code` from api.md; the GraphQL layer maps them once.

type DomainErrorCode =
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'NO_SEATS_AVAILABLE'
  | 'ALREADY_ASSIGNED'
  | 'NOT_ASSIGNED'
  | 'PLAN_MISMATCH'
  | 'NOT_AN_UPGRADE'
  | 'EMAIL_TAKEN'
  | 'USER_INACTIVE'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'INVITATION_EXPIRED'
  | 'UNAUTHENTICATED'
  | 'CONFLICT';

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class Forbidden extends DomainError {
  readonly code = 'FORBIDDEN';
}

/**
 * A rule past an input's shape, checked where the decision is made (the shape's rules are the GraphQL layer's
 * validators). Documented in docs/errors.md with the validators' rule names; a refusal that names no rule gets it.
 */
export const DOMAIN_RULE = 'domainRule';

/** An input breaks a rule; `field` names the input field, `rule` the rule's stable machine name (docs/errors.md). */
export class InvalidInput extends DomainError {
  readonly code = 'BAD_USER_INPUT';
  constructor(
    readonly field: string,
    message: string,
    readonly rule: string = DOMAIN_RULE,
  ) {
    super(`${field}: ${message}`);
  }
}

/** What was not found, as `extensions.kind` says it (docs/errors.md lists them). */
export type NotFoundKind =
  | 'account'
  | 'user'
  | 'plan'
  | 'subscription'
  | 'license'
  | 'invitation'
  | 'webhookEndpoint'
  | 'delivery';

export class NotFound extends DomainError {
  readonly code = 'NOT_FOUND';
  constructor(
    readonly kind: NotFoundKind,
    message: string,
  ) {
    super(message);
  }
}

/** The counts the refusal was decided on; `reserved` are seats held by pending invitations. */
export interface SeatsSeen {
  readonly purchased: number;
  readonly assigned: number;
  readonly reserved: number;
  readonly available: number;
}

export class NoSeatsAvailable extends DomainError {
  readonly code = 'NO_SEATS_AVAILABLE';
  constructor(
    message: string,
    readonly seats: SeatsSeen,
  ) {
    super(message);
  }
}

export class AlreadyAssigned extends DomainError {
  readonly code = 'ALREADY_ASSIGNED';
}

export class NotAssigned extends DomainError {
  readonly code = 'NOT_ASSIGNED';
}

export class PlanMismatch extends DomainError {
  readonly code = 'PLAN_MISMATCH';
}

export class NotAnUpgrade extends DomainError {
  readonly code = 'NOT_AN_UPGRADE';
}

export class EmailTaken extends DomainError {
  readonly code = 'EMAIL_TAKEN';
}

export class UserInactive extends DomainError {
  readonly code = 'USER_INACTIVE';
}

export class IdempotencyKeyReused extends DomainError {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
}

/**
 * A stream that must be new exists already: only a clash of generated ids or a replayed command gets here,
 * so it answers api.md's `CONFLICT` (safe to retry: a retry gets fresh ids).
 */
export class AlreadyExists extends DomainError {
  readonly code = 'CONFLICT';
}

/** The invitation a link belongs to was cancelled, lapsed or replaced by a newer link: nothing is written. */
export class InvitationExpired extends DomainError {
  readonly code = 'INVITATION_EXPIRED';
}

/**
 * An invitation link that is not ours, or of an invitation already accepted: one answer for both, like a wrong
 * password, so a link says nothing about the invitation once it has served.
 */
export class InvitationRefused extends DomainError {
  readonly code = 'UNAUTHENTICATED';
  constructor(message = 'this invitation link is invalid or was used already') {
    super(message);
  }
}
