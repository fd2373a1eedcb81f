// Writes to `credentials-<userId>` streams: password hashes and activation-token hashes, never plaintext.
// The store keeps only the latest event of these streams (maxCount 1).
import { type CredentialsCommand, type CredentialsState, credentialsDecider } from '../domain/credentials';
import type { CommandMetadata } from '../domain/decider';
import { credentialsStream } from '../domain/streams';
import type { EventStore } from '../eventstore/port';
import type { RequestContext, Written } from './application';
import { CommandHandler } from './handle-command';
import type { LogWatch } from './log-watch';

export interface CredentialsApplication {
  setPassword(ctx: RequestContext, input: { userId: string; passwordHash: string }): Promise<Written>;
  /** Issued: false when the user already has a password (then the mail carries no link). */
  issueActivation(
    ctx: RequestContext,
    input: { userId: string; tokenHash: string; expiresAt: string; deliveryId?: string },
  ): Promise<Written & { issued: boolean }>;
  /**
   * Whether `tokenHash` would redeem now, by the decider's own rule and without writing: asked before the new
   * password is hashed, so a wrong token costs no hash (and its timing tells nothing).
   */
  activationRedeemable(ctx: RequestContext, input: { userId: string; tokenHash: string }): Promise<boolean>;
  /** Throws ActivationRefused for an unknown, superseded, used or expired token. */
  redeemActivation(
    ctx: RequestContext,
    input: { userId: string; tokenHash: string; passwordHash: string },
  ): Promise<Written>;
  load(userId: string): Promise<CredentialsState>;
}

// Credentials streams go through the same command handler as every other stream, kept to their latest event
// (maxCount 1) so an old hash never lingers in the log. The handler's catch-up reads what another process wrote.
interface CredentialsDeps {
  readonly store: EventStore;
  readonly now?: () => Date;
  readonly newId?: () => string;
  readonly watch?: LogWatch;
}

const KEEP_LATEST_ONLY = { maxCount: 1 } as const;

export function createCredentialsApplication(deps: CredentialsDeps): CredentialsApplication {
  const handler = new CommandHandler({ store: deps.store, newId: deps.newId, watch: deps.watch });
  const now = deps.now ?? (() => new Date());

  async function handle(
    ctx: RequestContext,
    userId: string,
    command: (metadata: CommandMetadata) => CredentialsCommand,
  ) {
    const at = now();
    const handled = await handler.handle(
      credentialsDecider,
      credentialsStream(userId),
      command({ actor: ctx.actor, now: at }),
      {
        accountId: ctx.actor.accountId,
        actorId: ctx.actor.userId,
        occurredAt: at.toISOString(),
        correlationId: ctx.correlationId,
        causationId: ctx.causationId ?? ctx.correlationId,
      },
      KEEP_LATEST_ONLY,
    );
    return { position: handled.position, appended: handled.events.length > 0 };
  }

  return {
    async setPassword(ctx, input) {
      const { position } = await handle(ctx, input.userId, (metadata) => ({
        type: 'SetPassword',
        data: input,
        metadata,
      }));
      return { position };
    },
    async issueActivation(ctx, input) {
      const { position, appended } = await handle(ctx, input.userId, (metadata) => ({
        type: 'IssueActivation',
        data: input,
        metadata,
      }));
      return { position, issued: appended };
    },
    async activationRedeemable(ctx, input) {
      const { state } = await handler.load(credentialsDecider, credentialsStream(input.userId));
      // decide is pure and refuses a redemption only with ActivationRefused: asked to redeem with no hash yet, it
      // throws exactly where redeeming would. The redeem itself decides again on the stream as it then stands, so a
      // token used meanwhile is still refused once.
      try {
        credentialsDecider.decide(
          {
            type: 'RedeemActivation',
            data: { ...input, passwordHash: '' },
            metadata: { actor: ctx.actor, now: now() },
          },
          state,
        );
        return true;
      } catch {
        return false;
      }
    },
    async redeemActivation(ctx, input) {
      const { position } = await handle(ctx, input.userId, (metadata) => ({
        type: 'RedeemActivation',
        data: input,
        metadata,
      }));
      return { position };
    },
    load: async (userId) => (await handler.load(credentialsDecider, credentialsStream(userId))).state,
  };
}
