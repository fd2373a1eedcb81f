// Remembers recently verified bearer tokens: checking a JWT's signature on every request cost about a tenth of a
// signed-in query (bench:api). Only *who* the token names is remembered, until the token expires (at most a
// minute); role, account and whether the user is still active are read from our own records on every request.
import { decodeJwt } from 'jose';
import type { TokenSubject, TokenVerifier } from './tokens';

interface RememberOptions {
  /** Most tokens kept; the oldest goes first. */
  readonly max?: number;
  /** Longest a verification is trusted, whatever the token's own expiry (a rotated OIDC key takes effect by then). */
  readonly maxAgeMs?: number;
  readonly now?: () => number;
}

export function rememberVerified(verifier: TokenVerifier, options: RememberOptions = {}): TokenVerifier {
  const max = options.max ?? 10_000;
  const maxAgeMs = options.maxAgeMs ?? 60_000;
  const now = options.now ?? Date.now;
  // A Map iterates in insertion order: its first key is the oldest.
  const known = new Map<string, { readonly subject: TokenSubject; readonly until: number }>();

  return {
    // Refusals are not remembered, so neither is whether one was for expiry.
    ...(verifier.expired ? { expired: verifier.expired.bind(verifier) } : {}),
    async verify(token) {
      const hit = known.get(token);
      if (hit) {
        if (now() < hit.until) return hit.subject;
        known.delete(token);
      }
      const subject = await verifier.verify(token);
      // Refusals are not remembered: a forged token costs its forger a full check every time.
      if (!subject) return null;
      const { exp } = decodeJwt(token);
      if (typeof exp !== 'number') return subject;
      const until = Math.min(exp * 1000, now() + maxAgeMs);
      if (known.size >= max) known.delete(known.keys().next().value as string);
      known.set(token, { subject, until });
      return subject;
    },
  };
}
