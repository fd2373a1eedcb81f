// Configuration from the environment (docs/configuration.md's table), checked all at once at start: a malformed
// value stops the start with one line per mistake naming the variable. Values that may hold a secret are never echoed.
import os from 'node:os';
import path from 'node:path';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type AuthConfig =
  | {
      readonly kind: 'local' /** Null: a secret generated into the data dir on first start. */;
      readonly secret: string | null;
      /** AUTH_TOKEN_TTL_SECONDS: lifetime of access tokens. */
      readonly tokenTtlSeconds: number;
      /** AUTH_REFRESH_GRACE_SECONDS: how long a spent refresh token still answers the pair it was spent for. */
      readonly refreshGraceSeconds: number;
    }
  | { readonly kind: 'oidc'; readonly jwksUrl: string; readonly issuer: string; readonly audience: string };

/** Sign-in throttling and bounded password hashing (docs/throttling.md); times in milliseconds. */
export interface ThrottleConfig {
  readonly failures: number;
  readonly windowMs: number;
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  readonly addressFailures: number;
  readonly addressWindowMs: number;
  readonly hashConcurrency: number;
  readonly hashMaxWaiting: number;
  /** TRUST_PROXY=on: the client address is X-Forwarded-For's last entry (the one our proxy added). */
  readonly trustProxy: boolean;
}

/** Webhook deliveries (docs/webhooks.md). */
export interface WebhookConfig {
  /** SEATLEDGER_SECRET_KEY decoded (32 bytes); null: generated into the data dir. */
  readonly secretKey: Uint8Array | null;
  /** WEBHOOK_RETRY_SECONDS: the delay before each retry, in order; after the last, the delivery is FAILED. */
  readonly retrySeconds: readonly number[];
  /** WEBHOOK_ALLOWED_HOSTS: hosts (lower case, as written in URLs) exempt from https and the public-address rule. */
  readonly allowedHosts: readonly string[];
  /** WEBHOOK_TIMEOUT_MS: how long an attempt may take, connect to response. */
  readonly timeoutMs: number;
  /** WEBHOOK_DISABLE_AFTER_SECONDS: an endpoint failing without a success this long is disabled. */
  readonly disableAfterSeconds: number;
}

export const DEFAULT_WEBHOOK_RETRY_SECONDS = [
  5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 43200, 86400, 86400, 86400,
] as const;

export interface Config {
  readonly port: number;
  readonly host: string;
  /** Absolute. */
  readonly dataDir: string;
  /** Null: the embedded SQLite log under the data dir. */
  readonly eventStoreConnectionString: string | null;
  /** Null: mails are written as .eml files to <data dir>/outbox/. */
  readonly smtpUrl: string | null;
  /** Base of links in mails, without a trailing slash. */
  readonly publicUrl: string;
  readonly auth: AuthConfig;
  readonly logLevel: LogLevel;
  readonly throttle: ThrottleConfig;
  /** Browser origins allowed with credentials (exact `scheme://host[:port]`); null: any origin, no credentials. */
  readonly corsOrigins: readonly string[] | null;
  /** GraphiQL for browsers at GET /graphql. */
  readonly graphqlExplorer: boolean;
  /** REACTOR_TICK_SECONDS: how often the invitation-expiry reactor looks for lapsed invitations (default 10). */
  readonly reactorTickSeconds: number;
  readonly webhooks: WebhookConfig;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const MIN_AUTH_SECRET_LENGTH = 32;

// host[:port] with an optional user:password@, hosts separated by commas (a cluster's gossip seeds).
const ESDB_CONNECTION =
  /^esdb(\+discover)?:\/\/([^\s@/?#]+@)?[^\s@/?#,:]+(:\d{1,5})?(,[^\s@/?#,:]+(:\d{1,5})?)*\/?(\?[^\s#]*)?$/i;

function parseUrl(value: string, protocols: readonly string[]): URL | null {
  try {
    const url = new URL(value);
    return protocols.includes(url.protocol) && url.hostname !== '' ? url : null;
  } catch {
    return null;
  }
}

/** CORS_ORIGINS: origins as a browser sends them in `Origin` (a trailing slash is forgiven), comma-separated. */
function parseCorsOrigins(value: string | undefined, problems: string[]): string[] | null {
  if (value === undefined) return null;
  const origins: string[] = [];
  for (const entry of value.split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    const url = parseUrl(entry, ['http:', 'https:']);
    const bare = url && url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
    if (!url || !bare) {
      problems.push(
        `CORS_ORIGINS must list origins like https://app.example.com (scheme, host, optional port; no path), got ${JSON.stringify(entry)}`,
      );
      continue;
    }
    origins.push(url.origin);
  }
  return origins;
}

/** Reads the configuration; throws ConfigError listing every mistake. Empty variables count as unset. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): Config {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };

  let port = 4000;
  const rawPort = read('PORT');
  if (rawPort !== undefined) {
    if (/^\d{1,5}$/.test(rawPort) && Number(rawPort) <= 65535) port = Number(rawPort);
    else problems.push(`PORT must be a whole number from 0 to 65535, got ${JSON.stringify(rawPort)}`);
  }

  const host = read('HOST') ?? '127.0.0.1';
  if (/\s/.test(host))
    problems.push(`HOST must be an address or host name without spaces, got ${JSON.stringify(host)}`);

  const dataDir = path.resolve(cwd, read('SEATLEDGER_DATA_DIR') ?? './data');

  const eventStoreConnectionString = read('EVENTSTORE_CONNECTION_STRING') ?? null;
  if (eventStoreConnectionString !== null && !ESDB_CONNECTION.test(eventStoreConnectionString)) {
    problems.push(
      'EVENTSTORE_CONNECTION_STRING must be an esdb:// or esdb+discover:// connection string, e.g. esdb://localhost:2113?tls=false',
    );
  }

  const smtpUrl = read('SMTP_URL') ?? null;
  if (smtpUrl !== null && !parseUrl(smtpUrl, ['smtp:', 'smtps:'])) {
    problems.push('SMTP_URL must be an smtp:// or smtps:// URL with a host, e.g. smtp://localhost:1025');
  }

  const rawPublicUrl = read('PUBLIC_URL');
  if (rawPublicUrl !== undefined && !parseUrl(rawPublicUrl, ['http:', 'https:'])) {
    problems.push(`PUBLIC_URL must be an http:// or https:// URL, got ${JSON.stringify(rawPublicUrl)}`);
  }
  const publicUrl = (rawPublicUrl ?? `http://localhost:${port}`).replace(/\/+$/, '');

  const oidc = {
    AUTH_JWKS_URL: read('AUTH_JWKS_URL'),
    AUTH_ISSUER: read('AUTH_ISSUER'),
    AUTH_AUDIENCE: read('AUTH_AUDIENCE'),
  };
  const oidcSet = Object.entries(oidc).filter(([, v]) => v !== undefined);
  let auth: AuthConfig;
  if (oidcSet.length > 0 && oidcSet.length < 3) {
    const missing = Object.keys(oidc).filter((k) => oidc[k as keyof typeof oidc] === undefined);
    problems.push(
      `AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE must be set together or not at all; missing ${missing.join(', ')}`,
    );
  }
  if (oidc.AUTH_JWKS_URL !== undefined && !parseUrl(oidc.AUTH_JWKS_URL, ['http:', 'https:'])) {
    problems.push(`AUTH_JWKS_URL must be an http:// or https:// URL, got ${JSON.stringify(oidc.AUTH_JWKS_URL)}`);
  }
  const secret = read('AUTH_SECRET') ?? null;
  if (secret !== null && secret.length < MIN_AUTH_SECRET_LENGTH) {
    problems.push(`AUTH_SECRET must be at least ${MIN_AUTH_SECRET_LENGTH} characters long`);
  }
  const seconds = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    if (/^\d{1,9}$/.test(raw) && Number(raw) >= min && Number(raw) <= max) return Number(raw);
    problems.push(`${name} must be a whole number of seconds from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    return fallback;
  };
  // Up to a day: an access token cannot be taken back before its session's end is known everywhere, keep it short.
  const tokenTtlSeconds = seconds('AUTH_TOKEN_TTL_SECONDS', 900, 1, 86_400);
  const refreshGraceSeconds = seconds('AUTH_REFRESH_GRACE_SECONDS', 10, 0, 300);
  if (oidc.AUTH_JWKS_URL && oidc.AUTH_ISSUER && oidc.AUTH_AUDIENCE) {
    auth = { kind: 'oidc', jwksUrl: oidc.AUTH_JWKS_URL, issuer: oidc.AUTH_ISSUER, audience: oidc.AUTH_AUDIENCE };
  } else {
    auth = { kind: 'local', secret, tokenTtlSeconds, refreshGraceSeconds };
  }

  const rawLevel = read('LOG_LEVEL')?.toLowerCase();
  let logLevel: LogLevel = 'info';
  if (rawLevel !== undefined) {
    if ((LOG_LEVELS as readonly string[]).includes(rawLevel)) logLevel = rawLevel as LogLevel;
    else problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(env.LOG_LEVEL)}`);
  }

  const whole = (name: string, fallback: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    if (/^\d{1,9}$/.test(raw) && Number(raw) >= 1) return Number(raw);
    problems.push(`${name} must be a whole number of at least 1, got ${JSON.stringify(raw)}`);
    return fallback;
  };
  const rawTrustProxy = read('TRUST_PROXY')?.toLowerCase();
  if (rawTrustProxy !== undefined && rawTrustProxy !== 'on' && rawTrustProxy !== 'off') {
    problems.push(`TRUST_PROXY must be on or off, got ${JSON.stringify(env.TRUST_PROXY)}`);
  }
  const throttle: ThrottleConfig = {
    failures: whole('LOGIN_THROTTLE_FAILURES', 5),
    windowMs: whole('LOGIN_THROTTLE_WINDOW_SECONDS', 900) * 1000,
    firstDelayMs: whole('LOGIN_THROTTLE_FIRST_DELAY_SECONDS', 1) * 1000,
    maxDelayMs: whole('LOGIN_THROTTLE_MAX_DELAY_SECONDS', 900) * 1000,
    addressFailures: whole('LOGIN_THROTTLE_ADDRESS_FAILURES', 100),
    addressWindowMs: whole('LOGIN_THROTTLE_ADDRESS_WINDOW_SECONDS', 600) * 1000,
    hashConcurrency: whole('PASSWORD_HASH_CONCURRENCY', os.availableParallelism()),
    hashMaxWaiting: whole('PASSWORD_HASH_QUEUE', 64),
    trustProxy: rawTrustProxy === 'on',
  };

  const corsOrigins = parseCorsOrigins(read('CORS_ORIGINS'), problems);

  const rawExplorer = read('GRAPHQL_EXPLORER')?.toLowerCase();
  if (rawExplorer !== undefined && rawExplorer !== 'on' && rawExplorer !== 'off') {
    problems.push(`GRAPHQL_EXPLORER must be on or off, got ${JSON.stringify(env.GRAPHQL_EXPLORER)}`);
  }
  const graphqlExplorer = rawExplorer !== 'off';
  const rawTick = read('REACTOR_TICK_SECONDS');
  let reactorTickSeconds = 10;
  if (rawTick !== undefined) {
    if (/^\d{1,4}$/.test(rawTick) && Number(rawTick) >= 1 && Number(rawTick) <= 3600)
      reactorTickSeconds = Number(rawTick);
    else problems.push(`REACTOR_TICK_SECONDS must be a whole number from 1 to 3600, got ${JSON.stringify(rawTick)}`);
  }

  const webhooks = parseWebhookConfig(read, problems);

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port,
    host,
    dataDir,
    eventStoreConnectionString,
    smtpUrl,
    publicUrl,
    auth,
    logLevel,
    throttle,
    corsOrigins,
    graphqlExplorer,
    reactorTickSeconds,
    webhooks,
  };
}

function parseWebhookConfig(read: (name: string) => string | undefined, problems: string[]): WebhookConfig {
  const rawKey = read('SEATLEDGER_SECRET_KEY');
  let secretKey: Uint8Array | null = null;
  if (rawKey !== undefined) {
    const key = /^[0-9a-f]{64}$/i.test(rawKey) ? Buffer.from(rawKey, 'hex') : Buffer.from(rawKey, 'base64');
    // Never echoed: it is a secret.
    if (key.length === 32) secretKey = key;
    else
      problems.push(
        'SEATLEDGER_SECRET_KEY must be 32 bytes, as base64 or 64 hex digits (e.g. `openssl rand -base64 32`)',
      );
  }

  let retrySeconds: readonly number[] = DEFAULT_WEBHOOK_RETRY_SECONDS;
  const rawRetry = read('WEBHOOK_RETRY_SECONDS');
  if (rawRetry !== undefined) {
    const delays = rawRetry.split(',').map((part) => part.trim());
    if (delays.every((d) => /^\d{1,6}(\.\d{1,3})?$/.test(d)) && delays.length <= 50) retrySeconds = delays.map(Number);
    else {
      problems.push(
        `WEBHOOK_RETRY_SECONDS must be a comma-separated list of seconds (e.g. 5,30,120), got ${JSON.stringify(rawRetry)}`,
      );
    }
  }

  // As URLs write hosts, brackets and a port forgiven: `[::1]:8080` allows `::1`, `localhost:3000` allows `localhost`.
  const allowedHosts: string[] = [];
  for (const entry of (read('WEBHOOK_ALLOWED_HOSTS') ?? '').split(',')) {
    const written = entry.trim().toLowerCase();
    if (written === '') continue;
    const host = /^\[(.*)\](:\d+)?$/.exec(written)?.[1] ?? /^([^:]+):\d+$/.exec(written)?.[1] ?? written;
    if (/[\s/@?#]/.test(host)) {
      problems.push(`WEBHOOK_ALLOWED_HOSTS must list host names or addresses, got ${JSON.stringify(entry.trim())}`);
    } else allowedHosts.push(host);
  }

  const whole = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    if (/^\d{1,9}$/.test(raw) && Number(raw) >= min && Number(raw) <= max) return Number(raw);
    problems.push(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    return fallback;
  };
  return {
    secretKey,
    retrySeconds,
    allowedHosts,
    timeoutMs: whole('WEBHOOK_TIMEOUT_MS', 10_000, 1, 600_000),
    disableAfterSeconds: whole('WEBHOOK_DISABLE_AFTER_SECONDS', 3 * 86_400, 1, 365 * 86_400),
  };
}
