// The admin console's build (issue 18): Vite bundles src/console into dist/console, served by the API server at `/`.
// Content-hashed file names under assets/ (cached for a year by the server); no inline script, so the page runs
// under a CSP of `script-src 'self'`.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: '/',
  // A console bundles everything it needs: no CDN, no public/ folder.
  publicDir: false,
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: path.resolve(here, '../../dist/console'),
    emptyOutDir: true,
    assetsDir: 'assets',
    // The polyfill would be injected as an inline script in index.html; every browser we target has modulepreload.
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: false,
  },
});
