// Hostile input over real HTTP: a fixed catalogue (malformed JSON, wrong content types, 20 MB bodies, deep and wide
// queries, alias and fragment bombs, unknown enum values, overlong strings, bad cursors, bad dates) and fast-check
// properties (SQL and script fragments and arbitrary text in every string input). Each is answered with a clear
// error code (never INTERNAL_SERVER_ERROR), appends nothing, and the server still answers afterwards.
import fc from 'fast-check';
import { checkInvariants } from '../../src/cli/replay';
import { eventsFile } from '../../src/eventstore/open';
import { openSqliteEventStore } from '../../src/eventstore/sqlite';
import {
  createUser,
  ok,
  PASSWORD,
  purchase,
  type SignedUpAccount,
  signUpAccount,
  startTestSeatledger,
  TEST_AUTH_SECRET,
  type TestSeatledger,
} from '../support/seatledger';
import { headOf } from './support';

jest.setTimeout(120_000);

const RUNS = Number(process.env.FC_RUNS ?? (process.env.CI ? 40 : 80));

interface RawAnswer {
  readonly status: number;
  readonly codes: string[];
  readonly body: string;
}

let server: TestSeatledger;
let owner: SignedUpAccount;
let memberId: string;

beforeAll(async () => {
  server = await startTestSeatledger({ env: { AUTH_SECRET: TEST_AUTH_SECRET }, reactors: false });
  owner = await signUpAccount(server.gql, 'Hostile Inc');
  await purchase(server.gql, owner.token, 5);
  memberId = (await createUser(server.gql, owner.token)).id;
});
afterAll(() => server?.close());

async function send(init: RequestInit & { path?: string; query?: string }): Promise<RawAnswer> {
  const url = `${server.url.replace(/\/graphql$/, '')}${init.path ?? '/graphql'}${init.query ?? ''}`;
  const response = await fetch(url, {
    ...init,
    headers: { authorization: `Bearer ${owner.token}`, ...(init.headers as Record<string, string>) },
  });
  const body = await response.text();
  let codes: string[] = [];
  try {
    const parsed = JSON.parse(body) as { errors?: { extensions?: { code?: string } }[] };
    codes = (parsed.errors ?? []).map((e) => String(e.extensions?.code));
  } catch {
    codes = ['<not JSON>'];
  }
  return { status: response.status, codes, body };
}

const postJson = (payload: unknown, headers: Record<string, string> = {}) =>
  send({
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });

async function stillAnswers(): Promise<void> {
  const result = await postJson({ query: '{ __typename me { id } }' });
  expect(result.status).toBe(200);
  expect(JSON.parse(result.body).data.me.id).toBe(owner.ownerId);
}

const nest = (depth: number) => {
  let inner = 'id';
  for (let i = 0; i < depth; i++)
    inner = `owner { ${i % 2 === 0 ? 'licenses { assignedBy { id } }' : ''} id } subscriptions { assignees(first: 1) { edges { node { ${inner} } } } }`;
  return `{ account { ${inner} } }`;
};
const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const TWENTY_MB = 20 * 1024 * 1024;

type Case = [name: string, request: () => Promise<RawAnswer>, status: number, code: string];

const CATALOGUE: Case[] = [
  ['malformed JSON', () => postJson('{"query": "{ me { id } }"'), 400, 'BAD_REQUEST'],
  ['JSON null body', () => postJson('null'), 400, 'BAD_REQUEST'],
  [
    'JSON array (batch) body',
    () => postJson([{ query: '{ me { id } }' }, { query: '{ me { id } }' }]),
    400,
    'BAD_REQUEST',
  ],
  ['query is a number', () => postJson({ query: 42 }), 400, 'BAD_REQUEST'],
  ['variables is a string', () => postJson({ query: '{ me { id } }', variables: 'x' }), 400, 'BAD_REQUEST'],
  [
    'text/plain',
    () => send({ method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"query":"{ me { id } }"}' }),
    415,
    'BAD_REQUEST',
  ],
  [
    'form-urlencoded',
    () =>
      send({
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'query=%7B%20me%20%7B%20id%20%7D%20%7D',
      }),
    415,
    'BAD_REQUEST',
  ],
  [
    'latin1 charset',
    () => postJson({ query: '{ me { id } }' }, { 'content-type': 'application/json; charset=latin1' }),
    415,
    'BAD_REQUEST',
  ],
  [
    '20 MB body with a Content-Length',
    () => postJson(`{"query":"${'a'.repeat(TWENTY_MB)}"}`),
    413,
    'PAYLOAD_TOO_LARGE',
  ],
  [
    '20 MB chunked body',
    () =>
      send({
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new ReadableStream({
          start(controller) {
            const chunk = new TextEncoder().encode('a'.repeat(1024 * 1024));
            for (let i = 0; i < 20; i++) controller.enqueue(chunk);
            controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit),
    413,
    'PAYLOAD_TOO_LARGE',
  ],
  ['unparseable query', () => postJson({ query: '{ me { id }' }), 400, 'GRAPHQL_PARSE_FAILED'],
  ['a query 40 levels deep', () => postJson({ query: nest(40) }), 400, 'GRAPHQL_VALIDATION_FAILED'],
  [
    'a wide query (30,000 fields)',
    () => postJson({ query: `{ me { ${'id '.repeat(30_000)} } }` }),
    400,
    'GRAPHQL_PARSE_FAILED',
  ],
  [
    'an alias bomb',
    () =>
      postJson({
        query: `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: users(first: 500) { edges { node { licenses { plan { features } } } } }`).join(' ')} }`,
      }),
    400,
    'GRAPHQL_VALIDATION_FAILED',
  ],
  [
    'a fragment bomb (each fragment spreads the next twice)',
    () => {
      const fragments = Array.from(
        { length: 30 },
        (_, i) =>
          `fragment F${i} on User { id ${i < 29 ? `licenses { assignedBy { ...F${i + 1} ...F${i + 1} } }` : ''} }`,
      );
      return postJson({ query: `{ me { ...F0 } } ${fragments.join(' ')}` });
    },
    400,
    'GRAPHQL_VALIDATION_FAILED',
  ],
  [
    'a cyclic fragment',
    () => postJson({ query: '{ me { ...A } } fragment A on User { id ...B } fragment B on User { ...A }' }),
    400,
    'GRAPHQL_VALIDATION_FAILED',
  ],
  [
    'an unknown enum value inline',
    () => postJson({ query: '{ seatAvailability(product: FOO) { purchased } }' }),
    400,
    'GRAPHQL_VALIDATION_FAILED',
  ],
  [
    'an unknown enum value in a variable',
    () =>
      postJson({
        query: 'mutation ($p: Product!) { assignLicense(input: { userId: "x", product: $p }) { user { id } } }',
        variables: { p: "VIDEO_MEETING'; DROP TABLE events; --" },
      }),
    400,
    'BAD_USER_INPUT',
  ],
  [
    'an unknown role in a variable',
    () =>
      postJson({
        query: 'mutation ($i: CreateUserInput!) { createUser(input: $i) { user { id } } }',
        variables: { i: { email: 'x@example.test', name: 'X', role: 'SUPERUSER' } },
      }),
    400,
    'BAD_USER_INPUT',
  ],
  [
    'a quantity beyond Int',
    () =>
      postJson({
        query:
          'mutation ($q: Int!) { purchaseLicenses(input: { product: WEBINAR, plan: "webinar-100", quantity: $q }) { subscription { id } } }',
        variables: { q: 2 ** 40 },
      }),
    400,
    'BAD_USER_INPUT',
  ],
  [
    'a negative quantity',
    () =>
      postJson({
        query:
          'mutation { purchaseLicenses(input: { product: WEBINAR, plan: "webinar-100", quantity: -5 }) { subscription { id } } }',
      }),
    200,
    'BAD_USER_INPUT',
  ],
  [
    'an overlong name (100,000 characters)',
    () =>
      postJson({
        query: 'mutation ($i: CreateUserInput!) { createUser(input: $i) { user { id } } }',
        variables: { i: { email: 'long@example.test', name: 'n'.repeat(100_000) } },
      }),
    200,
    'BAD_USER_INPUT',
  ],
  [
    'an overlong search (500,000 characters)',
    () =>
      postJson({
        query: 'query ($s: String) { users(search: $s) { totalCount } }',
        variables: { s: 's'.repeat(500_000) },
      }),
    200,
    'BAD_USER_INPUT',
  ],
  [
    'NUL characters in a search',
    () =>
      postJson({
        query:
          'query ($s: String) { users(search: $s) { totalCount } subscriptions { assignees(search: $s) { totalCount } } }',
        variables: { s: "\u0000 ' OR '1'='1" },
      }),
    // Control characters are refused in every free text (noControlCharacters); the SQL alone is just text.
    200,
    'BAD_USER_INPUT',
  ],
  [
    'SQL in a search',
    () =>
      postJson({
        query:
          'query ($s: String) { users(search: $s) { totalCount } subscriptions { assignees(search: $s) { totalCount } } }',
        variables: { s: "' OR '1'='1" },
      }),
    200,
    'OK',
  ],
  [
    'a garbage cursor',
    () => postJson({ query: '{ users(after: "not-a-cursor!!") { totalCount } }' }),
    200,
    'BAD_USER_INPUT',
  ],
  [
    'a cursor of the wrong shape',
    () => postJson({ query: `{ users(after: "${cursor({ a: 1 })}") { totalCount } }` }),
    200,
    'BAD_USER_INPUT',
  ],
  [
    'a cursor holding SQL',
    () =>
      postJson({ query: `{ users(after: "${cursor(["' OR 1=1 --", "x'); DROP TABLE users; --"])}") { totalCount } }` }),
    200,
    'OK',
  ],
  [
    'a garbage history cursor',
    () => postJson({ query: '{ licenseHistory(after: "🙂🙂🙂") { edges { cursor } } }' }),
    200,
    'BAD_USER_INPUT',
  ],
  [
    'a lone surrogate in a name',
    () =>
      postJson({
        query: 'mutation ($i: CreateUserInput!) { createUser(input: $i) { user { id } } }',
        variables: { i: { email: 'lone@example.test', name: 'Ann \ud800' } },
      }),
    200,
    'BAD_USER_INPUT',
  ],
  [
    'a lone surrogate in an e-mail',
    () =>
      postJson({
        query: 'mutation ($e: String!) { login(email: $e, password: "whatever-long") { token } }',
        variables: { e: '\udc00@example.test' },
      }),
    200,
    'BAD_USER_INPUT',
  ],
  [
    'a history cursor far past the end',
    () => postJson({ query: '{ licenseHistory(after: "9999999999999999") { edges { cursor } } }' }),
    200,
    'OK',
  ],
  [
    'a page size of a million',
    () => postJson({ query: '{ users(first: 1000000) { totalCount } }' }),
    // The cost limit sees it first: a million rows is too complex before any validator runs.
    400,
    'GRAPHQL_VALIDATION_FAILED',
  ],
  [
    'a date that is not one',
    () => postJson({ query: '{ seatAvailability(product: VIDEO_MEETING, asOf: "yesterday") { purchased } }' }),
    400,
    'GRAPHQL_VALIDATION_FAILED',
  ],
  [
    'month 13',
    () =>
      postJson({
        query: 'query ($d: DateTime) { seatAvailability(product: VIDEO_MEETING, asOf: $d) { purchased } }',
        variables: { d: '2026-13-45T25:61:00Z' },
      }),
    400,
    'BAD_USER_INPUT',
  ],
  [
    'a date past the end of time',
    () =>
      postJson({
        query: 'query ($d: DateTime) { seatAvailability(product: VIDEO_MEETING, asOf: $d) { purchased } }',
        variables: { d: '+275760-09-13T00:00:00.001Z' },
      }),
    400,
    'BAD_USER_INPUT',
  ],
  [
    'a date as a number',
    () =>
      postJson({
        query: 'query ($d: DateTime) { seatAvailability(product: VIDEO_MEETING, asOf: $d) { purchased } }',
        variables: { d: 1e21 },
      }),
    400,
    'BAD_USER_INPUT',
  ],
  [
    'a mutation over GET',
    () =>
      send({
        method: 'GET',
        query: `?query=${encodeURIComponent('mutation { purchaseLicenses(input: { product: WEBINAR, plan: "webinar-100", quantity: 1 }) { subscription { id } } }')}`,
      }),
    405,
    'BAD_REQUEST',
  ],
];

describe('the fixed catalogue', () => {
  it.each(CATALOGUE)('%s: a clear answer, nothing appended', async (_name, request, status, code) => {
    const before = await headOf(server.dataDir);
    const answer = await request();
    expect({ status: answer.status, code: answer.codes[0] ?? 'OK' }).toEqual({ status, code });
    expect(answer.body).not.toMatch(/SQLITE|sqlite|\bat .+\.(js|ts):\d+|SELECT |INSERT /);
    expect(await headOf(server.dataDir)).toBe(before);
    await stillAnswers();
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Properties: any text in any string input.

const FRAGMENTS = [
  "' OR '1'='1",
  "'; DROP TABLE events; --",
  '" OR ""="',
  "x'); DELETE FROM users; --",
  '1; ATTACH DATABASE "/tmp/x.db" AS x; --',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, meant literally
  '{{7*7}}${7*7}',
  '\u0000',
  '\u202e',
  '../../etc/passwd',
  'NEAR(a b) OR c*',
  '"unterminated',
  '🙂',
  'ǅ\u0301\u0338',
  '\ud800',
];
const hostileText = fc.oneof(
  fc.constantFrom(...FRAGMENTS),
  fc.array(fc.constantFrom(...FRAGMENTS), { minLength: 1, maxLength: 4 }).map((parts) => parts.join(' ')),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ maxLength: 2000 }),
  fc.tuple(fc.constantFrom(...FRAGMENTS), fc.nat({ max: 3000 })).map(([f, n]) => f.repeat(Math.max(1, n / f.length))),
);

const ANSWER_CODES = new Set([
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'EMAIL_TAKEN',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_ASSIGNED',
  'PLAN_MISMATCH',
  'GRAPHQL_VALIDATION_FAILED',
]);

interface Target {
  readonly name: string;
  readonly document: string;
  readonly variables: (text: string) => Record<string, unknown>;
  /** When the text is accepted and written: what must read back exactly. */
  readonly readBack?: (data: Record<string, never>, text: string) => Promise<void>;
  readonly withoutToken?: boolean;
}

const TARGETS: Target[] = [
  {
    name: 'createUser.name',
    document: 'mutation ($i: CreateUserInput!) { createUser(input: $i) { user { id name } } }',
    variables: (text) => ({ i: { email: `n.${Math.random().toString(36).slice(2)}@example.test`, name: text } }),
    readBack: async (data: { createUser: { user: { id: string; name: string } } } | Record<string, never>, text) => {
      const created = (data as { createUser: { user: { id: string; name: string } } }).createUser.user;
      expect(created.name).toBe(text.trim());
      const again = ok(
        await server.gql('query ($id: ID!) { user(id: $id) { name } }', { id: created.id }, owner.token),
      );
      expect(again.user.name).toBe(text.trim());
    },
  },
  {
    name: 'createUser.email',
    document: 'mutation ($i: CreateUserInput!) { createUser(input: $i) { user { id } } }',
    variables: (text) => ({ i: { email: text, name: 'Email Probe' } }),
  },
  {
    name: 'signUp.accountName and ownerName',
    document: 'mutation ($i: SignUpInput!) { signUp(input: $i) { account { name } owner { name } } }',
    variables: (text) => ({
      i: {
        accountName: text,
        ownerName: text,
        ownerEmail: `s.${Math.random().toString(36).slice(2)}@example.test`,
        password: PASSWORD,
      },
    }),
    withoutToken: true,
  },
  {
    name: 'signUp.ownerEmail and password',
    document: 'mutation ($i: SignUpInput!) { signUp(input: $i) { token } }',
    variables: (text) => ({ i: { accountName: 'Probe', ownerName: 'Probe', ownerEmail: text, password: text } }),
    withoutToken: true,
  },
  {
    name: 'login.email and password',
    document: 'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { token } }',
    variables: (text) => ({ e: text, p: text }),
    withoutToken: true,
  },
  {
    name: 'activateAccount.token',
    document: 'mutation ($i: ActivateAccountInput!) { activateAccount(input: $i) { token } }',
    variables: (text) => ({ i: { token: text, password: PASSWORD } }),
    withoutToken: true,
  },
  {
    name: 'purchaseLicenses.plan and idempotencyKey',
    document:
      'mutation ($plan: ID!, $key: String) { purchaseLicenses(input: { product: VIDEO_MEETING, plan: $plan, quantity: 1, idempotencyKey: $key }) { subscription { id } } }',
    variables: (text) => ({ plan: text, key: text }),
  },
  {
    name: 'upgradePlan.plan',
    document:
      'mutation ($plan: ID!) { upgradePlan(input: { product: VIDEO_MEETING, plan: $plan }) { subscription { id } } }',
    variables: (text) => ({ plan: text }),
  },
  {
    name: 'assignLicense.userId',
    document: 'mutation ($u: ID!) { assignLicense(input: { userId: $u, product: WEBINAR }) { user { id } } }',
    variables: (text) => ({ u: text }),
  },
  {
    name: 'revokeLicense.reason',
    document:
      'mutation ($u: ID!, $r: String) { revokeLicense(input: { userId: $u, product: VIDEO_MEETING, reason: $r }) { user { id } } }',
    variables: (text) => ({ u: memberId, r: text }),
  },
  {
    name: 'changeUserRole.userId and deactivateUser.userId',
    document: 'mutation ($u: ID!) { changeUserRole(input: { userId: $u, role: ADMIN }) { user { id } } }',
    variables: (text) => ({ u: text }),
  },
  {
    name: 'users.search and after',
    document: 'query ($s: String, $a: String) { users(search: $s, after: $a) { totalCount } }',
    variables: (text) => ({ s: text, a: text }),
  },
  {
    name: 'users.search',
    document: 'query ($s: String) { users(search: $s) { totalCount edges { node { name } } } }',
    variables: (text) => ({ s: text }),
  },
  {
    name: 'user.id and licenseHistory.userId/after',
    document:
      'query ($id: ID!, $a: String) { user(id: $id) { id } licenseHistory(userId: $id, after: $a) { edges { cursor } } }',
    variables: (text) => ({ id: text, a: text }),
  },
  {
    name: 'seatAvailability.asOf',
    document: 'query ($d: DateTime) { seatAvailability(product: VIDEO_MEETING, asOf: $d) { purchased } }',
    variables: (text) => ({ d: text }),
  },
];

describe('any text in any string input', () => {
  it.each(TARGETS.map((t) => [t.name, t] as const))('%s', async (_name, target) => {
    await fc.assert(
      fc.asyncProperty(hostileText, async (text) => {
        const before = await headOf(server.dataDir);
        const answer = await send({
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(target.withoutToken ? { authorization: '' } : {}),
          },
          body: JSON.stringify({ query: target.document, variables: target.variables(text) }),
        });
        expect(answer.codes).not.toContain('<not JSON>');
        expect(answer.codes).not.toContain('INTERNAL_SERVER_ERROR');
        for (const code of answer.codes) expect(ANSWER_CODES).toContain(code);
        expect(answer.body).not.toMatch(/SQLITE|\bat .+\.(js|ts):\d+/);
        if (answer.codes.length > 0) expect(await headOf(server.dataDir)).toBe(before);
        else if (target.readBack) await target.readBack(JSON.parse(answer.body).data, text);
      }),
      { numRuns: RUNS },
    );
  });

  it('leaves a log that keeps every invariant, and a server that still answers', async () => {
    await stillAnswers();
    const audit = openSqliteEventStore({ file: eventsFile(server.dataDir), readonly: true });
    try {
      expect((await checkInvariants(audit)).violations).toEqual([]);
    } finally {
      await audit.close();
    }
  });
});
