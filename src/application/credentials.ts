// Writes to `credentials-<userId>` streams: password hashes and activation-token hashes, never plaintext.
// The store keeps only the latest event of these streams (maxCount 1).
import type { CredentialsState } from '../domain/credentials';
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
