// One-time activation tokens: 32 secret bytes, handed out once (in the mail), stored only as a SHA-256 hash.
// Lives in application so both auth (redeeming) and notifications (issuing) may import it.
import { createHash, createHmac, randomBytes } from 'node:crypto';

export const ACTIVATION_VALIDITY_MS = 7 * 24 * 60 * 60 * 1000;

interface ActivationToken {
  /** `<userId>.<secret>`: the whole string goes into the link, and nowhere else. */
  readonly token: string;
  readonly tokenHash: string;
}

const hashActivationSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

// The token names its user so redeeming it reads one credentials stream, never a table of all tokens.
const tokenOf = (userId: string, secretBytes: Buffer): ActivationToken => {
  const secret = secretBytes.toString('base64url');
  return { token: `${userId}.${secret}`, tokenHash: hashActivationSecret(secret) };
};

export function newActivationToken(userId: string): ActivationToken {
  return tokenOf(userId, randomBytes(32));
}

/**
 * The token of one delivery, recomputable from a server key and the delivery's id (the event id) and nothing
 * stored: a mail re-sent after a crash carries the same link, and no plaintext token ever needs to be kept.
 * HMAC-SHA256 output is 32 bytes indistinguishable from random to anyone without `key`.
 */
export function deriveActivationToken(userId: string, key: Uint8Array, deliveryId: string): ActivationToken {
  const secret = createHmac('sha256', key).update(`seatledger-activation\0${userId}\0${deliveryId}`).digest();
  return tokenOf(userId, secret);
}

/** Splits a token from a link; null when it is not of our shape. */
export function parseActivationToken(token: string): { userId: string; tokenHash: string } | null {
  const dot = token.lastIndexOf('.');
  if (dot <= 0 || token.length > 200) return null;
  const userId = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  if (!/^[A-Za-z0-9_-]{43}$/.test(secret) || !/^[A-Za-z0-9-]{1,64}$/.test(userId)) return null;
  return { userId, tokenHash: hashActivationSecret(secret) };
}
