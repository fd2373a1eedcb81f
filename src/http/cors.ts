// CORS for browser clients (api.md, CORS_ORIGINS). Unset: any origin may call, without credentials (`*`); tokens
// are no cookie, so that is safe and what SPA tooling expects. Set: the listed origins get their own origin echoed
// with credentials allowed, every other origin gets no CORS header at all (the browser then blocks the page from
// reading answers). Preflights echo the headers the page asks for (Apollo Client's clientAwareness headers,
// OpenTelemetry's traceparent/tracestate/baggage, whatever a client library adds) rather than a list that falls behind.

export type CorsPolicy =
  | { readonly kind: 'anyOrigin' }
  | { readonly kind: 'listedOrigins'; readonly origins: ReadonlySet<string> };

export const ANY_ORIGIN: CorsPolicy = { kind: 'anyOrigin' };

export function corsPolicy(origins: readonly string[] | null): CorsPolicy {
  return origins === null ? ANY_ORIGIN : { kind: 'listedOrigins', origins: new Set(origins) };
}

/** How long a browser may reuse a preflight's answer, in seconds. */
export const PREFLIGHT_MAX_AGE_SECONDS = 600;
const METHODS = 'GET, POST, OPTIONS';
// Answered when a preflight names no headers (a curl probe, an old client): what our own clients send.
const DEFAULT_ALLOWED_HEADERS = 'authorization, content-type, accept, x-request-id, apollo-require-preflight';
// An HTTP field name (RFC 9110 token); anything else in Access-Control-Request-Headers is dropped, not echoed.
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const MAX_ECHOED_HEADERS = 64;

type Headers = Record<string, string>;

/** The origin a request's Origin header names when it may read our answers with credentials; null otherwise. */
function listedOrigin(policy: CorsPolicy, origin: string | undefined): string | null {
  if (policy.kind !== 'listedOrigins' || origin === undefined) return null;
  return policy.origins.has(origin) ? origin : null;
}

/** CORS headers of an ordinary (non-preflight) response to a request with this Origin header. */
export function corsHeaders(policy: CorsPolicy, origin: string | undefined): Headers {
  switch (policy.kind) {
    case 'anyOrigin':
      return { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'x-request-id' };
    case 'listedOrigins': {
      const allowed = listedOrigin(policy, origin);
      // The answer depends on Origin whatever it is: a shared cache must not hand one origin's answer to another.
      if (allowed === null) return { vary: 'Origin' };
      return {
        'access-control-allow-origin': allowed,
        'access-control-allow-credentials': 'true',
        'access-control-expose-headers': 'x-request-id',
        vary: 'Origin',
      };
    }
    default: {
      const unexpected: never = policy;
      throw new Error(`unknown CORS policy ${JSON.stringify(unexpected)}`);
    }
  }
}

/** The header names of Access-Control-Request-Headers that are well-formed, lower-cased, once each. */
function requestedHeaders(value: string | undefined): string | null {
  if (!value) return null;
  const names = new Set<string>();
  for (const part of value.split(',')) {
    const name = part.trim().toLowerCase();
    if (FIELD_NAME.test(name)) names.add(name);
    if (names.size >= MAX_ECHOED_HEADERS) break;
  }
  return names.size > 0 ? [...names].join(', ') : null;
}

/** Headers of the answer to a preflight (OPTIONS) with this Origin and Access-Control-Request-Headers. */
export function preflightHeaders(
  policy: CorsPolicy,
  origin: string | undefined,
  requestHeaders: string | undefined,
): Headers {
  const allowHeaders = requestedHeaders(requestHeaders) ?? DEFAULT_ALLOWED_HEADERS;
  const common = {
    'access-control-allow-methods': METHODS,
    'access-control-allow-headers': allowHeaders,
    'access-control-max-age': String(PREFLIGHT_MAX_AGE_SECONDS),
  };
  switch (policy.kind) {
    case 'anyOrigin':
      return { 'access-control-allow-origin': '*', ...common, vary: 'Access-Control-Request-Headers' };
    case 'listedOrigins': {
      const allowed = listedOrigin(policy, origin);
      if (allowed === null) return { vary: 'Origin' };
      return {
        'access-control-allow-origin': allowed,
        'access-control-allow-credentials': 'true',
        ...common,
        vary: 'Origin, Access-Control-Request-Headers',
      };
    }
    default: {
      const unexpected: never = policy;
      throw new Error(`unknown CORS policy ${JSON.stringify(unexpected)}`);
    }
  }
}

/**
 * Whether a WebSocket upgrade may go on. Browsers do not apply CORS to WebSockets but send their page's Origin:
 * with a list, a page of another origin is refused as its HTTP requests are; clients that are not browsers send
 * no Origin and pass.
 */
export function upgradeAllowed(policy: CorsPolicy, origin: string | undefined): boolean {
  return policy.kind === 'anyOrigin' || origin === undefined || policy.origins.has(origin);
}
