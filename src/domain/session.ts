// The sessions stream `sessions-<userId>`: the sign-in sessions of one user, each a chain of one-time refresh tokens
// (only their SHA-256 is kept) and short-lived access tokens. A refresh spends the current refresh token and names the
// next one; the spent one presented again within the grace answers the same pair (two tabs racing), later it ends the
// whole session (refresh-token reuse detection, OAuth 2.0 Security BCP §4.14). One stream per user, so that ending
// every session of a user is one append. Never published: bookkeeping of sign-in, not a fact of the licences.
import { assertNever, type Command, type Decider, type Event } from './decider';

/** The times of one generation of a session's tokens (ISO-8601, whole seconds as the access token's claims). */
interface Generation {
  /** Counts rotations from 0 (sign-in); a refresh token names the generation it was issued for. */
  readonly generation: number;
  /** SHA-256 (hex) of this generation's refresh token. */
  readonly refreshTokenHash: string;
  /** The access token's `iat` and `exp`. */
  readonly issuedAt: string;
  readonly expiresAt: string;
  /** After this the refresh token renews nothing (the session has been idle too long). */
  readonly refreshExpiresAt: string;
}

export type SessionStarted = Event<
  'SessionStarted',
  {
    userId: string;
    sessionId: string;
    refreshTokenHash: string;
    issuedAt: string;
    expiresAt: string;
    refreshExpiresAt: string;
  }
>;
export type SessionRefreshed = Event<
  'SessionRefreshed',
  {
    userId: string;
    sessionId: string;
    generation: number;
    refreshTokenHash: string;
    issuedAt: string;
    expiresAt: string;
    refreshExpiresAt: string;
  }
>;
export type SessionEndReason = 'LOGOUT' | 'LOGOUT_ALL' | 'REFRESH_TOKEN_REUSED';
export type SessionEnded = Event<'SessionEnded', { userId: string; sessionId: string; reason: SessionEndReason }>;
export type SessionEvent = SessionStarted | SessionRefreshed | SessionEnded;

type NextGeneration = Omit<Generation, 'generation'>;

export type StartSession = Command<'StartSession', { userId: string; sessionId: string } & NextGeneration>;
/**
 * Presents the refresh token of `generation` (its signature already checked by the caller) with its hash, and the
 * next generation's hash and times, used only if this one is current.
 */
export type RefreshSession = Command<
  'RefreshSession',
  {
    userId: string;
    sessionId: string;
    generation: number;
    refreshTokenHash: string;
    next: NextGeneration;
    graceMs: number;
  }
>;
export type EndSession = Command<'EndSession', { userId: string; sessionId: string }>;
export type EndAllSessions = Command<'EndAllSessions', { userId: string }>;
export type SessionCommand = StartSession | RefreshSession | EndSession | EndAllSessions;

interface LiveSession extends Generation {
  /** When the current generation was issued (ms): the grace for its predecessor runs from here. */
  readonly rotatedAt: number;
}

export interface SessionsState {
  readonly live: ReadonlyMap<string, LiveSession>;
  /** Ended sessions (id → when their last access token expires, ms): kept until then, so those tokens are refused. */
  readonly ended: ReadonlyMap<string, number>;
}

/** A refresh token that is unknown, spent, expired or of an ended session. Says nothing about which. */
export class RefreshRefused extends Error {
  readonly code = 'UNAUTHENTICATED';
  constructor() {
    super('this refresh token is invalid, used or expired: sign in again');
    this.name = 'RefreshRefused';
  }
}

/** Whether a token of `sessionId` may still be accepted; an unknown session was issued and not ended yet, or has expired. */
export const sessionEnded = (state: SessionsState, sessionId: string): boolean => state.ended.has(sessionId);

function generationOf(session: LiveSession): Generation {
  const { generation, refreshTokenHash, issuedAt, expiresAt, refreshExpiresAt } = session;
  return { generation, refreshTokenHash, issuedAt, expiresAt, refreshExpiresAt };
}

/** The session's current generation, or undefined for one that is not live. */
export function currentGeneration(state: SessionsState, sessionId: string): Generation | undefined {
  const session = state.live.get(sessionId);
  return session ? generationOf(session) : undefined;
}

export const sessionDecider: Decider<SessionsState, SessionCommand, SessionEvent> = {
  initialState: () => ({ live: new Map(), ended: new Map() }),

  decide(command, state) {
    const now = command.metadata.now.getTime();
    switch (command.type) {
      case 'StartSession':
        return [{ type: 'SessionStarted', data: command.data }];
      case 'RefreshSession': {
        const { userId, sessionId, generation, refreshTokenHash, next, graceMs } = command.data;
        const session = state.live.get(sessionId);
        if (!session) throw new RefreshRefused();
        if (generation === session.generation && refreshTokenHash === session.refreshTokenHash) {
          if (Date.parse(session.refreshExpiresAt) <= now) throw new RefreshRefused();
          return [{ type: 'SessionRefreshed', data: { userId, sessionId, generation: generation + 1, ...next } }];
        }
        // A genuine token of a later generation than we know: the caller reads the stream again and decides anew.
        if (generation > session.generation) throw new RefreshRefused();
        // The token just spent, again within the grace: the same pair as the first answer (nothing to write).
        if (generation === session.generation - 1 && now - session.rotatedAt <= graceMs) return [];
        return [{ type: 'SessionEnded', data: { userId, sessionId, reason: 'REFRESH_TOKEN_REUSED' } }];
      }
      case 'EndSession': {
        const { userId, sessionId } = command.data;
        if (!state.live.has(sessionId)) return [];
        return [{ type: 'SessionEnded', data: { userId, sessionId, reason: 'LOGOUT' } }];
      }
      case 'EndAllSessions': {
        const { userId } = command.data;
        return [...state.live.keys()].map((sessionId) => ({
          type: 'SessionEnded' as const,
          data: { userId, sessionId, reason: 'LOGOUT_ALL' as const },
        }));
      }
      default:
        return assertNever(command);
    }
  },

  evolve(state, event) {
    const at = event.metadata ? Date.parse(event.metadata.occurredAt) : undefined;
    const live = new Map(state.live);
    const ended = new Map(state.ended);
    switch (event.type) {
      case 'SessionStarted': {
        const { sessionId, refreshTokenHash, issuedAt, expiresAt, refreshExpiresAt } = event.data;
        live.set(sessionId, {
          generation: 0,
          refreshTokenHash,
          issuedAt,
          expiresAt,
          refreshExpiresAt,
          rotatedAt: at ?? Date.parse(issuedAt),
        });
        break;
      }
      case 'SessionRefreshed': {
        const { sessionId, generation, refreshTokenHash, issuedAt, expiresAt, refreshExpiresAt } = event.data;
        live.set(sessionId, {
          generation,
          refreshTokenHash,
          issuedAt,
          expiresAt,
          refreshExpiresAt,
          rotatedAt: at ?? Date.parse(issuedAt),
        });
        break;
      }
      case 'SessionEnded': {
        const { sessionId } = event.data;
        const session = live.get(sessionId);
        live.delete(sessionId);
        // Its newest access token is the last to expire; an unknown session's have all expired already.
        if (session) ended.set(sessionId, Date.parse(session.expiresAt));
        break;
      }
      default:
        return assertNever(event);
    }
    return at === undefined ? { live, ended } : pruned({ live, ended }, at);
  },
};

/**
 * Forgets what can no longer matter at `now`: ended sessions whose access tokens have all expired, and idle sessions
 * whose refresh token ran out (their access tokens expired long before). The state stays the size of the user's
 * recent sessions however long the stream grows.
 */
function pruned(state: { live: Map<string, LiveSession>; ended: Map<string, number> }, now: number): SessionsState {
  for (const [sessionId, until] of state.ended) if (until <= now) state.ended.delete(sessionId);
  for (const [sessionId, session] of state.live)
    if (Date.parse(session.refreshExpiresAt) <= now && Date.parse(session.expiresAt) <= now)
      state.live.delete(sessionId);
  return state;
}
