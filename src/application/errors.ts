// Refusals of the application layer itself (not of a decider). A DomainError subclass, so the one error
// mapping of the GraphQL layer answers its `code` like any other refusal.
import { DomainError } from '../domain/errors';

/** A write kept losing to concurrent writes after every retry. Nothing was written: safe to retry. */
export class Conflict extends DomainError {
  readonly code = 'CONFLICT';
}
