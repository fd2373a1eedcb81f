// The outbox's file writes on a thread of their own. Each mail is a new file made durable (create, write, fsync,
// rename): done from the server's loop, every step is a hand-off to libuv's pool and a wake-up of the loop when it
// returns, about 200 µs of the loop's time per mail under load (a quarter of an assignment's). Here the loop only
// posts the bytes and takes one answer: about 70 µs. Atomic as before: a reader never sees half a mail.
import { Worker } from 'node:worker_threads';

/** What the writer thread is asked: write `content` to `file` (made 0600), creating `dir` (0700) if missing. */
interface WriteRequest {
  readonly id: number;
  readonly dir: string;
  readonly file: string;
  readonly content: Uint8Array;
}

/** Its answer: done, or the error with its code (ENOSPC, EACCES…) for the notifier's retry and log. */
interface WriteAnswer {
  readonly id: number;
  readonly error?: { readonly message: string; readonly code?: string };
}

export interface OutboxWriter {
  /** Resolves once `content` is durably in `file` under its final name; a failure rejects with the cause's code. */
  write(dir: string, file: string, content: Uint8Array): Promise<void>;
  /** Stops the thread; writes still pending fail. */
  close(): Promise<void>;
}

/**
 * The thread's code. It runs from its source text (`eval`), so the same code runs from dist/ and under ts-jest
 * without a compiled file to find: it may use nothing from this module's scope, only what it requires itself.
 */
function writerThread(): void {
  const { parentPort } = require('node:worker_threads') as typeof import('node:worker_threads');
  const fs = require('node:fs') as typeof import('node:fs');
  const path = require('node:path') as typeof import('node:path');
  const { randomBytes } = require('node:crypto') as typeof import('node:crypto');
  const FILE_MODE = 0o600;
  const DIR_MODE = 0o700;
  // Temporary names: random per thread, then counted ('wx' refuses a name taken all the same).
  const prefix = randomBytes(6).toString('hex');
  let temporaries = 0;

  const writeAtomically = async (file: string, content: Uint8Array) => {
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${prefix}${(temporaries++).toString(36)}.tmp`);
    const handle = await fs.promises.open(tmp, 'wx', FILE_MODE);
    try {
      // The umask may have taken bits the mode asked for.
      await handle.chmod(FILE_MODE);
      await handle.writeFile(content);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    try {
      await fs.promises.rename(tmp, file);
    } catch (error) {
      await fs.promises.rm(tmp, { force: true });
      throw error;
    }
  };

  parentPort?.on('message', async (request: WriteRequest) => {
    try {
      try {
        await writeAtomically(request.file, request.content);
      } catch (error) {
        // The outbox is made by the first mail (or again after someone removed it), not checked for by every mail.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        fs.mkdirSync(request.dir, { recursive: true, mode: DIR_MODE });
        fs.chmodSync(request.dir, DIR_MODE);
        await writeAtomically(request.file, request.content);
      }
      parentPort.postMessage({ id: request.id } satisfies WriteAnswer);
    } catch (error) {
      const { message, code } = error as NodeJS.ErrnoException;
      parentPort.postMessage({ id: request.id, error: { message, code } } satisfies WriteAnswer);
    }
  });
}

/** Starts the thread at the first write; it holds the process open only while writes are pending. */
export function outboxWriter(): OutboxWriter {
  let worker: Worker | null = null;
  let nextId = 0;
  const pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();

  const failAll = (error: Error) => {
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };

  const start = (): Worker => {
    const started = new Worker(`(${writerThread.toString()})()`, { eval: true });
    started.on('message', (answer: WriteAnswer) => {
      const waiting = pending.get(answer.id);
      if (waiting === undefined) return;
      pending.delete(answer.id);
      if (pending.size === 0) started.unref();
      if (answer.error === undefined) waiting.resolve();
      else waiting.reject(Object.assign(new Error(answer.error.message), { code: answer.error.code }));
    });
    // A thread that died takes its pending writes with it; the next write starts a new one.
    const died = (error: Error) => {
      if (worker === started) worker = null;
      failAll(error);
    };
    started.on('error', died);
    started.on('exit', (code) => died(new Error(`the outbox writer stopped (exit ${code})`)));
    return started;
  };

  return {
    write(dir, file, content) {
      worker ??= start();
      const id = nextId++;
      const written = new Promise<void>((resolve, reject) => pending.set(id, { resolve, reject }));
      worker.ref();
      worker.postMessage({ id, dir, file, content } satisfies WriteRequest);
      return written;
    },
    async close() {
      const stopping = worker;
      worker = null;
      if (stopping) await stopping.terminate();
    },
  };
}
