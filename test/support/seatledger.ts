// End-to-end support: a real seatledger (composition root, SQLite on a temp data dir) on an ephemeral port, a tiny
// GraphQL-over-HTTP client and sign-up helpers, so e2e tests play SPA clients against exactly what `serve` runs.
import { randomUUID } from 'node:crypto';
import { type RunningSeatledger, startSeatledger } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import { createLogger, type Logger } from '../../src/logger';
import { makeTempDir } from './temp-dir';

/** What a query answered: a test reads exactly the shape its own query asked for. */
// biome-ignore lint/suspicious/noExplicitAny: the shape is the query's, checked by the test's expectations
export type Answer = any;

export interface GraphQLError {
  readonly message: string;
  readonly path?: readonly (string | number)[];
  readonly extensions?: { readonly code?: string; readonly [key: string]: unknown };
}

export interface GraphQLResult<T = Answer> {
  readonly status: number;
  readonly data: T | null | undefined;
  readonly errors: readonly GraphQLError[] | undefined;
  /** `extensions.code` of each error, in order. */
  readonly codes: readonly (string | undefined)[];
}

export type Gql = <T = Answer>(
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
) => Promise<GraphQLResult<T>>;

/** A GraphQL client for one endpoint: POST, JSON, an optional bearer token. Never throws on GraphQL errors. */
export function graphqlClient(url: string): Gql {
  return async (query, variables, token) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, ...(variables ? { variables } : {}) }),
    });
    const text = await response.text();
    let body: { data?: Answer; errors?: GraphQLError[] };
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`not a GraphQL response (HTTP ${response.status}): ${text.slice(0, 200)}`);
    }
    return {
      status: response.status,
      data: body.data,
      errors: body.errors,
      codes: (body.errors ?? []).map((error) => error.extensions?.code),
    };
  };
}

/** The data of a result that must have succeeded; otherwise fails with the errors (so a test says why). */
export function ok<T>(result: GraphQLResult<T>): T {
  if (result.errors?.length || !result.data) {
    throw new Error(`expected success, got HTTP ${result.status}: ${JSON.stringify(result.errors)}`);
  }
  return result.data;
}

export interface TestSeatledger extends RunningSeatledger {
  readonly dataDir: string;
  readonly gql: Gql;
}

/**
 * Starts the composition root on a fresh temp data dir (removed on close). `env` adds to or overrides the
 * defaults (PORT 0, HOST 127.0.0.1, LOG_LEVEL silent); `logger` replaces the silent one.
 */
export async function startTestSeatledger(
  options: { env?: Record<string, string>; logger?: Logger; reactors?: boolean; readYourWritesTimeoutMs?: number } = {},
): Promise<TestSeatledger> {
  const temp = makeTempDir('seatledger-e2e-');
  try {
    const config = loadConfig(
      { SEATLEDGER_DATA_DIR: temp.dir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...options.env },
      temp.dir,
    );
    const logger = options.logger ?? createLogger({ level: config.logLevel });
    const running = await startSeatledger({
      config,
      logger,
      reactors: options.reactors ?? true,
      notifierRetry: { attempts: 1, baseDelayMs: 10 },
      ...(options.readYourWritesTimeoutMs !== undefined
        ? { readYourWritesTimeoutMs: options.readYourWritesTimeoutMs }
        : {}),
    });
    return {
      url: running.url,
      port: running.port,
      dataDir: temp.dir,
      gql: graphqlClient(running.url),
      async close() {
        try {
          await running.close();
        } finally {
          temp.cleanup();
        }
      },
    };
  } catch (error) {
    temp.cleanup();
    throw error;
  }
}

/** A unique, valid e-mail; `Mixed.Case` parts keep case-insensitivity honest. */
export const uniqueEmail = (who = 'user') => `${who}.${randomUUID().slice(0, 8)}@Example.test`;

export const PASSWORD = 'correct horse battery';

export interface SignedUpAccount {
  readonly token: string;
  readonly accountId: string;
  readonly ownerId: string;
  readonly email: string;
  readonly password: string;
}

/** Opens a fresh account over HTTP and answers its owner's token. */
export async function signUpAccount(gql: Gql, name = 'Acme'): Promise<SignedUpAccount> {
  const email = uniqueEmail('owner');
  const data = ok(
    await gql<{ signUp: { token: string; account: { id: string }; owner: { id: string } } }>(
      `mutation ($input: SignUpInput!) { signUp(input: $input) { token account { id } owner { id } } }`,
      { input: { accountName: name, ownerName: `${name} Owner`, ownerEmail: email, password: PASSWORD } },
    ),
  );
  return {
    token: data.signUp.token,
    accountId: data.signUp.account.id,
    ownerId: data.signUp.owner.id,
    email,
    password: PASSWORD,
  };
}

/** Adds a user to the token's account (Add New User) and answers their id. */
export async function createUser(
  gql: Gql,
  token: string,
  input: { email?: string; name?: string; role?: 'OWNER' | 'ADMIN' | 'MEMBER' } = {},
): Promise<{ id: string; email: string; name: string }> {
  const email = input.email ?? uniqueEmail();
  const name = input.name ?? `User ${email.slice(0, 13)}`;
  const data = ok(
    await gql<{ createUser: { user: { id: string } } }>(
      `mutation ($input: CreateUserInput!) { createUser(input: $input) { user { id } } }`,
      { input: { email, name, ...(input.role ? { role: input.role } : {}) } },
      token,
    ),
  );
  return { id: data.createUser.user.id, email, name };
}

/** Buys `quantity` seats of a product on a plan. */
export async function purchase(
  gql: Gql,
  token: string,
  quantity: number,
  product: 'VIDEO_MEETING' | 'WEBINAR' = 'VIDEO_MEETING',
  plan = product === 'VIDEO_MEETING' ? 'video-standard' : 'webinar-100',
): Promise<void> {
  ok(
    await gql(
      `mutation ($input: PurchaseLicensesInput!) { purchaseLicenses(input: $input) { subscription { id } } }`,
      { input: { product, plan, quantity } },
      token,
    ),
  );
}

export const ASSIGN = `mutation ($userId: ID!, $product: Product!) {
  assignLicense(input: { userId: $userId, product: $product }) {
    license { product plan { id } assignedAt assignedBy { id } }
    user { id }
    seats { product purchased assigned available }
  }
}`;

export const REVOKE = `mutation ($userId: ID!, $product: Product!) {
  revokeLicense(input: { userId: $userId, product: $product }) {
    user { id licenses { product } }
    seats { purchased assigned available }
  }
}`;

/** Signs a user in by password (local sign-in) and answers the token. */
export async function login(gql: Gql, email: string, password: string): Promise<string> {
  const data = ok(
    await gql<{ login: { token: string } }>(
      'mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { token } }',
      { email, password },
    ),
  );
  return data.login.token;
}

/**
 * A valid token for any user of the server, signed with its secret the way local sign-in signs: lets a test act as
 * a member who never set a password. Needs the server started with AUTH_SECRET (see TEST_AUTH_SECRET).
 */
export const TEST_AUTH_SECRET = 'e2e-test-secret-that-is-long-enough-0123456789';

export async function tokenFor(
  userId: string,
  /** A string is an AUTH_SECRET; bytes are a data dir's `auth-secret` as the server decodes it. */
  options: { secret?: string | Uint8Array; ttlSeconds?: number } = {},
): Promise<string> {
  const { localTokens } = await import('../../src/auth/tokens');
  const configured = options.secret ?? TEST_AUTH_SECRET;
  const secret = typeof configured === 'string' ? new TextEncoder().encode(configured) : configured;
  return localTokens(secret, options.ttlSeconds).issue(userId);
}

/** The activation token of the newest outbox mail to `email`, waiting up to `timeoutMs` for the notifier. */
export async function activationTokenFromOutbox(dataDir: string, email: string, timeoutMs = 10_000): Promise<string> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const outbox = path.join(dataDir, 'outbox');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const names = await fs.readdir(outbox).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.endsWith('.eml'))) {
      const raw = await fs.readFile(path.join(outbox, name), 'utf8');
      // Quoted-printable bodies fold long lines with `=\r\n` and escape `=` as `=3D`.
      const text = raw.replace(/=\r?\n/g, '').replace(/=3D/gi, '=');
      if (!text.toLowerCase().includes(email.toLowerCase())) continue;
      const match = /activate\?token=([A-Za-z0-9_\-.~%]+)/.exec(text);
      if (match?.[1]) return decodeURIComponent(match[1]);
    }
    if (Date.now() > deadline) throw new Error(`no activation mail to ${email} in ${outbox}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
