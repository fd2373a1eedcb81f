// CORS as browsers check it (issue 14, item 4), over HTTP and WebSocket against the real server: with CORS_ORIGINS a
// listed origin gets itself echoed with credentials, an unlisted one gets no CORS header (and no WebSocket); unset,
// any origin gets `*` without credentials. Preflights echo the headers asked for (Apollo Client's clientAwareness,
// OpenTelemetry's trace context) and may be cached for 600 s. The browser's side of it: cors-browser.test.ts.
import WebSocket from 'ws';
import { startTestSeatledger, type TestSeatledger } from '../support/seatledger';

const LISTED = 'https://app.example.test';
const ALSO_LISTED = 'http://localhost:5173';
const UNLISTED = 'https://evil.example.test';
// What Apollo Client 4 with clientAwareness and an OpenTelemetry-instrumented fetch ask for.
const SPA_HEADERS = [
  'content-type',
  'authorization',
  'apollographql-client-name',
  'apollographql-client-version',
  'traceparent',
  'tracestate',
  'baggage',
];

async function preflight(url: string, origin: string, headers: string): Promise<Response> {
  return fetch(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': headers },
  });
}

async function post(url: string, origin: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json', 'apollographql-client-name': 'web' },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
}

function corsHeadersOf(response: Response): Record<string, string> {
  const found: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name.startsWith('access-control-')) found[name] = value;
  });
  return found;
}

/** Whether a WebSocket upgrade with this Origin (none: a client that is not a browser) is accepted. */
function upgrade(url: string, origin?: string): Promise<'open' | number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws', origin ? { origin } : {});
    socket.once('open', () => {
      socket.close();
      resolve('open');
    });
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', reject);
  });
}

describe('CORS with CORS_ORIGINS set', () => {
  let server: TestSeatledger;
  beforeAll(async () => {
    server = await startTestSeatledger({ env: { CORS_ORIGINS: `${LISTED}, ${ALSO_LISTED}/` }, reactors: false });
  });
  afterAll(() => server.close());

  it('answers a listed origin’s preflight with its origin, credentials, every header it asks for, and 600 s', async () => {
    const response = await preflight(server.url, LISTED, SPA_HEADERS.join(', '));
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(LISTED);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')?.split(', ')).toEqual(SPA_HEADERS);
    expect(response.headers.get('access-control-max-age')).toBe('600');
    expect(response.headers.get('vary')).toContain('Origin');
  });

  it('lets a listed origin read answers with credentials, and see the request id', async () => {
    for (const origin of [LISTED, ALSO_LISTED]) {
      const response = await post(server.url, origin);
      expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
      expect(corsHeadersOf(response)).toEqual({
        'access-control-allow-origin': origin,
        'access-control-allow-credentials': 'true',
        'access-control-expose-headers': 'x-request-id',
      });
      expect(response.headers.get('vary')).toBe('Origin');
    }
  });

  it('gives an unlisted origin no CORS header at all, on the preflight and on the answer', async () => {
    const refused = await preflight(server.url, UNLISTED, 'content-type, authorization');
    expect(corsHeadersOf(refused)).toEqual({});
    const answer = await post(server.url, UNLISTED);
    expect(corsHeadersOf(answer)).toEqual({});
    // A cache in between must not hand this answer to a listed origin, nor the other way round.
    expect(answer.headers.get('vary')).toBe('Origin');
  });

  it('does not echo malformed header names', async () => {
    const response = await preflight(server.url, LISTED, 'content-type, bad header, x:y, traceparent');
    expect(response.headers.get('access-control-allow-headers')).toBe('content-type, traceparent');
  });

  it('opens WebSockets for listed origins and for clients without an Origin, refuses other origins', async () => {
    expect(await upgrade(server.url, LISTED)).toBe('open');
    expect(await upgrade(server.url)).toBe('open');
    expect(await upgrade(server.url, UNLISTED)).toBe(403);
  });
});

describe('CORS with CORS_ORIGINS unset', () => {
  let server: TestSeatledger;
  beforeAll(async () => {
    server = await startTestSeatledger({ reactors: false });
  });
  afterAll(() => server.close());

  it('allows any origin without credentials, echoing the headers a preflight asks for', async () => {
    const response = await preflight(server.url, UNLISTED, SPA_HEADERS.join(','));
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.get('access-control-allow-headers')?.split(', ')).toEqual(SPA_HEADERS);
    expect(response.headers.get('access-control-max-age')).toBe('600');

    const answer = await post(server.url, UNLISTED);
    expect(corsHeadersOf(answer)).toEqual({
      'access-control-allow-origin': '*',
      'access-control-expose-headers': 'x-request-id',
    });
    expect(await upgrade(server.url, UNLISTED)).toBe('open');
  });
});
