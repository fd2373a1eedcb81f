// Sign-in sessions of local sign-in: each sign-in starts a session in the user's `sessions-<userId>` stream and answers
// a short-lived access token naming it with a one-time refresh token; `refresh` rotates the pair, `end` logs out, and
// every request asks `isEnded` (the command handler's cached stream state, kept current by the log watch: no read of
// the log per request, and another instance's logout reaches this one through the log).
//
// A refresh token is `<userId>.<sessionId>.<generation>.<mac>`, the MAC keyed by the token secret: the log keeps only
// its SHA-256, yet any instance can answer a spent token presented again within the grace with the same new pair
// (it derives the same refresh token, and re-signs the same access token from the recorded times).
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Application } from '../application/application';
import { CommandHandler, type EventContext } from '../application/handle-command';
import type { LogWatch } from '../application/log-watch';
import type { Actor } from '../domain/decider';
import {
  currentGeneration,
  RefreshRefused,
  type SessionCommand,
  sessionDecider,
  sessionEnded,
} from '../domain/session';
import { SESSION_STREAM_PREFIX, sessionsStream } from '../domain/streams';
import type { EventStore } from '../eventstore/port';
import type { TokenIssuer } from './tokens';

/** What a sign-in or a refresh answers. */
export interface IssuedSession {
  readonly userId: string;
  /** The access token, for `Authorization: Bearer`. */
  readonly token: string;
  /** When `token` stops being accepted. */
  readonly expiresAt: Date;
  /** One-time: renews the pair once. */
  readonly refreshToken: string;
}

export interface Sessions {
  /** Starts a session for a user who just proved who they are. */
  start(actor: Actor, correlationId: string): Promise<IssuedSession>;
  /** Spends a refresh token for a new pair; throws RefreshRefused (UNAUTHENTICATED) for any bad one. */
  refresh(refreshToken: string, correlationId: string): Promise<IssuedSession>;
  /** Ends the caller's session, or all of theirs; answers how many were live. */
  end(actor: Actor, sessionId: string | undefined, all: boolean, correlationId: string): Promise<number>;
  /** Whether the session was ended (its access tokens are refused). */
  isEnded(userId: string, sessionId: string): Promise<boolean>;
  /** Calls `listener` once when the session ends, here or on another instance; answers the function that stops it. */
  onEnded(userId: string, sessionId: string, listener: () => void): () => void;
}

interface SessionsDeps {
  readonly store: EventStore;
  readonly watch: LogWatch;
  readonly app: Pick<Application, 'loadUser'>;
  readonly tokens: TokenIssuer;
  /** The token secret: the refresh tokens' MAC key is derived from it. */
  readonly secret: Uint8Array;
  /** How long a spent refresh token still answers the pair it was spent for (AUTH_REFRESH_GRACE_SECONDS). */
  readonly graceMs: number;
  /** A session not refreshed for this long ends (its refresh token expires). */
  readonly idleMs?: number;
  readonly now?: () => Date;
}

/** AUTH_REFRESH_GRACE_SECONDS' default: long enough for two tabs that refresh at once, short enough to detect theft. */
export const DEFAULT_REFRESH_GRACE_SECONDS = 10;
const DEFAULT_IDLE_MS = 30 * 24 * 60 * 60 * 1000;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
const seconds = (isoTime: string) => Math.floor(Date.parse(isoTime) / 1000);

interface RefreshTokenParts {
  readonly userId: string;
  readonly sessionId: string;
  readonly generation: number;
}

export function createSessions(deps: SessionsDeps): Sessions {
  const handler = new CommandHandler({ store: deps.store, watch: deps.watch });
  const now = deps.now ?? (() => new Date());
  const idleMs = deps.idleMs ?? DEFAULT_IDLE_MS;
  const macKey = createHmac('sha256', deps.secret).update('seatledger refresh token v1').digest();

  const mac = (parts: RefreshTokenParts) =>
    createHmac('sha256', macKey).update(`${parts.userId}.${parts.sessionId}.${parts.generation}`).digest('base64url');
  const refreshTokenOf = (parts: RefreshTokenParts) =>
    `${parts.userId}.${parts.sessionId}.${parts.generation}.${mac(parts)}`;

  /** The parts of a refresh token we issued; null for anything else (forged, truncated, another secret's). */
  const parse = (token: string): RefreshTokenParts | null => {
    const [userId, sessionId, generation, given, ...rest] = token.split('.');
    if (!userId || !sessionId || !generation || !given || rest.length > 0 || !/^\d{1,9}$/.test(generation)) return null;
    const parts = { userId, sessionId, generation: Number(generation) };
    const expected = Buffer.from(mac(parts));
    const actual = Buffer.from(given);
    return actual.length === expected.length && timingSafeEqual(actual, expected) ? parts : null;
  };

  /** The times of a generation issued now. */
  const nextGeneration = (parts: RefreshTokenParts) => {
    const at = now();
    const issued = Math.floor(at.getTime() / 1000);
    return {
      refreshTokenHash: sha256(refreshTokenOf(parts)),
      issuedAt: iso(issued),
      expiresAt: iso(issued + deps.tokens.ttlSeconds),
      refreshExpiresAt: new Date(at.getTime() + idleMs).toISOString(),
    };
  };

  const issued = async (
    parts: RefreshTokenParts,
    times: { issuedAt: string; expiresAt: string },
  ): Promise<IssuedSession> => ({
    userId: parts.userId,
    token: await deps.tokens.issue(parts.userId, {
      sessionId: parts.sessionId,
      issuedAt: seconds(times.issuedAt),
      expiresAt: seconds(times.expiresAt),
    }),
    expiresAt: new Date(times.expiresAt),
    refreshToken: refreshTokenOf(parts),
  });

  const handle = (userId: string, accountId: string, command: SessionCommand, correlationId: string) => {
    const context: EventContext = {
      accountId,
      actorId: userId,
      occurredAt: command.metadata.now.toISOString(),
      correlationId,
      causationId: correlationId,
    };
    return handler.handle(sessionDecider, sessionsStream(userId), command, context);
  };

  // Sessions with a listener (an open WebSocket), by user: told when their user's stream is written, anywhere.
  const listeners = new Map<string, Map<string, Set<() => void>>>();
  deps.watch.onWritten((stream) => {
    if (!stream.startsWith(SESSION_STREAM_PREFIX)) return;
    const userId = stream.slice(SESSION_STREAM_PREFIX.length);
    if (!listeners.has(userId)) return;
    // The handler's own watch listener has marked the cached state stale already: this load reads the new events.
    void handler.load(sessionDecider, stream).then(
      ({ state }) => {
        for (const [sessionId, set] of listeners.get(userId) ?? []) {
          if (!sessionEnded(state, sessionId)) continue;
          for (const listener of set) listener();
          listeners.get(userId)?.delete(sessionId);
        }
        if (listeners.get(userId)?.size === 0) listeners.delete(userId);
      },
      // The log out of reach: the next write to the stream tries again; the token's expiry closes the socket anyway.
      () => {},
    );
  });

  return {
    async start(actor, correlationId) {
      const parts = { userId: actor.userId, sessionId: randomUUID(), generation: 0 };
      const next = nextGeneration(parts);
      await handle(
        actor.userId,
        actor.accountId,
        {
          type: 'StartSession',
          data: { userId: actor.userId, sessionId: parts.sessionId, ...next },
          metadata: { actor, now: now() },
        },
        correlationId,
      );
      return issued(parts, next);
    },

    async refresh(refreshToken, correlationId) {
      const presented = parse(refreshToken);
      if (!presented) throw new RefreshRefused();
      const user = await deps.app.loadUser(presented.userId);
      if (user.status !== 'active') throw new RefreshRefused();
      const actor: Actor = { userId: user.userId, accountId: user.accountId, role: user.role };
      const nextParts = { ...presented, generation: presented.generation + 1 };
      const handled = await handle(
        user.userId,
        user.accountId,
        {
          type: 'RefreshSession',
          data: {
            userId: presented.userId,
            sessionId: presented.sessionId,
            generation: presented.generation,
            refreshTokenHash: sha256(refreshToken),
            next: nextGeneration(nextParts),
            graceMs: deps.graceMs,
          },
          metadata: { actor, now: now() },
        },
        correlationId,
      );
      // A spent token presented after the grace: the session is ended now, and this request is refused with it.
      if (handled.events.some((event) => event.type === 'SessionEnded')) throw new RefreshRefused();
      const current = currentGeneration(handled.state, presented.sessionId);
      if (!current) throw new RefreshRefused();
      return issued({ ...presented, generation: current.generation }, current);
    },

    async end(actor, sessionId, all, correlationId) {
      const metadata = { actor, now: now() };
      const command: SessionCommand | null = all
        ? { type: 'EndAllSessions', data: { userId: actor.userId }, metadata }
        : sessionId
          ? { type: 'EndSession', data: { userId: actor.userId, sessionId }, metadata }
          : null;
      if (!command) return 0;
      const handled = await handle(actor.userId, actor.accountId, command, correlationId);
      return handled.events.length;
    },

    async isEnded(userId, sessionId) {
      const { state } = await handler.load(sessionDecider, sessionsStream(userId));
      return sessionEnded(state, sessionId);
    },

    onEnded(userId, sessionId, listener) {
      const byUser = listeners.get(userId) ?? new Map<string, Set<() => void>>();
      listeners.set(userId, byUser);
      const set = byUser.get(sessionId) ?? new Set<() => void>();
      byUser.set(sessionId, set);
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) byUser.delete(sessionId);
        if (byUser.size === 0) listeners.delete(userId);
      };
    },
  };
}
