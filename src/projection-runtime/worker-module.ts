// A worker thread running a module of this folder: the compiled .js as `serve` runs it, or the TypeScript source where
// the process runs sources. Benches load sources through bench/register.js, which workers inherit with the process's
// flags; jest compiles in its own process, so there the worker registers ts-node's transpiler itself.
import path from 'node:path';
import { Worker } from 'node:worker_threads';

const EXTENSION = path.extname(__filename);

export function startWorker(name: string, workerData: unknown): Worker {
  const file = path.join(__dirname, `${name}${EXTENSION}`);
  const needsTranspiler = EXTENSION === '.ts' && !process.execArgv.some((flag) => flag.includes('register'));
  return new Worker(file, {
    workerData,
    ...(needsTranspiler ? { execArgv: [...process.execArgv, '-r', 'ts-node/register/transpile-only'] } : {}),
  });
}
