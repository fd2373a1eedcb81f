// Configuration from the environment: defaults, parsed values, and one clear line per mistake.
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

const problemsOf = (env: NodeJS.ProcessEnv): readonly string[] => {
  try {
    loadConfig(env, '/srv/app');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('given nothing set, then answers api.md’s defaults', () => {
    expect(loadConfig({}, '/srv/app')).toEqual({
      port: 4000,
      host: '127.0.0.1',
      dataDir: path.resolve('/srv/app', 'data'),
      eventStoreConnectionString: null,
      smtpUrl: null,
      publicUrl: 'http://localhost:4000',
      auth: { kind: 'local', secret: null, tokenTtlSeconds: 900, refreshGraceSeconds: 10 },
      logLevel: 'info',
      reactorTickSeconds: 10,
      throttle: {
        failures: 5,
        windowMs: 900_000,
        firstDelayMs: 1_000,
        maxDelayMs: 900_000,
        addressFailures: 100,
        addressWindowMs: 600_000,
        hashConcurrency: os.availableParallelism(),
        hashMaxWaiting: 64,
        trustProxy: false,
      },
      corsOrigins: null,
      graphqlExplorer: true,
      webhooks: {
        secretKey: null,
        retrySeconds: [5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 43200, 86400, 86400, 86400],
        allowedHosts: [],
        timeoutMs: 10_000,
        disableAfterSeconds: 3 * 86_400,
      },
    });
  });

  it('given sign-in throttling settings, then reads them in milliseconds, and names a malformed one', () => {
    const config = loadConfig({
      LOGIN_THROTTLE_FAILURES: '3',
      LOGIN_THROTTLE_WINDOW_SECONDS: '60',
      LOGIN_THROTTLE_MAX_DELAY_SECONDS: '4',
      LOGIN_THROTTLE_ADDRESS_FAILURES: '7',
      PASSWORD_HASH_CONCURRENCY: '1',
      TRUST_PROXY: 'ON',
    });
    expect(config.throttle).toMatchObject({
      failures: 3,
      windowMs: 60_000,
      maxDelayMs: 4_000,
      addressFailures: 7,
      hashConcurrency: 1,
      trustProxy: true,
    });
    expect(problemsOf({ LOGIN_THROTTLE_FAILURES: '0' })).toEqual([
      'LOGIN_THROTTLE_FAILURES must be a whole number of at least 1, got "0"',
    ]);
    expect(problemsOf({ TRUST_PROXY: 'yes' })).toEqual(['TRUST_PROXY must be on or off, got "yes"']);
  });

  it('given every variable well-formed, then reads them all', () => {
    const config = loadConfig(
      {
        PORT: '8080',
        HOST: '0.0.0.0',
        SEATLEDGER_DATA_DIR: '/var/lib/seatledger',
        EVENTSTORE_CONNECTION_STRING: 'esdb+discover://admin:changeit@node1:2113,node2:2113,node3:2113?tls=true',
        SMTP_URL: 'smtps://mailer:pw@mail.example.com:465',
        PUBLIC_URL: 'https://seats.example.com/',
        AUTH_JWKS_URL: 'https://id.example.com/.well-known/jwks.json',
        AUTH_ISSUER: 'https://id.example.com/',
        AUTH_AUDIENCE: 'seatledger',
        LOG_LEVEL: 'WARN',
        CORS_ORIGINS: 'https://app.example.com, HTTP://Localhost:5173/,https://admin.example.com:443',
        GRAPHQL_EXPLORER: 'OFF',
      },
      '/srv/app',
    );
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      dataDir: '/var/lib/seatledger',
      publicUrl: 'https://seats.example.com',
      auth: { kind: 'oidc', audience: 'seatledger' },
      logLevel: 'warn',
      // As browsers send them in Origin: lower case, no trailing slash, no default port.
      corsOrigins: ['https://app.example.com', 'http://localhost:5173', 'https://admin.example.com'],
      graphqlExplorer: false,
    });
    expect(loadConfig({ PORT: '5000' }).publicUrl).toBe('http://localhost:5000');
  });

  it('given a malformed value, then one line names the variable', () => {
    expect(problemsOf({ PORT: 'abc' })).toEqual(['PORT must be a whole number from 0 to 65535, got "abc"']);
    expect(problemsOf({ PORT: '70000' })).toHaveLength(1);
    expect(problemsOf({ EVENTSTORE_CONNECTION_STRING: 'http://localhost:2113' })[0]).toMatch(
      /^EVENTSTORE_CONNECTION_STRING must be an esdb:\/\//,
    );
    expect(problemsOf({ SMTP_URL: 'localhost:25' })[0]).toMatch(/^SMTP_URL must be an smtp:\/\/ or smtps:\/\//);
    expect(problemsOf({ PUBLIC_URL: 'ftp://x' })[0]).toMatch(/^PUBLIC_URL must be an http/);
    expect(problemsOf({ LOG_LEVEL: 'loud' })[0]).toMatch(/^LOG_LEVEL must be one of fatal, error, warn, info/);
    expect(problemsOf({ CORS_ORIGINS: 'https://app.example.com/spa, *' })).toEqual([
      'CORS_ORIGINS must list origins like https://app.example.com (scheme, host, optional port; no path), got "https://app.example.com/spa"',
      'CORS_ORIGINS must list origins like https://app.example.com (scheme, host, optional port; no path), got "*"',
    ]);
    expect(problemsOf({ GRAPHQL_EXPLORER: 'maybe' })).toEqual(['GRAPHQL_EXPLORER must be on or off, got "maybe"']);
    expect(problemsOf({ REACTOR_TICK_SECONDS: '0' })[0]).toMatch(/^REACTOR_TICK_SECONDS must be a whole number from 1/);
    expect(problemsOf({ REACTOR_TICK_SECONDS: '2.5' })).toHaveLength(1);
    expect(loadConfig({ REACTOR_TICK_SECONDS: '1' }, '/srv').reactorTickSeconds).toBe(1);
    expect(problemsOf({ AUTH_ISSUER: 'https://id.example.com/' })).toEqual([
      'AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE must be set together or not at all; missing AUTH_JWKS_URL, AUTH_AUDIENCE',
    ]);
  });

  it('given several mistakes, then one line each, and no secret echoed', () => {
    const secret = 'too-short-secret';
    const connection = 'esdb://admin:hunter2@ bad host';
    const problems = problemsOf({
      PORT: '-1',
      AUTH_SECRET: secret,
      EVENTSTORE_CONNECTION_STRING: connection,
      LOG_LEVEL: 'x',
    });
    expect(problems.map((p) => p.split(' ')[0])).toEqual([
      'PORT',
      'EVENTSTORE_CONNECTION_STRING',
      'AUTH_SECRET',
      'LOG_LEVEL',
    ]);
    const message = new ConfigError(problems).message;
    expect(message.split('\n')).toHaveLength(5);
    expect(message).not.toContain(secret);
    expect(message).not.toContain('hunter2');
  });
});
