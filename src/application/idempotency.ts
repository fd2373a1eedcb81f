// Idempotency keys for purchases. The key's stream `idempotency-<accountId>-<key>` records a claim (input hash),
// then the purchase's position: the same key and input again get that first position and buy nothing; the same
// key with another input is IDEMPOTENCY_KEY_REUSED. A claim is appended with the expected revision, so across
// processes one request buys and the others wait for its result.
import { createHash } from 'node:crypto';
import type { Event } from '../domain/decider';
import { IdempotencyKeyReused, InvalidInput } from '../domain/errors';
import { idempotencyStream } from '../domain/streams';
import { type Position, WrongExpectedRevision } from '../eventstore/port';
import type { Written } from './application';
import { Conflict } from './errors';
import type { CommandHandler, EventContext } from './handle-command';

export type IdempotencyKeyClaimed = Event<
  'IdempotencyKeyClaimed',
  /** `fromRevision`: the target stream's next revision at claim time, where a crashed claim's event may be. */
  { inputHash: string; claimId: string; stream: string; fromRevision: number }
>;
export type IdempotencyKeyCompleted = Event<'IdempotencyKeyCompleted', { inputHash: string; position: Position }>;
/** The claimed operation was refused or failed: the key is free again. */
export type IdempotencyKeyReleased = Event<'IdempotencyKeyReleased', { inputHash: string; code: string }>;
export type IdempotencyEvent = IdempotencyKeyClaimed | IdempotencyKeyCompleted | IdempotencyKeyReleased;

type KeyState =
  | { readonly status: 'free'; readonly revision: number }
  | {
      readonly status: 'claimed';
      readonly revision: number;
      readonly inputHash: string;
      readonly claimId: string;
      readonly claimedAt: number;
      readonly stream: string;
      readonly fromRevision: number;
    }
  | {
      readonly status: 'completed';
      readonly revision: number;
      readonly inputHash: string;
      readonly position: Position;
    };

export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;
/** A claim left this long without a result belongs to a process that died mid-purchase. */
export const ORPHANED_CLAIM_MS = 30_000;
// While another process holds the claim: about 2 s of polling, then CONFLICT (safe to retry).
const WAIT_ROUNDS = 80;
const WAIT_MS = 25;

/** Metadata a claimed operation's events carry, so a crashed claim can find what it wrote. */
export const CLAIM_METADATA = 'idempotencyClaimId';

export function inputHashOf(input: unknown): string {
  return createHash('sha256').update(JSON.stringify(input)).digest('hex');
}

export function validIdempotencyKey(key: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused.
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || /[\u0000-\u001f\u007f]/.test(key)) {
    throw new InvalidInput('idempotencyKey', `must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable characters`);
  }
  return key;
}

export interface IdempotentRequest {
  readonly accountId: string;
  readonly key: string;
  readonly inputHash: string;
  /**
   * The stream the operation appends to. `prepare` decides the operation on that stream's current state
   * without writing (a refusal throws before the key is claimed: a refused request appends nothing) and
   * answers the stream's revision.
   */
  readonly target: { readonly stream: string; readonly prepare: () => Promise<number> };
  readonly context: EventContext;
  readonly now: () => Date;
}

/** Runs `operation` once per key and input; `claimId` must go into its events' metadata as CLAIM_METADATA. */
export function runIdempotent(
  handler: CommandHandler,
  request: IdempotentRequest,
  operation: (claimId: string) => Promise<Written>,
): Promise<Written> {
  const store = handler.store;
  const stream = idempotencyStream(request.accountId, request.key);
  const { inputHash, context } = request;
  const append = async (event: IdempotencyEvent, expected: number) =>
    store.appendToStream(stream, [handler.toAppend(event, context)], {
      expectedRevision: expected < 0 ? 'no_stream' : expected,
    });

  async function readKey(): Promise<KeyState> {
    let state: KeyState = { status: 'free', revision: -1 };
    for await (const recorded of store.readStream(stream)) {
      const event = { type: recorded.type, data: recorded.data } as IdempotencyEvent;
      const revision = recorded.revision;
      if (event.type === 'IdempotencyKeyClaimed') {
        state = { status: 'claimed', revision, ...event.data, claimedAt: Date.parse(recorded.metadata.occurredAt) };
      } else if (event.type === 'IdempotencyKeyCompleted') {
        state = { status: 'completed', revision, ...event.data };
      } else {
        state = { status: 'free', revision };
      }
    }
    return state;
  }

  async function landedPosition(claim: Extract<KeyState, { status: 'claimed' }>): Promise<Position | null> {
    for await (const event of store.readStream(claim.stream, { fromRevision: claim.fromRevision })) {
      if (event.metadata[CLAIM_METADATA] === claim.claimId) return event.position;
    }
    return null;
  }

  // Within this process requests with one key queue up; across processes the claim's expected revision decides.
  return handler.exclusive(stream, async () => {
    for (let round = 0; round < WAIT_ROUNDS; round++) {
      let key = await readKey();
      if (key.status === 'claimed' && request.now().getTime() - key.claimedAt > ORPHANED_CLAIM_MS) {
        // The claimer died: either its operation landed (finish its record) or it did not (the key is free).
        const landed = await landedPosition(key);
        if (landed) {
          const completed: IdempotencyKeyCompleted = {
            type: 'IdempotencyKeyCompleted',
            data: { inputHash: key.inputHash, position: landed },
          };
          await append(completed, key.revision).catch(ignoreConflict);
          key = { status: 'completed', revision: key.revision + 1, ...completed.data };
        } else {
          key = { status: 'free', revision: key.revision };
        }
      }
      if (key.status !== 'free' && key.inputHash !== inputHash) {
        throw new IdempotencyKeyReused('this idempotency key was sent before with a different input');
      }
      if (key.status === 'completed') return { position: key.position };
      if (key.status === 'claimed') {
        await sleep(WAIT_MS * (0.5 + Math.random()));
        continue;
      }

      const claimId = handler.newId();
      const fromRevision = (await request.target.prepare()) + 1;
      const claimed: IdempotencyKeyClaimed = {
        type: 'IdempotencyKeyClaimed',
        data: { inputHash, claimId, stream: request.target.stream, fromRevision },
      };
      let claimRevision: number;
      try {
        claimRevision = (await append(claimed, key.revision)).nextRevision;
      } catch (error) {
        if (error instanceof WrongExpectedRevision) continue;
        throw error;
      }

      let written: Written;
      try {
        written = await operation(claimId);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        const released: IdempotencyKeyReleased = {
          type: 'IdempotencyKeyReleased',
          data: { inputHash, code: typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR' },
        };
        // Only a race since `prepare` gets here. Best effort: if this append fails too, the claim turns orphan
        // and the next request frees it.
        await append(released, claimRevision).catch(() => undefined);
        throw error;
      }
      // The purchase stands whatever happens here: a claim left without its result is completed by the next
      // request with this key, from the purchase's own metadata.
      await append(
        { type: 'IdempotencyKeyCompleted', data: { inputHash, position: written.position } },
        claimRevision,
      ).catch(() => undefined);
      return written;
    }
    throw new Conflict('another request with this idempotency key is still running; try again');
  });
}

function ignoreConflict(error: unknown): void {
  if (!(error instanceof WrongExpectedRevision)) throw error;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
