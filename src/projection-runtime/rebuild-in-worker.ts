// A read-model file rebuilt from the SQLite log in a worker thread: a second writer, on a file of its own, on the
// other core. bench:replay measured the licence history alone beside the other five read models: 19 s for both
// instead of 30 s for all six on one thread.
import path from 'node:path';
import type { Position } from '../eventstore/port';
import { startWorker } from '../worker-module';
import type { RebuildOutcome, RebuildRequest } from './rebuild-worker';

interface RebuildInWorkerOptions {
  readonly eventsFile: string;
  readonly file: string;
  readonly projections: readonly string[];
  readonly upTo: Position;
  /** Aborting asks the worker to commit what it has and stop; the promise then resolves with 'stopped'. */
  readonly signal?: AbortSignal;
}

/** Resolves once the worker has ended and closed the file; rejects if it failed or could not start. */
export function rebuildInWorker(options: RebuildInWorkerOptions): Promise<RebuildOutcome['kind']> {
  const stop = new SharedArrayBuffer(4);
  const request: RebuildRequest = {
    eventsFile: options.eventsFile,
    file: options.file,
    projections: options.projections,
    upTo: options.upTo,
    stop,
  };
  return new Promise((resolve, reject) => {
    const worker = startWorker(path.join(__dirname, 'rebuild-worker'), request);
    let outcome: RebuildOutcome | undefined;
    const onAbort = () => Atomics.store(new Int32Array(stop), 0, 1);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    worker.on('message', (message: RebuildOutcome) => {
      outcome = message;
    });
    worker.on('error', (error) => {
      outcome ??= { kind: 'failed', message: error.message };
    });
    // Settled on exit, not on the message: by then the worker's connection is closed and the file is the main thread's.
    worker.on('exit', (code) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (outcome === undefined) reject(new Error(`the rebuild worker stopped (exit ${code})`));
      else if (outcome.kind === 'failed') reject(new Error(outcome.message));
      else resolve(outcome.kind);
    });
  });
}
