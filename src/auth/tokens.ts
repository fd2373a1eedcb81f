// Bearer tokens. Local sign-in: short-lived HS256 JWTs (jose) signed with a secret from AUTH_SECRET or the data
// dir. OpenID Connect: tokens verified against the provider's JWKS. Either way a token only says *who*; the
// account and role always come from our own user records.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRemoteJWKSet, type JWTPayload, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { makePrivateDir, writePrivateFile } from '../private-files';

const ISSUER = 'seatledger';
const AUDIENCE = 'seatledger-api';
const TOKEN_TTL_SECONDS = 60 * 60;

/** What a verified token says of its bearer: our user id, or (OIDC) a subject and e-mail to look up. */
export interface TokenSubject {
  readonly userId?: string;
  readonly email?: string;
}

export interface TokenVerifier {
  /** Null when the token is malformed, expired, forged or unsigned. Never throws for a bad token. */
  verify(token: string): Promise<TokenSubject | null>;
}

export interface TokenIssuer {
  issue(userId: string): Promise<string>;
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

export function localTokens(secret: Uint8Array, ttlSeconds = TOKEN_TTL_SECONDS): TokenIssuer & TokenVerifier {
  return {
    issue: (userId) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(userId)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(secret),
    verify: async (token) => {
      const payload = await verified(() =>
        jwtVerify(token, secret, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE }),
      );
      return payload?.sub ? { userId: payload.sub } : null;
    },
  };
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
