// Bearer tokens. Local sign-in: short-lived HS256 JWTs (jose) signed with a secret from AUTH_SECRET or the data
// dir, naming their session (`sid`, see src/auth/sessions.ts). OpenID Connect: tokens verified against the
// provider's JWKS. Either way a token only says *who*; the account and role always come from our own user records.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRemoteJWKSet, type JWTPayload, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { makePrivateDir, writePrivateFile } from '../private-files';

const ISSUER = 'seatledger';
const AUDIENCE = 'seatledger-api';
/** AUTH_TOKEN_TTL_SECONDS' default: an access token lives 15 minutes; the session's refresh token renews it. */
export const DEFAULT_TOKEN_TTL_SECONDS = 15 * 60;
/** How far the issuer's clock may be ahead of ours when a token's lifetime is checked against the TTL. */
const CLOCK_SKEW_SECONDS = 30;

/** What a verified token says of its bearer: our user id, or (OIDC) a subject and e-mail to look up. */
export interface TokenSubject {
  readonly userId?: string;
  readonly email?: string;
  /** Local tokens: the session the token belongs to (absent on tokens made outside a sign-in, e.g. by tests). */
  readonly sessionId?: string;
}

export interface TokenVerifier {
  /** Null when the token is malformed, expired, forged or unsigned. Never throws for a bad token. */
  verify(token: string): Promise<TokenSubject | null>;
  /** True only for a token of ours, correctly signed, that has expired (so the client knows to refresh). */
  expired?(token: string): Promise<boolean>;
}

/** The session and times an access token carries (seconds since the epoch, as JWT claims are). */
export interface SessionClaims {
  readonly sessionId: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

export interface TokenIssuer {
  /**
   * Signs an access token for `userId`. With `session`, the token names it and carries exactly its times: the same
   * claims sign to the same token, which lets a refresh raced by two tabs answer both with one pair.
   */
  issue(userId: string, session?: SessionClaims): Promise<string>;
  /** The lifetime of the tokens issued, in seconds. */
  readonly ttlSeconds: number;
}

/** The HS256 secret: AUTH_SECRET, else `<data dir>/auth-secret`, generated (mode 0600) on first start. */
export function loadOrCreateSecret(dataDir: string, configured?: string): Uint8Array {
  if (configured) return new TextEncoder().encode(configured);
  const file = path.join(dataDir, 'auth-secret');
  try {
    return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64url');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(32);
  makePrivateDir(dataDir);
  try {
    writePrivateFile(file, secret.toString('base64url'), { flag: 'wx' });
    return secret;
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateSecret(dataDir);
    throw error;
  }
}

export function localTokens(
  secret: Uint8Array,
  ttlSeconds = DEFAULT_TOKEN_TTL_SECONDS,
): TokenIssuer & TokenVerifier & { expired(token: string): Promise<boolean> } {
  const options = { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE, requiredClaims: ['exp', 'iat', 'sub'] };
  return {
    ttlSeconds,
    issue: (userId, session) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT(session ? { sid: session.sessionId } : {})
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(userId)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(session?.issuedAt ?? now)
        .setExpirationTime(session?.expiresAt ?? now + ttlSeconds)
        .sign(secret);
    },
    verify: async (token) => {
      const payload = await verified(() => jwtVerify(token, secret, options));
      if (!payload || !withinLifetime(payload, ttlSeconds)) return null;
      // A subject that is not a non-empty string names nobody (jose does not check its type).
      if (typeof payload.sub !== 'string' || payload.sub === '') return null;
      if (payload.sid !== undefined && typeof payload.sid !== 'string') return null;
      return { userId: payload.sub, ...(payload.sid ? { sessionId: payload.sid } : {}) };
    },
    expired: async (token) => {
      try {
        await jwtVerify(token, secret, options);
        return false;
      } catch (error) {
        // jose checks the signature before the claims: an expired token here is one we signed.
        return error instanceof joseErrors.JWTExpired && withinLifetime(error.payload, ttlSeconds);
      }
    },
  };
}

/**
 * A token of ours never lives longer than the configured TTL: one whose `exp` lies further from its `iat` (or from
 * now) was not issued by this configuration, e.g. signed with a leaked secret to last for years.
 */
function withinLifetime(payload: JWTPayload, ttlSeconds: number): boolean {
  const { iat, exp } = payload;
  if (typeof iat !== 'number' || typeof exp !== 'number') return false;
  const limit = ttlSeconds + CLOCK_SKEW_SECONDS;
  return exp - iat <= limit && exp - Date.now() / 1000 <= limit;
}

export function oidcTokens(options: { jwksUrl: string; issuer: string; audience: string }): TokenVerifier {
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl));
  return {
    verify: async (token) => {
      const payload = await verified(() =>
        jwtVerify(token, jwks, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'],
        }),
      );
      if (!payload) return null;
      const email = typeof payload.email === 'string' && payload.email_verified !== false ? payload.email : undefined;
      return { ...(payload.sub ? { userId: payload.sub } : {}), ...(email ? { email } : {}) };
    },
  };
}

async function verified(check: () => Promise<{ payload: JWTPayload }>): Promise<JWTPayload | null> {
  try {
    return (await check()).payload;
  } catch (error) {
    // Every token problem is the caller's: answer "not authenticated". Anything else (e.g. the JWKS
    // endpoint down) is ours and must surface.
    if (error instanceof joseErrors.JOSEError && !(error instanceof joseErrors.JWKSTimeout)) return null;
    if (error instanceof TypeError) return null;
    throw error;
  }
}
