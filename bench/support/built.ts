// The benches that run the server measure what `npm run build` made (dist/), as `seatledger serve` runs it: when a
// source under src/ or projections/ is newer than the built composition root, they say so and build first.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const BUILT = path.join(ROOT, 'dist', 'src', 'composition-root.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    // The console is Vite's bundle, not the server's build.
    if (entry.isDirectory())
      newest = full.endsWith(path.join('src', 'console')) ? newest : Math.max(newest, newestSource(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

export function ensureServerBuilt(): void {
  const sources = Math.max(newestSource(path.join(ROOT, 'src')), newestSource(path.join(ROOT, 'projections')));
  const why = !fs.existsSync(BUILT) ? 'dist/ is missing' : sources > fs.statSync(BUILT).mtimeMs ? 'dist/ is stale' : '';
  if (!why) return;
  console.log(`${why}: building the server (tsc -p tsconfig.build.json, the server half of npm run build)…`);
  try {
    execFileSync(path.join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
  } catch {
    // tsc still emits when a file has type errors; the bench can run as long as the server is there.
    if (!fs.existsSync(BUILT)) throw new Error('the build did not produce dist/src/composition-root.js');
  }
}
