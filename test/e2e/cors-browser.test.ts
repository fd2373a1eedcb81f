// CORS in a real browser (Debian's chromium driven by playwright-core), as an SPA on another origin meets it: a page
// served by a second tiny HTTP server calls the API with Apollo Client's clientAwareness headers, OpenTelemetry's
// trace context and `credentials: 'include'`. From the origin listed in CORS_ORIGINS it passes and subscribes over
// WebSocket with graphql-ws's own browser build; from an unlisted origin the browser blocks it. Outside CI a machine
// without /usr/bin/chromium skips; in CI (CI=true) a missing browser fails.
/// <reference lib="dom" />
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { CHROMIUM_LAUNCH, describeBrowser, requireChromium } from '../support/chromium';
import { purchase, signUpAccount, startTestSeatledger, type TestSeatledger } from '../support/seatledger';

const GRAPHQL_WS_UMD = path.resolve(__dirname, '../../node_modules/graphql-ws/umd/graphql-ws.min.js');
const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>SPA</title>
<link rel="icon" href="data:,"><script src="/graphql-ws.min.js"></script></head><body>SPA</body></html>`;

/** The SPA's own server: one page and graphql-ws's browser build, on an origin of its own. */
async function startSpaServer(): Promise<{ port: number; close(): Promise<void> }> {
  const script = fs.readFileSync(GRAPHQL_WS_UMD);
  const server = http.createServer((req, res) => {
    if (req.url === '/graphql-ws.min.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(script);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface CallResult {
  readonly ok: boolean;
  readonly body?: { data?: { me?: { email: string } } };
  readonly error?: string;
}

/** What Apollo Client 4 with clientAwareness and a traced fetch send, run in the page. */
function callApi(page: Page, api: string, token: string): Promise<CallResult> {
  return page.evaluate(
    async ({ api, token }) => {
      try {
        const response = await fetch(api, {
          method: 'POST',
          credentials: 'include',
          headers: {
            'content-type': 'application/json',
            accept: 'application/graphql-response+json, application/json',
            authorization: `Bearer ${token}`,
            'apollographql-client-name': 'seatledger-web',
            'apollographql-client-version': '1.4.2',
            traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
            tracestate: 'congo=t61rcWkgMzE',
            baggage: 'userId=alice',
          },
          body: JSON.stringify({ query: '{ me { email } }' }),
        });
        return { ok: true, body: await response.json() };
      } catch (error) {
        return { ok: false, error: String(error) };
      }
    },
    { api, token },
  );
}

describeBrowser('CORS in chromium, from an SPA on another origin', () => {
  let spa: { port: number; close(): Promise<void> };
  let server: TestSeatledger;
  let browser: Browser;
  let context: BrowserContext;
  let listed: string;
  let unlisted: string;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    requireChromium();
    spa = await startSpaServer();
    // One SPA server, two origins: the host name is part of the origin.
    listed = `http://localhost:${spa.port}`;
    unlisted = `http://127.0.0.1:${spa.port}`;
    [server, browser] = await Promise.all([
      startTestSeatledger({ env: { CORS_ORIGINS: listed } }),
      chromium.launch(CHROMIUM_LAUNCH),
    ]);
    context = await browser.newContext();
    context.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
  }, 60_000);

  beforeEach(() => {
    consoleErrors.length = 0;
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
    await spa?.close();
  });

  it('lets the listed origin call with clientAwareness, trace context and credentials', async () => {
    const owner = await signUpAccount(server.gql, 'Cors');
    const page = await context.newPage();
    await page.goto(`${listed}/`);
    expect(new URL(page.url()).origin).not.toBe(new URL(server.url).origin);

    const result = await callApi(page, server.url, owner.token);

    expect(result).toEqual({ ok: true, body: { data: { me: { email: owner.email } } } });
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('has the browser block the same call from an origin not listed', async () => {
    const owner = await signUpAccount(server.gql, 'Elsewhere');
    const page = await context.newPage();
    await page.goto(`${unlisted}/`);

    const result = await callApi(page, server.url, owner.token);

    expect(result.ok).toBe(false);
    expect(result.error).toContain('Failed to fetch');
    expect(consoleErrors.join('\n')).toContain('blocked by CORS policy');
    await page.close();
  });

  it('subscribes over WebSocket from the listed origin with graphql-ws’s browser client', async () => {
    const owner = await signUpAccount(server.gql, 'Live');
    const page = await context.newPage();
    await page.goto(`${listed}/`);

    // given a live subscription opened by the page
    await page.evaluate(
      ({ url, token }) =>
        new Promise<void>((connected, failed) => {
          // biome-ignore lint/suspicious/noExplicitAny: graphql-ws's UMD global, untyped in the page
          const { createClient } = (window as any).graphqlWs;
          const client = createClient({ url, connectionParams: { authorization: `Bearer ${token}` }, lazy: false });
          client.on('connected', () => setTimeout(connected, 300));
          client.on('closed', (event: { code: number }) => failed(new Error(`closed ${event.code}`)));
          // biome-ignore lint/suspicious/noExplicitAny: a test hook on the page's window
          (window as any).firstEvent = new Promise((resolve, reject) => {
            client.subscribe(
              { query: 'subscription { seatAvailabilityChanged { product purchased } }' },
              { next: resolve, error: reject, complete: () => reject(new Error('completed')) },
            );
          });
        }),
      { url: server.url.replace(/^http/, 'ws'), token: owner.token },
    );

    // when seats are bought elsewhere
    await purchase(server.gql, owner.token, 3);

    // then the page hears of it
    // biome-ignore lint/suspicious/noExplicitAny: the test hook set above
    const event = await page.evaluate(() => (window as any).firstEvent);
    expect(event).toEqual({ data: { seatAvailabilityChanged: { product: 'VIDEO_MEETING', purchased: 3 } } });
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('has the server refuse a WebSocket from an origin not listed', async () => {
    const owner = await signUpAccount(server.gql, 'Refused');
    const page = await context.newPage();
    await page.goto(`${unlisted}/`);
    const outcome = await page.evaluate(
      ({ url, token }) =>
        new Promise<string>((resolve) => {
          // biome-ignore lint/suspicious/noExplicitAny: graphql-ws's UMD global, untyped in the page
          const { createClient } = (window as any).graphqlWs;
          const client = createClient({
            url,
            connectionParams: { authorization: `Bearer ${token}` },
            retryAttempts: 0,
          });
          client.subscribe(
            { query: 'subscription { seatAvailabilityChanged { purchased } }' },
            { next: () => resolve('event'), error: () => resolve('refused'), complete: () => resolve('completed') },
          );
        }),
      { url: server.url.replace(/^http/, 'ws'), token: owner.token },
    );
    expect(outcome).toBe('refused');
    await page.close();
  });
});
