// Idempotent purchases: the key's stream (src/domain/idempotency.ts) is claimed, completed and released through
// the command handler. Here only the I/O around those decisions: waiting while another request holds the key,
// finding what a crashed claimer wrote, and running the purchase between claim and result.
import { createHash } from 'node:crypto';
import type { Actor } from '../domain/decider';
import { type IdempotencyCommand, type IdempotencyState, idempotencyDecider, keyOutcome } from '../domain/idempotency';
import { idempotencyStream } from '../domain/streams';
import type { Position } from '../eventstore/port';
import type { Written } from './application';
import { Conflict } from './errors';
import type { CommandHandler, EventContext } from './handle-command';

// While another process holds the claim: about 2 s of polling, then CONFLICT (safe to retry).
const WAIT_ROUNDS = 80;
const WAIT_MS = 25;

/** Metadata a claimed operation's events carry, so a crashed claim can find what it wrote. */
export const CLAIM_METADATA = 'idempotencyClaimId';

export function inputHashOf(input: unknown): string {
  return createHash('sha256').update(JSON.stringify(input)).digest('hex');
}

interface IdempotentRequest {
  readonly accountId: string;
  readonly key: string;
  readonly inputHash: string;
  /**
   * The stream the operation appends to. `prepare` decides the operation on that stream's current state
   * without writing (a refusal throws before the key is claimed: a refused request appends nothing) and
   * answers the stream's revision.
   */
  readonly target: { readonly stream: string; readonly prepare: () => Promise<number> };
  readonly actor: Actor;
  readonly context: EventContext;
  readonly now: () => Date;
}

/** Runs `operation` once per key and input; `claimId` must go into its events' metadata as CLAIM_METADATA. */
export function runIdempotent(
  handler: CommandHandler,
  request: IdempotentRequest,
  operation: (claimId: string) => Promise<Written>,
): Promise<Written> {
  const stream = idempotencyStream(request.accountId, request.key);
  const { inputHash, context } = request;
  const decide = (command: (metadata: { actor: Actor; now: Date }) => IdempotencyCommand) =>
    handler.handle(idempotencyDecider, stream, command({ actor: request.actor, now: request.now() }), context);

  async function landedPosition(claim: Extract<IdempotencyState, { status: 'claimed' }>): Promise<Position | null> {
    for await (const event of handler.store.readStream(claim.stream, { fromRevision: claim.fromRevision })) {
      if (event.metadata[CLAIM_METADATA] === claim.claimId) return event.position;
    }
    return null;
  }

  // Within this process requests with one key queue up (on a lock of their own: the handler takes the stream's
  // lock for each decision); across processes the claim's expected revision decides.
  return handler.exclusive(`${stream} requests`, async () => {
    for (let round = 0; round < WAIT_ROUNDS; round++) {
      const { state } = await handler.load(idempotencyDecider, stream);
      const outcome = keyOutcome(state, inputHash, request.now());
      if (outcome.kind === 'done') return { position: outcome.position };
      if (outcome.kind === 'pending') {
        await sleep(WAIT_MS * (0.5 + Math.random()));
        continue;
      }
      if (outcome.kind === 'orphaned') {
        // The claimer died: if its operation landed, record that and answer it next round; else take the key over.
        const { claimId } = outcome.claim;
        const landed = await landedPosition(outcome.claim);
        if (landed) {
          await decide((metadata) => ({
            type: 'CompleteIdempotencyKey',
            data: { claimId, position: landed },
            metadata,
          }));
          continue;
        }
      }

      const claimId = handler.newId();
      const fromRevision = (await request.target.prepare()) + 1;
      const claimed = await decide((metadata) => ({
        type: 'ClaimIdempotencyKey',
        data: { inputHash, claimId, stream: request.target.stream, fromRevision },
        metadata,
      }));
      // Another request claimed it first: look again.
      if (claimed.events.length === 0) continue;

      let written: Written;
      try {
        written = await operation(claimId);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        // Only a race since `prepare` gets here. Best effort: if this fails too, the claim turns orphan and the
        // next request frees it.
        await decide((metadata) => ({
          type: 'ReleaseIdempotencyKey',
          data: { claimId, code: typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR' },
          metadata,
        })).catch(() => undefined);
        throw error;
      }
      // The purchase stands whatever happens here: a claim left without its result is completed by the next
      // request with this key, from the purchase's own metadata.
      await decide((metadata) => ({
        type: 'CompleteIdempotencyKey',
        data: { claimId, position: written.position },
        metadata,
      })).catch(() => undefined);
      return written;
    }
    throw new Conflict('another request with this idempotency key is still running; try again');
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
