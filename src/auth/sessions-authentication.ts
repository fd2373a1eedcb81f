// Who a request's bearer token stands for, or why it is refused: a valid signature and claims (tokens.ts), a session
// that has not ended (sessions.ts), then the viewer our own user records say it is (sign-in.ts).

import type { Sessions } from './sessions';
import type { Viewer } from './sign-in';
import type { TokenVerifier } from './tokens';

/** Why a token was refused, where the client can act on it: refresh the session, or sign in again. */
export type TokenRefusal = 'TOKEN_EXPIRED' | 'SESSION_ENDED';

export interface Authentication {
  /** Null without a (valid) token: only the public fields answer then. */
  readonly viewer: Viewer | null;
  /** The session the token names (local sign-in); `logout` ends it. */
  readonly sessionId?: string;
  /** Set when a token was sent and refused for a reason the client can act on. */
  readonly refusal?: TokenRefusal;
}

const ANONYMOUS: Authentication = { viewer: null };

export function createAuthenticator(deps: {
  readonly verifier: TokenVerifier;
  /** Absent with an OpenID Connect provider (its tokens name no session of ours). */
  readonly sessions?: Sessions;
  resolveViewer(token: string): Promise<Viewer | null>;
}): (token: string | undefined) => Promise<Authentication> {
  const { verifier, sessions } = deps;
  return async (token) => {
    if (!token) return ANONYMOUS;
    const subject = await verifier.verify(token);
    if (!subject) return (await verifier.expired?.(token)) ? { viewer: null, refusal: 'TOKEN_EXPIRED' } : ANONYMOUS;
    const { userId, sessionId } = subject;
    if (sessionId && userId && sessions && (await sessions.isEnded(userId, sessionId))) {
      return { viewer: null, refusal: 'SESSION_ENDED' };
    }
    const viewer = await deps.resolveViewer(token);
    return viewer ? { viewer, ...(sessionId ? { sessionId } : {}) } : ANONYMOUS;
  };
}
