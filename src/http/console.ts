// The admin console (issue 18) at `/`: the files Vite built into dist/console. index.html is fetched again each time
// (no-cache: it names the current bundle); files under /assets/ carry a content hash in their names, so they never
// change and are cached for a year. The page's CSP allows our own origin's scripts, styles and connections (HTTP and
// graphql-ws to /graphql) and nothing inline.
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

/** Where the hashed bundle files are served. */
export const CONSOLE_ASSET_PREFIX = '/assets/';

/**
 * The console's client-side routes (wouter, src/console/App.tsx): each answers index.html, so a link or a reload
 * lands on its page. Listed one by one rather than a catch-all, so an unknown path still answers 404.
 */
export const CONSOLE_PAGES: readonly string[] = ['/', '/users', '/licenses', '/history', '/notifications'];

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

const ASSET_NAME = /^[A-Za-z0-9._-]+$/;

export const CONSOLE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  // 'self' covers ws: and wss: to this host too (CSP level 3): the live seat counters.
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface Built {
  readonly page: Buffer;
  readonly assets: ReadonlyMap<string, { readonly body: Buffer; readonly contentType: string }>;
}

/**
 * dist/console of the package this file belongs to: found by walking up to its package.json, so it is the same
 * folder whether this runs compiled (dist/src/http) or from source under ts-jest (src/http).
 */
export function defaultConsoleDir(from = __dirname): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(from, '../../dist/console');
    dir = parent;
  }
  return path.join(dir, 'dist', 'console');
}

function load(dir: string): Built | null {
  let page: Buffer;
  try {
    page = fs.readFileSync(path.join(dir, 'index.html'));
  } catch {
    return null;
  }
  const assets = new Map<string, { body: Buffer; contentType: string }>();
  const assetDir = path.join(dir, CONSOLE_ASSET_PREFIX);
  for (const name of fs.existsSync(assetDir) ? fs.readdirSync(assetDir) : []) {
    const contentType = CONTENT_TYPES[path.extname(name)];
    if (contentType && ASSET_NAME.test(name)) {
      assets.set(name, { body: fs.readFileSync(path.join(assetDir, name)), contentType });
    }
  }
  return { page, assets };
}

export interface ConsoleFiles {
  /** Answers `GET /`; false when the console is not built (the caller answers 404). */
  servePage(req: IncomingMessage, res: ServerResponse): boolean;
  /** Answers `GET /assets/<name>`; false when there is no such file. */
  serveAsset(req: IncomingMessage, res: ServerResponse): boolean;
}

/** Reads the built files on first use and keeps them (a few hundred KB): a new build is served after a restart. */
export function createConsoleFiles(dir: string): ConsoleFiles {
  let built: Built | null | undefined;
  const loaded = () => {
    built ??= load(dir);
    return built;
  };
  return {
    servePage(req, res) {
      const files = loaded();
      if (!files) return false;
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': files.page.length,
        'content-security-policy': CONSOLE_CONTENT_SECURITY_POLICY,
        'cache-control': 'no-cache',
        'referrer-policy': 'no-referrer',
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
      });
      res.end(req.method === 'HEAD' ? undefined : files.page);
      return true;
    },
    serveAsset(req, res) {
      const pathname = (req.url ?? '').split('?')[0] ?? '';
      const asset = loaded()?.assets.get(pathname.slice(CONSOLE_ASSET_PREFIX.length));
      if (!asset) return false;
      res.writeHead(200, {
        'content-type': asset.contentType,
        'content-length': asset.body.length,
        // Vite names each file by its content's hash: a new build is a new name.
        'cache-control': 'public, max-age=31536000, immutable',
        'x-content-type-options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : asset.body);
      return true;
    },
  };
}
