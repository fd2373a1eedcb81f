// Specs of the sessions decider: a current refresh token rotates, the one just spent answers nothing new within the
// grace and ends the session after it, older ones end it at once, ended and idle sessions refuse, and logout ends one
// session or all; ended sessions are remembered until their last access token has expired.
import type { Actor } from '../../src/domain/decider';
import {
  RefreshRefused,
  type RefreshSession,
  type SessionEvent,
  sessionDecider,
  sessionEnded,
} from '../../src/domain/session';
import { given } from '../support/given';
import { NOW } from './fixtures';

const ANN: Actor = { userId: 'ann', accountId: 'acme', role: 'MEMBER' };
const GRACE_MS = 10_000;
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString();
const times = (offsetMs: number) => ({
  issuedAt: at(offsetMs),
  expiresAt: at(offsetMs + 900_000),
  refreshExpiresAt: at(offsetMs + 86_400_000),
});
const withTime = <E extends SessionEvent>(event: E, offsetMs: number): E => ({
  ...event,
  metadata: { occurredAt: at(offsetMs) },
});
const started = withTime<SessionEvent>(
  { type: 'SessionStarted', data: { userId: 'ann', sessionId: 's1', refreshTokenHash: 'h0', ...times(0) } },
  0,
);
const refreshed = withTime<SessionEvent>(
  {
    type: 'SessionRefreshed',
    data: { userId: 'ann', sessionId: 's1', generation: 1, refreshTokenHash: 'h1', ...times(60_000) },
  },
  60_000,
);
const refresh = (generation: number, hash: string, offsetMs: number): RefreshSession => ({
  type: 'RefreshSession',
  data: {
    userId: 'ann',
    sessionId: 's1',
    generation,
    refreshTokenHash: hash,
    next: { refreshTokenHash: `h${generation + 1}`, ...times(offsetMs) },
    graceMs: GRACE_MS,
  },
  metadata: { actor: ANN, now: new Date(NOW.getTime() + offsetMs) },
});
const decide = (events: SessionEvent[], command: RefreshSession) =>
  sessionDecider.decide(command, events.reduce(sessionDecider.evolve, sessionDecider.initialState()));

describe('sessions decider', () => {
  it('rotates the current refresh token into the next generation', () => {
    given(sessionDecider, started)
      .when(refresh(0, 'h0', 60_000))
      .then([
        {
          type: 'SessionRefreshed',
          data: { userId: 'ann', sessionId: 's1', generation: 1, refreshTokenHash: 'h1', ...times(60_000) },
        },
      ]);
  });

  it('answers nothing new for the token just spent within the grace (the caller answers the current pair)', () => {
    given(sessionDecider, started, refreshed)
      .when(refresh(0, 'h0', 60_000 + GRACE_MS))
      .then([]);
  });

  it('ends the session for the token just spent after the grace, and for any older one at once', () => {
    const reused: SessionEvent[] = [
      { type: 'SessionEnded', data: { userId: 'ann', sessionId: 's1', reason: 'REFRESH_TOKEN_REUSED' } },
    ];
    given(sessionDecider, started, refreshed)
      .when(refresh(0, 'h0', 60_000 + GRACE_MS + 1))
      .then(reused);
    const again = withTime<SessionEvent>(
      {
        type: 'SessionRefreshed',
        data: { userId: 'ann', sessionId: 's1', generation: 2, refreshTokenHash: 'h2', ...times(61_000) },
      },
      61_000,
    );
    given(sessionDecider, started, refreshed, again)
      .when(refresh(0, 'h0', 61_001))
      .then(reused);
  });

  it('refuses a token of an ended, unknown or idle session, or with the wrong hash', () => {
    const ended = withTime<SessionEvent>(
      { type: 'SessionEnded', data: { userId: 'ann', sessionId: 's1', reason: 'LOGOUT' } },
      1_000,
    );
    expect(() => decide([started, ended], refresh(0, 'h0', 2_000))).toThrow(RefreshRefused);
    expect(() => decide([], refresh(0, 'h0', 2_000))).toThrow(RefreshRefused);
    expect(() => decide([started], refresh(0, 'h0', 86_400_000))).toThrow(RefreshRefused);
    expect(() => decide([started], refresh(1, 'h1', 1_000))).toThrow(RefreshRefused);
    expect(decide([started], refresh(0, 'forged', 1_000))).toEqual([
      { type: 'SessionEnded', data: { userId: 'ann', sessionId: 's1', reason: 'REFRESH_TOKEN_REUSED' } },
    ]);
  });

  it('logout ends the session once; logout of all ends every live one', () => {
    const other = withTime<SessionEvent>(
      { type: 'SessionStarted', data: { userId: 'ann', sessionId: 's2', refreshTokenHash: 'x0', ...times(0) } },
      0,
    );
    const metadata = { actor: ANN, now: new Date(NOW.getTime() + 1_000) };
    given(sessionDecider, started, other)
      .when({ type: 'EndSession', data: { userId: 'ann', sessionId: 's1' }, metadata })
      .then([{ type: 'SessionEnded', data: { userId: 'ann', sessionId: 's1', reason: 'LOGOUT' } }]);
    const ended = withTime<SessionEvent>(
      { type: 'SessionEnded', data: { userId: 'ann', sessionId: 's1', reason: 'LOGOUT' } },
      500,
    );
    given(sessionDecider, started, other, ended)
      .when({ type: 'EndSession', data: { userId: 'ann', sessionId: 's1' }, metadata })
      .then([]);
    given(sessionDecider, started, other)
      .when({ type: 'EndAllSessions', data: { userId: 'ann' }, metadata })
      .then([
        { type: 'SessionEnded', data: { userId: 'ann', sessionId: 's1', reason: 'LOGOUT_ALL' } },
        { type: 'SessionEnded', data: { userId: 'ann', sessionId: 's2', reason: 'LOGOUT_ALL' } },
      ]);
  });

  it('remembers an ended session until its last access token has expired, then forgets it', () => {
    const ended = withTime<SessionEvent>(
      { type: 'SessionEnded', data: { userId: 'ann', sessionId: 's1', reason: 'LOGOUT' } },
      120_000,
    );
    const state = [started, refreshed, ended].reduce(sessionDecider.evolve, sessionDecider.initialState());
    expect(sessionEnded(state, 's1')).toBe(true);
    const later = withTime<SessionEvent>(
      { type: 'SessionStarted', data: { userId: 'ann', sessionId: 's3', refreshTokenHash: 'y0', ...times(960_001) } },
      960_001,
    );
    expect(sessionEnded(sessionDecider.evolve(state, later), 's1')).toBe(false);
  });
});
