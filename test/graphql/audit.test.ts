// The GraphQL-over-HTTP audit of graphql-http against our server: every MUST passes.
import { serverAudits } from 'graphql-http';
import pino from 'pino';
import { type RunningServer, startServer } from '../../src/server';
import { createFakeServices, resolveFakeViewer } from './fake-services';

describe('GraphQL over HTTP (graphql-http server audits)', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer({
      config: { port: 0, host: '127.0.0.1' },
      services: createFakeServices(),
      resolveViewer: resolveFakeViewer,
      readiness: () => ({ ready: true }),
      logger: pino({ level: 'silent' }),
    });
  });
  afterAll(() => server.close());

  it('given our server, when audited, then no MUST audit fails', async () => {
    const results = await Promise.all(serverAudits({ url: server.url }).map((audit) => audit.fn()));
    const failedMusts = results
      .filter((r) => r.status === 'error')
      .map((r) => `${r.name}: ${'reason' in r ? r.reason : ''}`);
    const warnings = results.filter((r) => r.status === 'warn').map((r) => r.name);
    if (warnings.length) console.log(`audit warnings (SHOULD/MAY):\n${warnings.join('\n')}`);
    expect(failedMusts).toEqual([]);
    expect(results.length).toBeGreaterThan(40);
  });
});
