// A worker thread running a module of this source tree: the compiled .js as `serve` runs it, or the TypeScript source
// where the process runs sources. Benches load sources through bench/register.js, which workers inherit with the
// process's flags; jest compiles in its own process, so there the worker registers ts-node's transpiler itself.
import path from 'node:path';
import { Worker } from 'node:worker_threads';

const EXTENSION = path.extname(__filename);

/** `module`: the worker's file without its extension, e.g. `path.join(__dirname, 'writer-worker')`. */
export function startWorker(module: string, workerData: unknown): Worker {
  const needsTranspiler = EXTENSION === '.ts' && !process.execArgv.some((flag) => flag.includes('register'));
  return new Worker(`${module}${EXTENSION}`, {
    workerData,
    // The environment as this code sees it (Node's default reads the process's own, which a test runner may shadow).
    env: process.env,
    ...(needsTranspiler ? { execArgv: [...process.execArgv, '-r', 'ts-node/register/transpile-only'] } : {}),
  });
}
