// Exact answers of the hottest read, a query of `seatAvailability` only (the console's seat counters), reused without
// running Apollo again. An answer is reused only
//   - for the same user, account and role: the token, its session and the user's status and role are checked on
//     every request before the lookup, exactly as for any other request, so a revoked session, a deactivated user or
//     a changed role never reach a cached answer;
//   - for the same request body (document, variables, operation name) and Accept header, byte for byte;
//   - while the account's read model is at the version it was read at (src/queries/account-read-versions.ts): any
//     applied batch that touches the account moves it, before the writer's read-your-writes wait returns.
// `seatAvailability(asOf:)` is not cached (it folds the log), nor an answer with errors, nor a batch of operations.
import { Kind, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

/** The one root field whose answers are kept. */
const CACHED_FIELD = 'seatAvailability';
/** Answers kept at most; the oldest goes first. */
const DEFAULT_MAX_ENTRIES = 10_000;
/** A larger request body is never a console's seat query: not worth keeping it as a key. */
const MAX_BODY_BYTES = 2048;
const OPEN_BRACE = 0x7b;

/** Who asks, as the request's authentication found them. */
export interface CachePrincipal {
  readonly userId: string;
  readonly accountId: string;
  readonly role: string;
}

export interface CachedAnswer {
  readonly status: number;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string;
  /** For the operation metrics of a reused answer. */
  readonly operationName: string | null;
}

interface Entry {
  readonly version: number;
  readonly answer: CachedAnswer;
}

export interface AnswerCache {
  /** The key of a request whose answer may be reused; null for one that is never kept (not a single JSON object). */
  keyOf(principal: CachePrincipal, accept: string | undefined, body: Buffer): string | null;
  /** The account's read-model version: taken before a request runs, so a batch applied while it runs voids it. */
  versionOf(accountId: string): number;
  /** The answer kept for `key`, if the account's read model has not changed since it was read. */
  lookup(key: string, accountId: string): CachedAnswer | undefined;
  /**
   * Said by the Apollo plugin of a request that answered without errors a query of `seatAvailability` only, no
   * `asOf` (see isCacheableOperation), with the operation's name for the metrics of its reuses. `request` is the
   * HTTP request as handed to Apollo (`requestContext.request.http`), the one object Apollo passes through uncopied.
   */
  markCacheable(request: object, operationName: string | null): void;
  /** Keeps the answer of a request the plugin marked, read at `version`. */
  store(request: object, key: string, version: number, answer: Omit<CachedAnswer, 'operationName'>): void;
}

/** A query whose every root selection is `seatAvailability` without `asOf` (aliases and subfields as the client likes). */
export function isCacheableOperation(operation: OperationDefinitionNode): boolean {
  return operation.operation === 'query' && onlySeatReads(operation.selectionSet);
}

function onlySeatReads(selectionSet: SelectionSetNode): boolean {
  return selectionSet.selections.every(
    (selection) =>
      selection.kind === Kind.FIELD &&
      selection.name.value === CACHED_FIELD &&
      !(selection.arguments ?? []).some((argument) => argument.name.value === 'asOf'),
  );
}

export function createAnswerCache(options: {
  /** The account's read-model version (src/queries/account-read-versions.ts). */
  version(accountId: string): number;
  readonly maxEntries?: number;
}): AnswerCache {
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  // A Map iterates in insertion order: its first key is the oldest.
  const entries = new Map<string, Entry>();
  // Apollo copies the context for each operation; the HTTP request it hands to plugins is the server's own object.
  const cacheable = new WeakMap<object, string | null>();
  return {
    keyOf(principal, accept, body) {
      // A JSON array is a batch of operations; anything but a small object is never a seat query of the console.
      if (body.length === 0 || body.length > MAX_BODY_BYTES || body[0] !== OPEN_BRACE) return null;
      return `${principal.userId}\u0000${principal.accountId}\u0000${principal.role}\u0000${accept ?? ''}\u0000${body.toString('latin1')}`;
    },
    versionOf: (accountId) => options.version(accountId),
    lookup(key, accountId) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      if (entry.version === options.version(accountId)) return entry.answer;
      entries.delete(key);
      return undefined;
    },
    markCacheable(request, operationName) {
      cacheable.set(request, operationName);
    },
    store(request, key, version, answer) {
      const operationName = cacheable.get(request);
      if (operationName === undefined) return;
      entries.delete(key);
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
      entries.set(key, { version, answer: { ...answer, operationName } });
    },
  };
}
