// The GraphiQL explorer over HTTP (issue 14, item 9): a browser's GET /graphql gets the page, on by default, whose
// scripts and styles come from our own server (the installed packages' bytes, versioned URLs cached for a year) under
// a CSP without inline script; GraphQL clients' GETs are answered as before; GRAPHQL_EXPLORER=off turns it all off.
// The page running in a real browser: explorer-browser.test.ts.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startTestSeatledger, type TestSeatledger } from '../support/seatledger';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
const ROOT = path.resolve(__dirname, '../..');
// Compared by digest: jest's toEqual walks a 1 MB Buffer byte by byte for seconds.
const digest = (bytes: Buffer | undefined) => (bytes ? createHash('sha256').update(bytes).digest('hex') : 'missing');
const installed = (file: string) => digest(fs.readFileSync(path.join(ROOT, 'node_modules', file)));

describe('the GraphiQL explorer, on by default', () => {
  let server: TestSeatledger;
  beforeAll(async () => {
    server = await startTestSeatledger({ reactors: false });
  });
  afterAll(() => server.close());

  it('serves a browser the page, with a CSP that allows only our own scripts and no inline one', async () => {
    const response = await fetch(server.url, { headers: { accept: BROWSER_ACCEPT } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    const html = await response.text();
    expect(html).toContain('<div id="graphiql">');
    // Every script is a file (none inline), and nothing comes from another host.
    const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1] ?? '');
    expect(scripts.length).toBeGreaterThanOrEqual(4);
    for (const attributes of scripts) expect(attributes).toMatch(/ src="graphiql\/[^"]+\?v=[0-9a-f]{12}"/);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('serves the installed packages’ own files with a year of caching, and its start-up script', async () => {
    const html = await (await fetch(server.url, { headers: { accept: BROWSER_ACCEPT } })).text();
    const links = [...html.matchAll(/(?:src|href)="(graphiql\/[^"]+)"/g)].map((m) => m[1] ?? '');
    const base = server.url.replace(/graphql$/, '');
    const bytes = new Map<string, Buffer>();
    for (const link of links) {
      const response = await fetch(base + link);
      expect({ link, status: response.status }).toEqual({ link, status: 200 });
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      bytes.set(link.split('?')[0] ?? '', Buffer.from(await response.arrayBuffer()));
    }
    expect(digest(bytes.get('graphiql/graphiql.min.js'))).toEqual(installed('graphiql/graphiql.min.js'));
    expect(digest(bytes.get('graphiql/graphiql.min.css'))).toEqual(installed('graphiql/graphiql.min.css'));
    expect(digest(bytes.get('graphiql/react.production.min.js'))).toEqual(
      installed('react/umd/react.production.min.js'),
    );
    expect(digest(bytes.get('graphiql/react-dom.production.min.js'))).toEqual(
      installed('react-dom/umd/react-dom.production.min.js'),
    );
    expect(bytes.get('graphiql/explorer.js')?.toString()).toContain('GraphiQL.createFetcher');

    // An unversioned URL may change with a release: not cached for long. An unknown file is a 404.
    const unversioned = await fetch(`${base}graphiql/explorer.js`);
    await unversioned.arrayBuffer();
    expect(unversioned.headers.get('cache-control')).toBe('no-cache');
    expect((await fetch(`${base}graphiql/../package.json`)).status).toBe(404);
    expect((await fetch(`${base}graphiql/nothing.js`)).status).toBe(404);
  });

  it('answers GraphQL clients’ GETs as before', async () => {
    for (const accept of ['application/graphql-response+json, application/json', 'application/json', '*/*']) {
      const response = await fetch(`${server.url}?query=${encodeURIComponent('{ __typename }')}`, {
        headers: { accept },
      });
      expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
    }
  });
});

describe('the GraphiQL explorer with GRAPHQL_EXPLORER=off', () => {
  let server: TestSeatledger;
  beforeAll(async () => {
    server = await startTestSeatledger({ env: { GRAPHQL_EXPLORER: 'off' }, reactors: false });
  });
  afterAll(() => server.close());

  it('answers a browser’s GET as GraphQL over HTTP, and serves no explorer files', async () => {
    const response = await fetch(server.url, { headers: { accept: BROWSER_ACCEPT } });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors.map((e) => e.extensions.code)).toEqual(['BAD_REQUEST']);
    expect((await fetch(server.url.replace(/graphql$/, 'graphiql/graphiql.min.js'))).status).toBe(404);
  });
});
