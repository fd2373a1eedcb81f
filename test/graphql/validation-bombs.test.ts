// Validation bombs through a real server (issue 15, item 5): a request repeating one response name thousands of times
// is refused before graphql's validation (whose overlapping-fields rule is quadratic in such repeats) and costs the
// event loop little; the same walk counts fragments' fields where they are spread; the token limit stays as it was.
import http from 'node:http';
import pino from 'pino';
import { DEFAULT_QUERY_LIMITS, MAX_QUERY_TOKENS } from '../../src/graphql/limits';
import { type RunningServer, startServer } from '../../src/server';
import { createFakeServices, GOOD_TOKEN, resolveFakeViewer } from './fake-services';

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

const MAX = DEFAULT_QUERY_LIMITS.maxSameResponseName;
const repeat = (times: number, selection: string) => Array.from({ length: times }, () => selection).join(' ');

describe('validation bombs', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer({
      config: { port: 0, host: '127.0.0.1' },
      services: createFakeServices(3),
      resolveViewer: resolveFakeViewer,
      readiness: () => ({ ready: true }),
      logger: pino({ level: 'silent' }),
    });
  });
  afterAll(() => server.close());

  async function post(query: string, token?: string): Promise<{ status: number; body: GraphQLBody }> {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query }),
    });
    return { status: response.status, body: (await response.json()) as GraphQLBody };
  }

  /** The same POST through node:http, whose client side costs far less than fetch's: the measure is the server's. */
  function postLight(query: string): Promise<{ status: number; body: GraphQLBody }> {
    const payload = JSON.stringify({ query });
    return new Promise((resolve, reject) => {
      const req = http.request(
        server.url,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }),
          );
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  const codes = (body: GraphQLBody) => (body.errors ?? []).map((e) => e.extensions?.code);

  it('refuses 2,000 repeats of one field in a 60 KB anonymous request within 50 ms of event-loop time', async () => {
    // given the attack's request: one selection set, the same response name 2,000 times
    const bomb = `{ ${repeat(2000, 'users(first: 1) { totalCount }')} }`;
    expect(bomb.length).toBeGreaterThan(60_000);
    await post('{ __typename }'); // warm the pipeline, so the measure below is the bomb's own
    // and the refusal's own path once: its first run compiles it (about 180 ms on this machine), which no later one pays
    await postLight(bomb);

    // when it is sent, eight times: the best is the request's own cost, not a collection of earlier garbage or a
    // neighbour's work on a shared machine (single attempts range 13–220 ms under a parallel test run)
    const costs: number[] = [];
    let answer: { status: number; body: GraphQLBody } | undefined;
    for (let attempt = 0; attempt < 8; attempt++) {
      // CPU time, not wall time: on a loaded machine the process waits for a core, which is no work of ours.
      const before = process.cpuUsage();
      answer = await postLight(bomb);
      const used = process.cpuUsage(before);
      costs.push((used.user + used.system) / 1000);
    }

    // then it is refused, naming the limit, and the whole exchange (client side included) cost little
    const { status, body } = answer as { status: number; body: GraphQLBody };
    expect(status).toBe(400);
    expect(codes(body)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(body.errors?.[0]?.message).toBe(
      `Query selects "users" more than ${MAX} times in one selection set, the limit is ${MAX}. ` +
        'Select it once, or use aliases for different arguments.',
    );
    expect(body.errors?.[0]?.extensions).toMatchObject({ limit: 'sameResponseName', max: MAX, responseName: 'users' });
    expect({ costs, best: Math.min(...costs) < 50 }).toMatchObject({ best: true });
  });

  it(`answers ${MAX} repeats as before`, async () => {
    const { status, body } = await post(`{ ${repeat(MAX, 'users(first:1){ totalCount }')} }`, GOOD_TOKEN);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ users: { totalCount: 3 } });
  });

  it('counts the fields that fragments and inline fragments bring into a selection set', async () => {
    // 30 from a named fragment and 30 from inline fragments: 60 `id`s in the `me` selection set
    const query = `{ me { ...Ids ${repeat(30, '... on User { id }')} } } fragment Ids on User { ${repeat(30, 'id')} }`;
    const { status, body } = await post(query, GOOD_TOKEN);
    expect(status).toBe(400);
    expect(codes(body)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(body.errors?.[0]?.message).toMatch(/^Query selects "id" more than 50 times in one selection set/);
  });

  it('finds a bomb nested below other fields and in a fragment no operation uses', async () => {
    const nested = await post(`{ me { licenses { ${repeat(200, 'product')} } } }`, GOOD_TOKEN);
    expect(codes(nested.body)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(nested.body.errors?.[0]?.message).toMatch(/^Query selects "product" more than 50 times/);

    const unused = await post(`{ __typename } fragment Unused on User { ${repeat(200, 'email')} }`, GOOD_TOKEN);
    expect(codes(unused.body)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(unused.body.errors?.[0]?.message).toMatch(/^Query selects "email" more than 50 times/);
  });

  it('counts a fragment spread many times in one selection set once', async () => {
    const { status, body } = await post(
      `{ me { ${repeat(200, '...Name')} } } fragment Name on User { name }`,
      GOOD_TOKEN,
    );
    expect(status).toBe(200);
    expect(body.data).toEqual({ me: { name: 'Olive Owner' } });
  });

  it('keeps the parser’s token limit', async () => {
    const { status, body } = await post(`{ ${repeat(MAX_QUERY_TOKENS, 'a')} }`);
    expect(status).toBe(400);
    expect(codes(body)).toEqual(['GRAPHQL_PARSE_FAILED']);
    // graphql's own wording (sic: "more that")
    expect(body.errors?.[0]?.message).toMatch(`Document contains more that ${MAX_QUERY_TOKENS} tokens`);
  });
});
