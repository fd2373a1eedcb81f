// Idempotency keys for every state-changing mutation: the key's stream (src/domain/idempotency.ts) is claimed,
// completed and released through the command handler. Here only the I/O around those decisions: waiting while
// another request holds the key, finding what a crashed claimer wrote, running the operation between claim and
// result, and answering a repeat from the first write.
import { createHash } from 'node:crypto';
import type { Actor } from '../domain/decider';
import { type IdempotencyCommand, idempotencyDecider, keyOutcome, validIdempotencyKey } from '../domain/idempotency';
import { idempotencyStream } from '../domain/streams';
import type { Position, RecordedEvent } from '../eventstore/port';
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

/** The mutations that take an idempotency key, by their command's name (which scopes the key). */
export type IdempotentCommand =
  | 'PurchaseLicenses'
  | 'UpgradePlan'
  | 'ReleaseLicenses'
  | 'AssignLicense'
  | 'RevokeLicense'
  | 'CreateUser'
  | 'ChangeUserRole'
  | 'DeactivateUser'
  | 'InviteUser'
  | 'CancelInvitation'
  | 'ResendInvitation'
  | 'AssignLicenses'
  | 'RevokeLicenses'
  | 'CreateUsers'
  | 'CreateWebhookEndpoint';

/** Who sends a keyed request, for the key's own events. */
export interface IdempotencyCaller {
  readonly accountId: string;
  readonly actor: Actor;
  readonly context: EventContext;
  readonly now: () => Date;
}

/** One state-changing operation, as the generic key handling needs it. */
export interface IdempotentOperation<W extends Written> {
  readonly command: IdempotentCommand;
  /** The input that must match for a repeat (hashed with the command's name). */
  readonly input: readonly unknown[];
  /**
   * The stream the operation appends to (the event a crashed claim or a repeat looks for). `prepare` decides the
   * operation on that stream's current state without writing (a refusal throws before the key is claimed: a refused
   * request appends nothing and spends no key) and answers the stream's revision.
   */
  readonly target: { readonly stream: string; readonly prepare: () => Promise<number> };
  /** Performs the operation; `metadata` must go into its events' metadata. */
  run(metadata: Readonly<Record<string, unknown>>): Promise<W>;
  /**
   * The answer to a repeat: the first write's position, and its event (read back on demand; null if not found).
   * The ids come from that event, the state as it stands now.
   */
  replay(position: Position, firstEvent: () => Promise<RecordedEvent | null>): Promise<W>;
}

/**
 * Runs `operation` once per account, command, key and input; without a key, just runs it. The one mechanism every
 * keyed mutation goes through (docs/idempotency.md).
 */
export async function idempotent<W extends Written>(
  handler: CommandHandler,
  caller: IdempotencyCaller,
  key: string | null | undefined,
  operation: IdempotentOperation<W>,
): Promise<W> {
  if (key === undefined || key === null) return operation.run({});
  const valid = validIdempotencyKey(key);
  return runIdempotent(handler, {
    ...caller,
    key: valid,
    stream: idempotencyStream(caller.accountId, valid, operation.command),
    inputHash: inputHashOf([operation.command, ...operation.input]),
    operation,
  });
}

interface IdempotentRequest<W extends Written> extends IdempotencyCaller {
  readonly key: string;
  readonly stream: string;
  readonly inputHash: string;
  readonly operation: IdempotentOperation<W>;
}

async function findClaimed(
  handler: CommandHandler,
  claim: { readonly claimId: string; readonly stream: string; readonly fromRevision: number },
): Promise<RecordedEvent | null> {
  for await (const event of handler.store.readStream(claim.stream, { fromRevision: claim.fromRevision })) {
    if (event.metadata[CLAIM_METADATA] === claim.claimId) return event;
  }
  return null;
}

function runIdempotent<W extends Written>(handler: CommandHandler, request: IdempotentRequest<W>): Promise<W> {
  const { stream, inputHash, context, operation } = request;
  const decide = (command: (metadata: { actor: Actor; now: Date }) => IdempotencyCommand) =>
    handler.handle(idempotencyDecider, stream, command({ actor: request.actor, now: request.now() }), context);

  // Within this process requests with one key queue up (on a lock of their own: the handler takes the stream's
  // lock for each decision); across processes the claim's expected revision decides.
  return handler.exclusive(`${stream} requests`, async () => {
    for (let round = 0; round < WAIT_ROUNDS; round++) {
      const { state } = await handler.load(idempotencyDecider, stream);
      const outcome = keyOutcome(state, inputHash, request.now());
      if (outcome.kind === 'done') {
        const { claim } = outcome;
        return operation.replay(outcome.position, async () => (claim ? findClaimed(handler, claim) : null));
      }
      if (outcome.kind === 'pending') {
        await sleep(WAIT_MS * (0.5 + Math.random()));
        continue;
      }
      if (outcome.kind === 'orphaned') {
        // The claimer died: if its operation landed, record that and answer it next round; else take the key over.
        const { claimId } = outcome.claim;
        const landed = await findClaimed(handler, outcome.claim);
        if (landed) {
          await decide((metadata) => ({
            type: 'CompleteIdempotencyKey',
            data: { claimId, position: landed.position },
            metadata,
          }));
          continue;
        }
      }

      const claimId = handler.newId();
      const fromRevision = (await operation.target.prepare()) + 1;
      const claimed = await decide((metadata) => ({
        type: 'ClaimIdempotencyKey',
        data: { inputHash, claimId, stream: operation.target.stream, fromRevision },
        metadata,
      }));
      // Another request claimed it first: look again.
      if (claimed.events.length === 0) continue;

      let written: W;
      try {
        written = await operation.run({ idempotencyKey: request.key, [CLAIM_METADATA]: claimId });
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
      // The write stands whatever happens here: a claim left without its result is completed by the next
      // request with this key, from the write's own metadata.
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
