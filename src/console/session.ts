// The signed-in session, in memory only (never localStorage, never a URL): a reload signs out, by design. Whoever
// needs the token reads it here at the moment of the request, so a quiet refresh reaches every later request and
// the next WebSocket connection without rebuilding the client.

export interface Session {
  /** The access token, sent as `Authorization: Bearer`. */
  readonly token: string;
  /** One-time: spent by refreshSession for the next pair. */
  readonly refreshToken: string;
  /** When `token` stops being accepted (ISO 8601). */
  readonly expiresAt: string;
  readonly user: { readonly id: string; readonly name: string; readonly email: string };
}

type Listener = (session: Session | null) => void;

let current: Session | null = null;
const listeners = new Set<Listener>();

export function currentSession(): Session | null {
  return current;
}

export function setSession(session: Session | null): void {
  current = session;
  for (const listener of listeners) listener(session);
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * How long before expiry to refresh: a fifth of the token's life left, at least 2 s and at most a minute, so a
 * short-lived token (tests) and a long one both refresh well before they are refused.
 */
export function refreshDelayMillis(expiresAt: string, now = Date.now()): number {
  const left = Date.parse(expiresAt) - now;
  const margin = Math.min(60_000, Math.max(2_000, left / 5));
  return Math.max(0, left - margin);
}
