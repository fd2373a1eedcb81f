// One-time activation tokens: 32 random bytes, handed out once (in the mail), stored only as a SHA-256 hash.
// The token names its user so redeeming it reads one credentials stream, never a table of all tokens.
import { createHash, randomBytes } from 'node:crypto';

export const ACTIVATION_VALIDITY_MS = 7 * 24 * 60 * 60 * 1000;

export interface ActivationToken {
  /** `<userId>.<secret>`: the whole string goes into the link, and nowhere else. */
  readonly token: string;
  readonly tokenHash: string;
}

export const hashActivationSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

export function newActivationToken(userId: string): ActivationToken {
  const secret = randomBytes(32).toString('base64url');
  return { token: `${userId}.${secret}`, tokenHash: hashActivationSecret(secret) };
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
