// The HTTP/GraphQL plumbing through a real server on an ephemeral port: body limit, query limits, the auth gate,
// input validation, error masking, request ids, CORS, health, readiness, metrics and graceful close.
import http from 'node:http';
import { getIntrospectionQuery } from 'graphql';
import pino from 'pino';
import { Counter, Registry } from 'prom-client';
import { type RunningServer, startServer } from '../../src/server';
import { createFakeServices, type FakeServices, GOOD_TOKEN, resolveFakeViewer } from './fake-services';

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

describe('the HTTP server', () => {
  let server: RunningServer;
  let services: FakeServices;
  let ready = false;
  const logLines: Array<Record<string, unknown>> = [];
  const extraRegistry = new Registry();
  new Counter({ name: 'seatledger_events_appended_total', help: 'events appended', registers: [extraRegistry] }).inc(3);

  beforeAll(async () => {
    services = createFakeServices(500);
    server = await startServer({
      config: { port: 0, host: '127.0.0.1' },
      services,
      resolveViewer: resolveFakeViewer,
      readiness: () => ({ ready, detail: { projections: { users: ready ? 0 : 12 } } }),
      metricsRegistry: extraRegistry,
      logger: pino({ level: 'info' }, { write: (line: string) => logLines.push(JSON.parse(line)) }),
      stopGracePeriodMillis: 2000,
    });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    services.calls.length = 0;
    services.failWith = null;
  });

  async function gql(
    query: string,
    options: { token?: string; variables?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: GraphQLBody; headers: Headers }> {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      body: JSON.stringify({ query, variables: options.variables }),
    });
    return { status: response.status, body: (await response.json()) as GraphQLBody, headers: response.headers };
  }

  const codes = (body: GraphQLBody) => (body.errors ?? []).map((e) => e.extensions?.code);

  describe('without a token', () => {
    it('answers { __typename } and introspection', async () => {
      const typename = await gql('{ __typename }');
      expect(typename.body).toEqual({ data: { __typename: 'Query' } });

      const introspection = await gql(getIntrospectionQuery());
      expect(introspection.body.errors).toBeUndefined();
      expect(JSON.stringify(introspection.body.data)).toContain('ProductSubscription');
    });

    it('refuses me with UNAUTHENTICATED, and so does a bad token', async () => {
      for (const token of [undefined, 'forged']) {
        const { body } = await gql('{ me { id } }', { token });
        expect(codes(body)).toEqual(['UNAUTHENTICATED']);
        expect(body.data).toBeNull();
      }
    });

    it('refuses plans and every write, but lets signUp through', async () => {
      expect(codes((await gql('{ plans { id } }')).body)).toEqual(['UNAUTHENTICATED']);
      const purchase = await gql(
        'mutation { purchaseLicenses(input: { product: WEBINAR, plan: "webinar-100", quantity: 0 }) { subscription { id } } }',
      );
      // Authentication comes before validation: an anonymous caller learns nothing about the input rules.
      expect(codes(purchase.body)).toEqual(['UNAUTHENTICATED']);
      const signUp = await gql(
        'mutation { signUp(input: { accountName: " Acme ", ownerName: "Ann", ownerEmail: "ann@example.com", password: "correct horse" }) { token owner { email } account { name } } }',
      );
      expect(signUp.body.errors).toBeUndefined();
      expect(signUp.body.data).toEqual({
        signUp: { token: GOOD_TOKEN, owner: { email: 'ann@example.com' }, account: { name: 'Acme' } },
      });
      expect(services.calls).toEqual(['signUp']);
    });
  });

  describe('with a token', () => {
    it('answers me, plans from the catalog and nested relations', async () => {
      const { body } = await gql(
        '{ me { email licenses { plan { id } assignedBy { name } } entitlements } plans(product: WEBINAR) { id } }',
        {
          token: GOOD_TOKEN,
        },
      );
      expect(body.errors).toBeUndefined();
      expect(body.data?.me).toMatchObject({
        email: 'owner@example.com',
        licenses: [
          { plan: { id: 'video-pro' }, assignedBy: { name: 'Olive Owner' } },
          { plan: { id: 'webinar-100' }, assignedBy: { name: 'Olive Owner' } },
        ],
      });
      expect(body.data?.plans).toEqual([{ id: 'webinar-100' }, { id: 'webinar-500' }, { id: 'webinar-1000' }]);
    });

    it('serialises DateTime as an ISO string and refuses a malformed one', async () => {
      const ok = await gql('{ me { createdAt } }', { token: GOOD_TOKEN });
      expect(ok.body.data).toEqual({ me: { createdAt: '2026-01-01T00:00:00.000Z' } });
      const bad = await gql('query($t: DateTime) { seatAvailability(product: WEBINAR, asOf: $t) { available } }', {
        token: GOOD_TOKEN,
        variables: { t: 'yesterday' },
      });
      expect(codes(bad.body)).toEqual(['BAD_USER_INPUT']);
      expect(bad.body.errors?.[0]?.message).toContain('DateTime');
    });

    it.each([
      [
        'createUser with a bad email',
        'mutation { createUser(input: { email: "not-an-email", name: "Bob" }) { user { id } } }',
        'email',
      ],
      [
        'createUser with a blank name',
        'mutation { createUser(input: { email: "bob@example.com", name: "   " }) { user { id } } }',
        'name',
      ],
      [
        'purchaseLicenses of 0 seats',
        'mutation { purchaseLicenses(input: { product: WEBINAR, plan: "webinar-100", quantity: 0 }) { subscription { id } } }',
        'quantity',
      ],
      [
        'purchaseLicenses with a bad idempotency key',
        'mutation { purchaseLicenses(input: { product: WEBINAR, plan: "webinar-100", quantity: 1, idempotencyKey: "a b" }) { subscription { id } } }',
        'idempotencyKey',
      ],
      ['users(first: 501)', '{ users(first: 501) { totalCount } }', 'first'],
      ['users(first: -1)', '{ users(first: -1) { totalCount } }', 'first'],
      ['users(last: -1)', '{ users(last: -1) { totalCount } }', 'last'],
      ['users(first: 2, last: 2)', '{ users(first: 2, last: 2) { totalCount } }', 'last'],
      ['a too long cursor', `{ users(after: "${'x'.repeat(201)}") { totalCount } }`, 'after'],
    ])('refuses %s with BAD_USER_INPUT naming the field', async (_what, query, field) => {
      const { body } = await gql(query, { token: GOOD_TOKEN });
      expect(codes(body)).toEqual(['BAD_USER_INPUT']);
      const error = body.errors?.[0];
      expect(error?.message).toMatch(new RegExp(`\\b${field}\\b`));
      expect(error?.extensions?.fields).toEqual([expect.objectContaining({ field })]);
      expect(services.calls).toEqual([]);
    });

    it('never echoes a refused password', async () => {
      const { body } = await gql(
        'mutation { signUp(input: { accountName: "A", ownerName: "Ann", ownerEmail: "ann@example.com", password: "short-pw" }) { token } }',
      );
      expect(codes(body)).toEqual(['BAD_USER_INPUT']);
      expect(body.errors?.[0]?.message).toMatch(/password must be at least 10 characters long/);
      expect(JSON.stringify(body)).not.toContain('short-pw');
    });

    it('maps a domain refusal to its code and message', async () => {
      const { body } = await gql(
        'mutation { assignLicense(input: { userId: "user-1", product: WEBINAR }) { user { id } } }',
        {
          token: GOOD_TOKEN,
        },
      );
      expect(codes(body)).toEqual(['NO_SEATS_AVAILABLE']);
      expect(body.errors?.[0]?.message).toBe('every purchased seat of WEBINAR is assigned');
    });

    it('masks an unexpected failure as INTERNAL_SERVER_ERROR and logs it with the request id', async () => {
      services.failWith = new Error('SQLITE_ERROR: near "SELEC": syntax error in SELECT * FROM users');
      const { body, headers } = await gql('{ subscriptions { id } }', {
        token: GOOD_TOKEN,
        headers: { 'x-request-id': 'req-masking-1' },
      });
      expect(codes(body)).toEqual(['INTERNAL_SERVER_ERROR']);
      const text = JSON.stringify(body);
      expect(text).not.toMatch(/SQLITE|SELECT|at .*\.ts|stack/i);
      expect(headers.get('x-request-id')).toBe('req-masking-1');
      const logged = logLines.find((l) => l.reqId === 'req-masking-1' && l.level === 50);
      expect(JSON.stringify(logged)).toContain('SQLITE_ERROR');
    });
  });

  describe('query limits', () => {
    /** me { licenses { assignedBy { licenses { ... } } } }: exactly `levels` fields deep, ending in a scalar. */
    const nest = (levels: number) => {
      const path = ['me'];
      while (path.length < levels - 1) path.push(path.length % 2 === 1 ? 'licenses' : 'assignedBy');
      const leaf = path.at(-1) === 'licenses' ? 'product' : 'id';
      return `{ ${path.map((f) => `${f} {`).join(' ')} ${leaf} ${'}'.repeat(path.length)} }`;
    };

    it('accepts depth 10 and refuses depth 11 before running anything', async () => {
      const ten = await gql(nest(10), { token: GOOD_TOKEN });
      expect(ten.body.errors).toBeUndefined();

      services.calls.length = 0;
      const eleven = await gql(nest(11), { token: GOOD_TOKEN });
      expect(eleven.status).toBe(400);
      expect(codes(eleven.body)).toContain('GRAPHQL_VALIDATION_FAILED');
      expect(eleven.body.errors?.map((e) => e.message)).toContain(
        'Query is too deep: 11 levels of fields, the limit is 10.',
      );
      expect(services.calls).toEqual([]);
    });

    it('refuses an alias bomb with a clear error', async () => {
      const aliases = Array.from({ length: 1000 }, (_, i) => `a${i}: me { id }`).join(' ');
      const { status, body } = await gql(`{ ${aliases} }`, { token: GOOD_TOKEN });
      expect(status).toBe(400);
      expect(codes(body)).toContain('GRAPHQL_VALIDATION_FAILED');
      expect(body.errors?.map((e) => e.message)).toContain('Query has too many aliases: 1000, the limit is 30.');
      expect(services.calls).toEqual([]);
    });

    it('refuses a huge fan-out, also through a variable page size', async () => {
      const fanOut =
        '{ users(first: 500) { edges { node { licenses { assignedBy { licenses { plan { id name } } } } } } } }';
      const { body } = await gql(fanOut, { token: GOOD_TOKEN });
      expect(body.errors?.[0]?.message).toMatch(/^Query is too complex: cost \d+, the limit is 50000/);

      const viaVariable = await gql(
        'query($n: Int) { users(first: $n) { edges { node { licenses { assignedBy { licenses { plan { id } } } } } } } }',
        { token: GOOD_TOKEN, variables: { n: 2 } },
      );
      expect(codes(viaVariable.body)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    });

    it('refuses a recursive introspection query, while the standard one passes (see above)', async () => {
      const recursive = `{ __schema { types { ${'fields { type { '.repeat(4)}name${' } }'.repeat(4)} } } }`;
      const { body } = await gql(recursive);
      expect(codes(body)).toContain('GRAPHQL_VALIDATION_FAILED');
      expect(body.errors?.map((e) => e.message).join('\n')).toMatch(/too complex|too deep/);
    });

    it('lets 500 users with their licences, plans and assigners through', async () => {
      const { body } = await gql(
        '{ users(first: 500) { totalCount edges { cursor node { id email name role licenses { product assignedAt plan { id name } assignedBy { id name } } } } } }',
        { token: GOOD_TOKEN },
      );
      expect(body.errors).toBeUndefined();
      expect((body.data as { users: { edges: unknown[] } }).users.edges).toHaveLength(500);
    });
  });

  describe('HTTP', () => {
    function rawPost(
      headers: Record<string, string | number>,
      write: (req: http.ClientRequest) => void,
    ): Promise<{ status: number; body: string }> {
      return new Promise((resolve, reject) => {
        const req = http.request(server.url, { method: 'POST', headers }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            body += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        // The server may cut the connection once it has answered 413; the answer is what counts.
        req.on('error', (error) => (req.writableEnded ? undefined : reject(error)));
        write(req);
      });
    }

    it('answers 413 to a body declared over 1 MB', async () => {
      const big = JSON.stringify({ query: `{ __typename } #${'x'.repeat(1024 * 1024)}` });
      const { status, body } = await rawPost(
        { 'content-type': 'application/json', 'content-length': Buffer.byteLength(big) },
        (req) => req.end(big),
      );
      expect(status).toBe(413);
      expect(body).toContain('PAYLOAD_TOO_LARGE');
    });

    it('answers 413 to a streamed body that grows over 1 MB, without reading it all', async () => {
      const chunk = 'x'.repeat(64 * 1024);
      const { status } = await rawPost(
        { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        (req) => {
          req.write('{"query":"{ __typename }","x":"');
          let sent = 0;
          const pump = () => {
            // Up to 4 MB, stopping as soon as the server has answered.
            while (sent < 64 && req.write(chunk)) sent++;
            if (sent < 64 && !req.destroyed) req.once('drain', pump);
            else req.end('"}');
          };
          pump();
        },
      );
      expect(status).toBe(413);
    });

    it('answers a body just under the limit normally', async () => {
      const body = JSON.stringify({ query: `{ __typename } #${'x'.repeat(1024 * 1024 - 64)}` });
      const { status } = await rawPost(
        { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        (req) => req.end(body),
      );
      expect(status).toBe(200);
    });

    it('answers 400 to malformed JSON and 415 to another content type', async () => {
      const malformed = await rawPost({ 'content-type': 'application/json' }, (req) => req.end('{"query":'));
      expect(malformed.status).toBe(400);
      const text = await rawPost({ 'content-type': 'text/plain' }, (req) => req.end('{ __typename }'));
      expect(text.status).toBe(415);
    });

    it('answers GET queries and refuses GET mutations', async () => {
      const query = await fetch(`${server.url}?query=${encodeURIComponent('{ __typename }')}`);
      expect(query.status).toBe(200);
      expect(await query.json()).toEqual({ data: { __typename: 'Query' } });
      const mutation = await fetch(
        `${server.url}?query=${encodeURIComponent('mutation { login(email: "a@b.co", password: "x") { token } }')}`,
      );
      expect(mutation.status).toBe(405);
    });

    it('gives every response a request id: the caller’s when sane, a fresh one otherwise', async () => {
      const given = await fetch(server.url.replace('/graphql', '/healthz'), { headers: { 'x-request-id': 'abc-123' } });
      expect(given.headers.get('x-request-id')).toBe('abc-123');
      const insane = await fetch(server.url.replace('/graphql', '/healthz'), {
        headers: { 'x-request-id': 'no spaces\tor tabs please' },
      });
      expect(insane.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(logLines.some((l) => l.reqId === 'abc-123' && l.msg === 'request' && l.status === 200)).toBe(true);
    });

    it('answers CORS preflights and allows any origin without credentials', async () => {
      const preflight = await fetch(server.url, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://spa.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
      expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
      expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
      const { headers } = await gql('{ __typename }', { headers: { origin: 'https://spa.example' } });
      expect(headers.get('access-control-allow-origin')).toBe('*');
    });

    it('serves /healthz, /readyz (503 until ready) and unknown routes as 404', async () => {
      const base = server.url.replace('/graphql', '');
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      ready = false;
      const notReady = await fetch(`${base}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({ status: 'not ready', detail: { projections: { users: 12 } } });
      ready = true;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    });

    it('serves /metrics with request counts, latencies per operation and the extra registry', async () => {
      await gql('query SeatsNow { seatAvailability(product: WEBINAR) { available } }', { token: GOOD_TOKEN });
      // The fake refuses every assignment (NO_SEATS_AVAILABLE): an operation answered with an error.
      const refused = await gql(
        'mutation Grab { assignLicense(input: { userId: "u-1", product: WEBINAR }) { seats { available } } }',
        { token: GOOD_TOKEN },
      );
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('NO_SEATS_AVAILABLE');
      const text = await (await fetch(server.url.replace('/graphql', '/metrics'))).text();
      expect(text).toMatch(/seatledger_graphql_operations_total\{type="mutation",operation="Grab",outcome="error"\} 1/);
      expect(text).not.toMatch(/operation="Grab",outcome="ok"/);
      // Timed from the request's start: a positive duration, well under a second here.
      const sum = /seatledger_graphql_operation_duration_seconds_sum\{type="query",operation="SeatsNow"\} (\S+)/.exec(
        text,
      );
      expect(Number(sum?.[1])).toBeGreaterThan(0);
      expect(Number(sum?.[1])).toBeLessThan(1);
      expect(text).toMatch(/seatledger_http_requests_total\{route="graphql",method="POST",status="200"\} \d+/);
      expect(text).toMatch(/seatledger_graphql_operations_total\{type="query",operation="SeatsNow",outcome="ok"\} 1/);
      expect(text).toContain('seatledger_graphql_operation_duration_seconds_bucket');
      expect(text).toContain('seatledger_events_appended_total 3');
    });
  });
});

describe('closing the server', () => {
  it('finishes a request in flight, then stops accepting', async () => {
    const services = createFakeServices();
    services.accountDelayMs = 300;
    const server = await startServer({
      config: { port: 0, host: '127.0.0.1' },
      services,
      resolveViewer: resolveFakeViewer,
      readiness: () => ({ ready: true }),
      logger: pino({ level: 'silent' }),
    });
    const inFlight = fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${GOOD_TOKEN}` },
      body: JSON.stringify({ query: '{ account { name } }' }),
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closed = server.close();

    const response = await inFlight;
    expect(await response.json()).toEqual({ data: { account: { name: 'Acme' } } });
    await closed;
    await expect(fetch(server.url.replace('/graphql', '/healthz'))).rejects.toThrow();
  });
});
