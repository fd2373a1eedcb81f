// The worker thread that writes one read-model file for the server (writer-thread.ts): the main thread's log consumer
// posts it each batch, it applies the batch and its checkpoints in one transaction and answers. Commits, and the WAL
// checkpoints with their fsyncs, run here, on the other core. Like a composition root it picks the projections by
// name from the catalogue.
import { parentPort, workerData } from 'node:worker_threads';
import { projectionsNamed } from '../../projections';
import type { Position, RecordedEvent } from '../eventstore/port';
import { ReadModels } from './read-models';

/** What the main thread hands over at start. */
export interface WriterSetup {
  readonly file: string;
  /** The projections of that file, by name. */
  readonly projections: readonly string[];
}

/** One batch to apply, or the request to close the file and end. */
export type WriterRequest =
  | { readonly kind: 'apply'; readonly events: readonly RecordedEvent[]; readonly through: Position }
  | { readonly kind: 'close' };

/** The answer to each apply: the batch committed, or why not (nothing of it was written). */
export type WriterAnswer =
  | { readonly ok: true }
  | { readonly ok: false; readonly message: string; readonly code?: string };

if (parentPort) {
  const port = parentPort;
  const setup = workerData as WriterSetup;
  let models: ReadModels | null = null;
  port.on('message', (request: WriterRequest) => {
    if (request.kind === 'close') {
      models?.close();
      port.close();
      return;
    }
    let answer: WriterAnswer;
    try {
      // Opened at the first batch, and again after a failure to open: the main thread retries the batch with backoff.
      models ??= new ReadModels({ file: setup.file, projections: projectionsNamed(setup.projections) });
      models.apply(request.events, request.through);
      answer = { ok: true };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      answer = {
        ok: false,
        message: error instanceof Error ? error.message : String(error),
        ...(typeof code === 'string' ? { code } : {}),
      };
    }
    port.postMessage(answer);
  });
}
