// The stream of one idempotency key of one state-changing mutation (src/domain/streams.ts names it): a claim (the
// input's hash), then the operation's position or a release. The same key and input again answer that first
// position and write nothing; the same key with another input is IDEMPOTENCY_KEY_REUSED. A claim is appended at the
// expected revision, so across processes one request writes and the others wait for its result.
import { assertNever, type Command, type Decider, type Event } from './decider';
import { IdempotencyKeyReused, InvalidInput } from './errors';

export type IdempotencyKeyClaimed = Event<
  'IdempotencyKeyClaimed',
  /** `fromRevision`: the target stream's next revision at claim time, where a crashed claim's event may be. */
  { inputHash: string; claimId: string; stream: string; fromRevision: number }
>;
/** `position`: the log position of the purchase's event (opaque). */
export type IdempotencyKeyCompleted = Event<'IdempotencyKeyCompleted', { inputHash: string; position: string }>;
/** The claimed operation was refused or failed: the key is free again. */
export type IdempotencyKeyReleased = Event<'IdempotencyKeyReleased', { inputHash: string; code: string }>;
export type IdempotencyEvent = IdempotencyKeyClaimed | IdempotencyKeyCompleted | IdempotencyKeyReleased;

/** Claims a free key (or one whose claimer died without buying); a key claimed or used by another input refuses. */
export type ClaimIdempotencyKey = Command<
  'ClaimIdempotencyKey',
  { inputHash: string; claimId: string; stream: string; fromRevision: number }
>;
/** The claim's operation landed at `position`: by its claimer, or by a later request after the claimer died. */
export type CompleteIdempotencyKey = Command<'CompleteIdempotencyKey', { claimId: string; position: string }>;
/** The claim's operation was refused or failed with `code`. */
export type ReleaseIdempotencyKey = Command<'ReleaseIdempotencyKey', { claimId: string; code: string }>;
export type IdempotencyCommand = ClaimIdempotencyKey | CompleteIdempotencyKey | ReleaseIdempotencyKey;

export type IdempotencyState =
  | { readonly status: 'free' }
  | {
      readonly status: 'claimed';
      readonly inputHash: string;
      readonly claimId: string;
      /** Epoch milliseconds the claim occurred at (NaN when the log did not say: never an orphan then). */
      readonly claimedAt: number;
      readonly stream: string;
      readonly fromRevision: number;
    }
  | {
      readonly status: 'completed';
      readonly inputHash: string;
      readonly position: string;
      /** The claim it completes: where a repeat finds the first write's event. */
      readonly claim: { readonly claimId: string; readonly stream: string; readonly fromRevision: number } | null;
    };

const MAX_IDEMPOTENCY_KEY_LENGTH = 200;
/** A claim left this long without a result belongs to a process that died mid-purchase. */
export const ORPHANED_CLAIM_MS = 30_000;

export function validIdempotencyKey(key: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused.
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || /[\u0000-\u001f\u007f]/.test(key)) {
    throw new InvalidInput(
      'idempotencyKey',
      `must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable characters`,
      'isIdempotencyKey',
    );
  }
  return key;
}

type ClaimedKey = Extract<IdempotencyState, { status: 'claimed' }>;
type Completed = Extract<IdempotencyState, { status: 'completed' }>;

/** What a request with this key and input finds. */
type KeyOutcome =
  /** Nobody holds the key: claim it. */
  | { readonly kind: 'free' }
  /** It was used with this input: answer that first result, write nothing. */
  | { readonly kind: 'done'; readonly position: string; readonly claim: Completed['claim'] }
  /** A live request holds it with this input: wait for its result. */
  | { readonly kind: 'pending' }
  /** Its claimer has had long enough and no result came: whatever it did is in the log by now, or never will be. */
  | { readonly kind: 'orphaned'; readonly claim: ClaimedKey };

/** Refuses (IDEMPOTENCY_KEY_REUSED) a key sent before with another input, unless its claim is orphaned. */
export function keyOutcome(state: IdempotencyState, inputHash: string, now: Date): KeyOutcome {
  if (state.status === 'free') return { kind: 'free' };
  // An orphan is looked into before its input is compared: if nothing of it landed, the key is free again.
  if (state.status === 'claimed' && now.getTime() - state.claimedAt > ORPHANED_CLAIM_MS) {
    return { kind: 'orphaned', claim: state };
  }
  if (state.inputHash !== inputHash) {
    throw new IdempotencyKeyReused('this idempotency key was sent before with a different input');
  }
  return state.status === 'completed'
    ? { kind: 'done', position: state.position, claim: state.claim }
    : { kind: 'pending' };
}

export const idempotencyDecider: Decider<IdempotencyState, IdempotencyCommand, IdempotencyEvent> = {
  initialState: () => ({ status: 'free' }),

  decide: (command, state) => {
    switch (command.type) {
      case 'ClaimIdempotencyKey': {
        const outcome = keyOutcome(state, command.data.inputHash, command.metadata.now);
        // Held by a live request, or used: nothing to record; the caller waits for, or answers, that result. An
        // orphaned claim is taken over: the caller has looked, and nothing of it landed.
        if (outcome.kind === 'done' || outcome.kind === 'pending') return [];
        return [{ type: 'IdempotencyKeyClaimed', data: command.data }];
      }
      case 'CompleteIdempotencyKey': {
        // Only the claim it belongs to: a claim taken over or already completed stays as it is.
        if (state.status !== 'claimed' || state.claimId !== command.data.claimId) return [];
        return [
          { type: 'IdempotencyKeyCompleted', data: { inputHash: state.inputHash, position: command.data.position } },
        ];
      }
      case 'ReleaseIdempotencyKey': {
        if (state.status !== 'claimed' || state.claimId !== command.data.claimId) return [];
        return [{ type: 'IdempotencyKeyReleased', data: { inputHash: state.inputHash, code: command.data.code } }];
      }
      default:
        return assertNever(command);
    }
  },

  evolve: (state, event) => {
    switch (event.type) {
      case 'IdempotencyKeyClaimed':
        return {
          status: 'claimed',
          ...event.data,
          claimedAt: event.metadata ? Date.parse(event.metadata.occurredAt) : Number.NaN,
        };
      case 'IdempotencyKeyCompleted': {
        // Only ever after its claim; the claim stays known so a repeat can read the first write's event back.
        const claim =
          state.status === 'claimed'
            ? { claimId: state.claimId, stream: state.stream, fromRevision: state.fromRevision }
            : null;
        return { status: 'completed', ...event.data, claim };
      }
      case 'IdempotencyKeyReleased':
        return { status: 'free' };
      default:
        return assertNever(event);
    }
  },
};
