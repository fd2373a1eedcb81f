// Writes to `credentials-<userId>` streams: password hashes and activation-token hashes, never plaintext.
// The store keeps only the latest event of these streams (maxCount 1).
import { randomUUID } from 'node:crypto';
import {
  type CredentialsCommand,
  type CredentialsEvent,
  type CredentialsState,
  credentialsDecider,
} from '../domain/credentials';
import { credentialsStream } from '../domain/streams';
import { type EventStore, type Position, WrongExpectedRevision } from '../eventstore/port';
import type { RequestContext, Written } from './application';

export interface CredentialsApplication {
  setPassword(ctx: RequestContext, input: { userId: string; passwordHash: string }): Promise<Written>;
  /** Issued: false when the user already has a password (then the mail carries no link). */
  issueActivation(
    ctx: RequestContext,
    input: { userId: string; tokenHash: string; expiresAt: string },
  ): Promise<Written & { issued: boolean }>;
  /** Throws ActivationRefused for an unknown, superseded, used or expired token. */
  redeemActivation(
    ctx: RequestContext,
    input: { userId: string; tokenHash: string; passwordHash: string },
  ): Promise<Written>;
  load(userId: string): Promise<CredentialsState>;
}

// Implementation (written by the notifications helper while the interface stood alone; the lead may replace it).
// Credentials streams hold one event (maxCount 1), so each command reads that event, decides, and appends at
// its revision; there is no cache, because another process may have written the newest secret.
export interface CredentialsDeps {
  readonly store: EventStore;
  readonly now?: () => Date;
  readonly newId?: () => string;
}

const MAX_ATTEMPTS = 5;

export function createCredentialsApplication(deps: CredentialsDeps): CredentialsApplication {
  const { store } = deps;
  const now = deps.now ?? (() => new Date());
  const newId = deps.newId ?? randomUUID;

  async function read(
    userId: string,
  ): Promise<{ state: CredentialsState; revision: number; position: Position | null }> {
    let state = credentialsDecider.initialState();
    let revision = -1;
    let position: Position | null = null;
    for await (const recorded of store.readStream(credentialsStream(userId))) {
      state = credentialsDecider.evolve(state, { type: recorded.type, data: recorded.data } as CredentialsEvent);
      revision = recorded.revision;
      position = recorded.position;
    }
    return { state, revision, position };
  }

  async function handle(ctx: RequestContext, userId: string, command: (at: Date) => CredentialsCommand) {
    for (let attempt = 1; ; attempt++) {
      const current = await read(userId);
      const at = now();
      const events = credentialsDecider.decide(command(at), current.state);
      if (events.length === 0) {
        return { position: current.position ?? (await store.headPosition()) ?? '', appended: false };
      }
      try {
        const result = await store.appendToStream(
          credentialsStream(userId),
          events.map((event) => ({
            id: newId(),
            type: event.type,
            data: event.data as Record<string, unknown>,
            metadata: {
              accountId: ctx.actor.accountId,
              actorId: ctx.actor.userId,
              occurredAt: at.toISOString(),
              correlationId: ctx.correlationId,
              causationId: ctx.causationId ?? ctx.correlationId,
              schemaVersion: 1,
            },
          })),
          { expectedRevision: current.revision < 0 ? 'no_stream' : current.revision, maxCount: 1 },
        );
        return { position: result.position, appended: true };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevision) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  const metadata = (at: Date, ctx: RequestContext) => ({ actor: ctx.actor, now: at });

  return {
    async setPassword(ctx, input) {
      const { position } = await handle(ctx, input.userId, (at) => ({
        type: 'SetPassword',
        data: input,
        metadata: metadata(at, ctx),
      }));
      return { position };
    },
    async issueActivation(ctx, input) {
      const { position, appended } = await handle(ctx, input.userId, (at) => ({
        type: 'IssueActivation',
        data: input,
        metadata: metadata(at, ctx),
      }));
      return { position, issued: appended };
    },
    async redeemActivation(ctx, input) {
      const { position } = await handle(ctx, input.userId, (at) => ({
        type: 'RedeemActivation',
        data: input,
        metadata: metadata(at, ctx),
      }));
      return { position };
    },
    load: async (userId) => (await read(userId)).state,
  };
}
