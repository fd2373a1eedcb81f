// One helper names each stream; the prefixes are categories (EventStoreDB's $ce- streams work on them).
import type { Product } from './plans';

export const accountStream = (accountId: string) => `account-${accountId}`;
export const userStream = (userId: string) => `user-${userId}`;
export const subscriptionStream = (accountId: string, product: Product) => `subscription-${accountId}-${product}`;
/** `sha256Hex` is the hex SHA-256 of the lowercase e-mail; the caller hashes (the domain does no I/O or crypto). */
export const emailReservationStream = (sha256Hex: string) => `email-${sha256Hex}`;
/**
 * One idempotency key of one mutation (its command's name) in one account. Purchases keep the stream they had before
 * every mutation took keys; the others name their command after a `/`, which a key sent over GraphQL cannot hold.
 */
export const idempotencyStream = (accountId: string, key: string, command = 'PurchaseLicenses') =>
  command === 'PurchaseLicenses' ? `idempotency-${accountId}-${key}` : `idempotency-${accountId}-${command}/${key}`;
export const credentialsStream = (userId: string) => `credentials-${userId}`;
/** An invitation's life: sent, resent, accepted, cancelled or expired (published; never a token or its hash). */
export const invitationStream = (invitationId: string) => `invitation-${invitationId}`;
/** The hashes of an invitation's links: a secret stream (the `credentials-` prefix), never published. */
export const invitationTokenStream = (invitationId: string) => `credentials-invitation-${invitationId}`;
/** A webhook endpoint's signing secrets, encrypted: a secret stream (the `credentials-` prefix), never published. */
export const webhookSecretStream = (endpointId: string) => `credentials-webhook-${endpointId}`;
/** The sign-in sessions of one user (see session.ts): refresh-token hashes and endings, never published. */
export const sessionsStream = (userId: string) => `sessions-${userId}`;
/** A product's seat alert crossings and recoveries (see seat-alert.ts): published. */
export const seatAlertStream = (accountId: string, product: Product) => `alert-${accountId}-${product}`;
/** Who performs one outside effect of a reactor (see effect-claim.ts); `effectId` is the event it reacts to. */
export const effectClaimStream = (reactor: string, effectId: string) => `claim-${reactor}-${effectId}`;

/** Streams that hold licence facts: what projections, history, export and subscriptions read. */
export const LICENSE_STREAM_PREFIXES = ['account-', 'user-', 'subscription-', 'invitation-', 'alert-'] as const;
/** Never exported, never in history, never sent to analytics consumers. */
export const SECRET_STREAM_PREFIX = 'credentials-';
/** Bookkeeping between instances, not facts: never published either (not in PUBLISHED_STREAM_PREFIXES). */
export const CLAIM_STREAM_PREFIX = 'claim-';
/** Sign-in sessions: never published either (not in PUBLISHED_STREAM_PREFIXES), and refresh-token hashes only. */
export const SESSION_STREAM_PREFIX = 'sessions-';
