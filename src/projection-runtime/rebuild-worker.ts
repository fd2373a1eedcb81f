// The worker thread of a rebuild beside the server (rebuild-in-worker.ts): it reads the SQLite log itself and rebuilds
// one read-model file from its checkpoint up to a position, on the other core, while the main thread's log consumer
// keeps the other read models. Like a composition root it picks the projections by name from the catalogue.
import { parentPort, workerData } from 'node:worker_threads';
import { projectionsNamed } from '../../projections';
import { EVENT_UPCASTERS } from '../domain/event-schemas';
import type { Position } from '../eventstore/port';
import { openSqliteEventStore } from '../eventstore/sqlite';
import { withUpcasting } from '../eventstore/upcasting';
import { rebuildReadModels } from './rebuild';

/** What the main thread asks for. */
export interface RebuildRequest {
  readonly eventsFile: string;
  readonly file: string;
  /** The projections of that file, by name. */
  readonly projections: readonly string[];
  readonly upTo: Position;
  /** Set to 1 by the main thread to stop: the worker commits what it has at the next batch and ends. */
  readonly stop: SharedArrayBuffer;
}

/** The worker's last message. */
export type RebuildOutcome =
  | { readonly kind: 'rebuilt'; readonly events: number; readonly position: Position | null }
  | { readonly kind: 'stopped' }
  | { readonly kind: 'failed'; readonly message: string };

class Stopped extends Error {}

async function run(request: RebuildRequest): Promise<RebuildOutcome> {
  const projections = projectionsNamed(request.projections);
  const stop = new Int32Array(request.stop);
  const store = withUpcasting(openSqliteEventStore({ file: request.eventsFile, readonly: true }), EVENT_UPCASTERS);
  try {
    const { events, position } = await rebuildReadModels({
      store,
      file: request.file,
      projections,
      upTo: request.upTo,
      onProgress: () => {
        // Thrown between batches: rebuildReadModels closes the file cleanly, keeping every committed batch.
        if (Atomics.load(stop, 0) === 1) throw new Stopped();
      },
    });
    return { kind: 'rebuilt', events, position };
  } catch (error) {
    if (error instanceof Stopped) return { kind: 'stopped' };
    throw error;
  } finally {
    await store.close();
  }
}

if (parentPort) {
  const port = parentPort;
  run(workerData as RebuildRequest).then(
    (outcome) => port.postMessage(outcome),
    (error: unknown) =>
      port.postMessage({ kind: 'failed', message: error instanceof Error ? error.message : String(error) }),
  );
}
