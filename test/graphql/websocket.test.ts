// The WebSocket transport's error plumbing (the e2e suite plays the real application): a failure inside a live
// stream reaches the client masked as INTERNAL_SERVER_ERROR, with no driver or SQL text, and is logged with its cause.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createClient } from 'graphql-ws';
import pino from 'pino';
import WebSocket from 'ws';
import { INTERNAL_ERROR_MESSAGE } from '../../src/graphql/errors';
import { buildSeatledgerSchema } from '../../src/graphql/schema';
import { attachGraphQLWebSocket } from '../../src/graphql/websocket';
import type { LicenseEventRow } from '../../src/queries/rows';
import { ACCOUNT_ID, createFakeServices, GOOD_TOKEN, resolveFakeViewer } from './fake-services';

const event: LicenseEventRow = {
  id: 'evt-1',
  accountId: ACCOUNT_ID,
  position: '00000001',
  type: 'LicenseAssigned',
  occurredAt: new Date(Date.UTC(2026, 0, 1)),
  actorId: 'user-0',
  product: 'WEBINAR',
  userId: 'user-1',
  data: '{}',
};

describe('GraphQL over WebSocket: errors', () => {
  it('given a stream that fails after its first event, then the client gets the event, then a masked error; the log has the cause', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'error' },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const services = createFakeServices();
    services.licenseEvents = () =>
      (async function* () {
        yield event;
        throw new Error('SQLITE_CORRUPT: database disk image is malformed (SELECT * FROM license_history)');
      })();
    const ws = attachGraphQLWebSocket({
      schema: await buildSeatledgerSchema(),
      services,
      logger,
      resolveViewer: resolveFakeViewer,
    });
    const server = http.createServer();
    server.on('upgrade', (req, socket, head) => ws.handleUpgrade(req, socket, head));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = createClient({
      url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${GOOD_TOKEN}` },
      retryAttempts: 0,
    });
    try {
      const received: unknown[] = [];
      const failure = await new Promise<unknown>((resolve) => {
        client.subscribe(
          { query: 'subscription { licenseEvents { id } }' },
          { next: (result) => received.push(result), error: resolve, complete: () => resolve('completed') },
        );
      });

      expect(received).toEqual([{ data: { licenseEvents: { id: 'evt-1' } } }]);
      expect(failure).toEqual([
        expect.objectContaining({ message: INTERNAL_ERROR_MESSAGE, extensions: { code: 'INTERNAL_SERVER_ERROR' } }),
      ]);
      expect(JSON.stringify(failure)).not.toMatch(/SQLITE|SELECT/);
      expect(lines.join('')).toContain('SQLITE_CORRUPT');
    } finally {
      await client.dispose();
      await ws.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
