// GraphiQL for people with a browser (api.md, GRAPHQL_EXPLORER): `GET /graphql` asking for HTML gets a page that
// loads graphiql's UMD build with React 18's from our own server under /graphiql/ (no CDN: the installed packages,
// versioned URLs, cached for a year), plus a start-up script of ours served as a file, so the page's CSP allows our
// own origin's scripts and nothing inline. Queries go over HTTP, subscriptions over graphql-ws (bundled in graphiql)
// to the same /graphql; the token goes in GraphiQL's headers editor (`{"Authorization": "Bearer …"}`).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

/** Where the assets are served; the page links them relative to /graphql, so a proxy may mount both under a path. */
export const EXPLORER_ASSET_PREFIX = '/graphiql/';

// Runs in the browser: plain ES2017 against the UMD globals React, ReactDOM and GraphiQL.
const BOOTSTRAP_JS = `// GraphiQL's start-up, a file of its own: the page's Content-Security-Policy allows no inline script.
(function () {
  'use strict';
  var endpoint = window.location.origin + window.location.pathname;
  var fetcher = GraphiQL.createFetcher({ url: endpoint, subscriptionUrl: endpoint.replace(/^http/, 'ws') });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, { fetcher: fetcher, defaultEditorToolsVisibility: true }));
})();
`;

const PAGE_CSS = `html, body, #graphiql { height: 100%; margin: 0; }
`;

interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
  /** A short hash of the body: the `v` of its URL, so a new version is a new URL and a year of caching is safe. */
  readonly version: string;
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** The file of an installed package (its package.json is always resolvable, whatever its `exports` allow). */
function packageFile(name: string, file: string): string {
  return path.join(path.dirname(require.resolve(`${name}/package.json`)), file);
}

// Name under /graphiql/ → where its bytes come from. Order is the order the page loads them in.
const SOURCES: ReadonlyArray<readonly [string, string, () => Buffer | string]> = [
  ['graphiql.min.css', CSS, () => fs.readFileSync(packageFile('graphiql', 'graphiql.min.css'))],
  ['explorer.css', CSS, () => PAGE_CSS],
  ['react.production.min.js', JS, () => fs.readFileSync(packageFile('react', 'umd/react.production.min.js'))],
  [
    'react-dom.production.min.js',
    JS,
    () => fs.readFileSync(packageFile('react-dom', 'umd/react-dom.production.min.js')),
  ],
  ['graphiql.min.js', JS, () => fs.readFileSync(packageFile('graphiql', 'graphiql.min.js'))],
  ['explorer.js', JS, () => BOOTSTRAP_JS],
];

function loadAssets(): ReadonlyMap<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const [name, contentType, read] of SOURCES) {
    const raw = read();
    const body = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
    const version = createHash('sha256').update(body).digest('hex').slice(0, 12);
    assets.set(name, { body, contentType, version });
  }
  return assets;
}

const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  // 'self' covers ws: and wss: to this host too (CSP level 3): GraphiQL's subscriptions.
  "connect-src 'self'",
  "img-src 'self' data:",
  // graphiql.min.css carries its fonts as data: URLs.
  "font-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function renderPage(assets: ReadonlyMap<string, Asset>): string {
  const url = (name: string) => `${EXPLORER_ASSET_PREFIX.slice(1)}${name}?v=${assets.get(name)?.version ?? ''}`;
  const styles = [...assets].filter(([, a]) => a.contentType === CSS);
  const scripts = [...assets].filter(([, a]) => a.contentType === JS);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>GraphiQL · seatledger</title>
${styles.map(([name]) => `<link rel="stylesheet" href="${url(name)}">`).join('\n')}
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<noscript>GraphiQL needs JavaScript.</noscript>
${scripts.map(([name]) => `<script src="${url(name)}" defer></script>`).join('\n')}
</body>
</html>
`;
}

export interface Explorer {
  /** Answers `GET /graphql` for a browser: the GraphiQL page. */
  servePage(req: IncomingMessage, res: ServerResponse): void;
  /** Answers `GET /graphiql/<name>`; false when there is no such asset (the caller answers 404). */
  serveAsset(req: IncomingMessage, res: ServerResponse): boolean;
}

/** Reads the packages' files on first use (about 1.5 MB, kept in memory), not at start. */
export function createExplorer(): Explorer {
  let assets: ReadonlyMap<string, Asset> | undefined;
  let page: Buffer | undefined;
  const loaded = () => {
    assets ??= loadAssets();
    page ??= Buffer.from(renderPage(assets), 'utf8');
    return { assets, page };
  };

  return {
    servePage(req, res) {
      const { page: body } = loaded();
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': body.length,
        'content-security-policy': CONTENT_SECURITY_POLICY,
        // The page names the assets' versions: it must be fetched again to see a new one.
        'cache-control': 'no-cache',
        'referrer-policy': 'no-referrer',
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        vary: 'Accept',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
    serveAsset(req, res) {
      const [pathname = '', query = ''] = (req.url ?? '').split('?');
      const asset = loaded().assets.get(pathname.slice(EXPLORER_ASSET_PREFIX.length));
      if (!asset) return false;
      const current = new URLSearchParams(query).get('v') === asset.version;
      res.writeHead(200, {
        'content-type': asset.contentType,
        'content-length': asset.body.length,
        // A versioned URL never changes its bytes; an unversioned one may, with the next release.
        'cache-control': current ? 'public, max-age=31536000, immutable' : 'no-cache',
        'x-content-type-options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : asset.body);
      return true;
    },
  };
}

/** Whether a request's Accept header prefers HTML to JSON: what a browser's address bar sends, not a client library. */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  let html = 0;
  let json = 0;
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const q = Number(params.find((p) => p.startsWith('q='))?.slice(2) ?? '1');
    const weight = Number.isFinite(q) ? q : 0;
    if (type === 'text/html') html = Math.max(html, weight);
    else if (type === 'application/json' || type === 'application/graphql-response+json') json = Math.max(json, weight);
  }
  return html > 0 && html > json;
}
