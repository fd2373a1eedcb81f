// A read-model file written by a thread of its own (writer-worker.ts) while the main thread reads it: the server's
// licence history, so its commits and WAL checkpoints (fsyncs) leave the event loop for the other core. bench:api:
// the history lane took about a fifth of the main thread's time per assign/revoke. The thread writes one batch at a
// time; what the log consumer gathers meanwhile becomes the next, larger batch.
import { once } from 'node:events';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { Position, RecordedEvent } from '../eventstore/port';
import { startWorker } from '../worker-module';
import type { WriterAnswer, WriterRequest, WriterSetup } from './writer-worker';

/** A batch the writer thread did not commit: none of it is in the file. Carries SQLite's code (SQLITE_FULL, …). */
export class WriterThreadFailed extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'WriterThreadFailed';
  }
}

export class WriterThread {
  private worker: Worker | null = null;
  private pending: { resolve: () => void; reject: (error: Error) => void } | null = null;

  constructor(private readonly setup: WriterSetup) {}

  /** Resolves once the batch and its checkpoints are committed; rejects when they are not. Started at the first. */
  apply(events: readonly RecordedEvent[], through: Position): Promise<void> {
    if (this.pending) return Promise.reject(new Error('the read-model writer thread has a batch in flight'));
    const worker = this.worker ?? this.start();
    return new Promise((resolve, reject) => {
      // Posted first: a batch that cannot be copied to the thread (DataCloneError) rejects here and leaves none pending.
      worker.postMessage({ kind: 'apply', events, through } satisfies WriterRequest);
      this.pending = { resolve, reject };
    });
  }

  /** Closes the file and ends the thread, after the batch in flight (if any) is answered. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = null;
    // Until the file is closed, the thread keeps the process alive.
    worker.ref();
    const exited = once(worker, 'exit');
    worker.postMessage({ kind: 'close' } satisfies WriterRequest);
    await exited;
  }

  private start(): Worker {
    const worker = startWorker(path.join(__dirname, 'writer-worker'), this.setup);
    // The server's listener keeps the process alive, not this thread.
    worker.unref();
    worker.on('message', (answer: WriterAnswer) => {
      const pending = this.take();
      if (answer.ok) pending?.resolve();
      else pending?.reject(new WriterThreadFailed(answer.message, answer.code));
    });
    // A thread that died fails its batch; the next batch starts another, which opens the file again.
    const lost = (error: Error) => {
      if (this.worker === worker) this.worker = null;
      this.take()?.reject(error);
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`the read-model writer thread stopped (exit ${code})`)));
    this.worker = worker;
    return worker;
  }

  private take() {
    const pending = this.pending;
    this.pending = null;
    return pending;
  }
}
