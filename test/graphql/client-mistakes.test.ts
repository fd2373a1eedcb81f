// Client mistakes are not server errors (issue 15, item 8), through a real server: a wrong or unknown persisted-query
// hash answers BAD_REQUEST or PERSISTED_QUERY_NOT_FOUND (never INTERNAL_SERVER_ERROR), and a request the client
// abandons is logged at debug, with no error line and no stack.
import net from 'node:net';
import pino from 'pino';
import { type RunningServer, startServer } from '../../src/server';
import { createFakeServices, type FakeServices, GOOD_TOKEN, resolveFakeViewer } from './fake-services';

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

const ERROR = 50;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('client mistakes', () => {
  let server: RunningServer;
  let services: FakeServices;
  const logLines: LogLine[] = [];

  beforeAll(async () => {
    services = createFakeServices(3);
    server = await startServer({
      config: { port: 0, host: '127.0.0.1' },
      services,
      resolveViewer: resolveFakeViewer,
      readiness: () => ({ ready: true }),
      logger: pino({ level: 'debug' }, { write: (line: string) => logLines.push(JSON.parse(line)) }),
    });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    logLines.length = 0;
  });

  async function post(body: unknown): Promise<{ status: number; codes: unknown[]; messages: unknown[] }> {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const { errors = [] } = (await response.json()) as {
      errors?: Array<{ message: string; extensions?: { code?: string } }>;
    };
    return {
      status: response.status,
      codes: errors.map((e) => e.extensions?.code),
      messages: errors.map((e) => e.message),
    };
  }

  const errorLines = () => logLines.filter((line) => line.level >= ERROR);

  describe('persisted queries', () => {
    it('answers a hash that does not match its query with BAD_REQUEST', async () => {
      const answer = await post({
        query: '{ __typename }',
        extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } },
      });
      expect(answer).toEqual({ status: 400, codes: ['BAD_REQUEST'], messages: ['provided sha does not match query'] });
      expect(errorLines()).toEqual([]);
    });

    it('answers an unknown hash with PERSISTED_QUERY_NOT_FOUND, so the client sends the query', async () => {
      const answer = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } });
      expect(answer.codes).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
      expect(errorLines()).toEqual([]);
    });

    it('answers an unknown persisted-query version or a malformed extension with BAD_REQUEST', async () => {
      for (const persistedQuery of [{ version: 2, sha256Hash: 'abc' }, 'not an object']) {
        const answer = await post({ query: '{ __typename }', extensions: { persistedQuery } });
        expect(answer).toMatchObject({ status: 400, codes: ['BAD_REQUEST'] });
      }
      expect(errorLines()).toEqual([]);
    });
  });

  it('answers a subscription sent over HTTP with BAD_REQUEST, pointing at the WebSocket', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${GOOD_TOKEN}` },
      body: JSON.stringify({ query: 'subscription { seatAvailabilityChanged { purchased } }' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      errors: [
        {
          message: 'send a subscription over WebSocket (graphql-transport-ws) to /graphql, not over HTTP',
          extensions: { code: 'BAD_REQUEST' },
        },
      ],
    });
    expect(errorLines()).toEqual([]);
  });

  describe('a request the client abandons', () => {
    it('mid-body: logged at debug, no error line, the request line says aborted', async () => {
      // given a client that announces 1,000 bytes, sends a few and hangs up
      const socket = net.connect(server.port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(
        'POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":',
      );
      await sleep(100);
      socket.destroy();

      // then the server notes it at debug only
      for (let waited = 0; waited < 2000 && !logLines.some((l) => l.msg === 'request'); waited += 20) await sleep(20);
      expect(errorLines()).toEqual([]);
      const wentAway = logLines.find((line) => line.msg === 'client went away');
      expect(wentAway).toMatchObject({ level: 20, reason: 'aborted' });
      expect(JSON.stringify(wentAway)).not.toContain('stack');
      expect(logLines.find((line) => line.msg === 'request')).toMatchObject({ aborted: true });
    });

    it('mid-execution: no error line either', async () => {
      services.accountDelayMs = 300;
      try {
        const controller = new AbortController();
        const pending = fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${GOOD_TOKEN}` },
          body: JSON.stringify({ query: '{ account { name } }' }),
          signal: controller.signal,
        }).catch((error: unknown) => error);
        await sleep(100);
        controller.abort();
        expect(await pending).toMatchObject({ name: 'AbortError' });
        await sleep(400); // the resolver finishes and the answer meets a closed socket

        expect(services.calls).toContain('account');
        expect(errorLines()).toEqual([]);
        expect(logLines.find((line) => line.msg === 'request')).toMatchObject({ aborted: true });
      } finally {
        services.accountDelayMs = 0;
      }
    });
  });
});
