// The worker thread of a snapshot copy (snapshot-copy.ts): it opens the read transaction that pins the snapshot the
// copy is made of, and, while the main thread's libuv pool copies the files, runs SQLite's quick_check over that very
// snapshot on the other core. A check of the copy afterwards would read every page again after the copy: twice a
// plain copy's time, where this way the check costs about what the copy does and runs beside it.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { COPY_MMAP_BYTES } from './copy-map';

/** What the main thread asks for. */
export interface SnapshotReaderRequest {
  readonly source: string;
  /** Run quick_check over the snapshot. */
  readonly check: boolean;
}

/** The messages the worker posts, in this order (the last after the main thread posts 'release'). */
export type SnapshotReaderMessage =
  | { readonly kind: 'pinned'; readonly pageCount: number }
  | { readonly kind: 'checked'; readonly integrity: string | null }
  | { readonly kind: 'released' }
  | { readonly kind: 'failed'; readonly message: string };

/** quick_check's first problems are enough to refuse a copy. */
const PROBLEMS_SHOWN = 10;

function run(port: NonNullable<typeof parentPort>, request: SnapshotReaderRequest): void {
  const post = (message: SnapshotReaderMessage) => port.postMessage(message);
  let reader: Database.Database | undefined;
  try {
    reader = new Database(request.source, { readonly: true, fileMustExist: true });
    reader.pragma('busy_timeout = 5000');
    reader.pragma(`mmap_size = ${COPY_MMAP_BYTES}`);
    // BEGIN alone takes no snapshot: the first read does, and it lasts until COMMIT.
    reader.prepare('BEGIN').run();
    const pageCount = reader.pragma('page_count', { simple: true }) as number;
    post({ kind: 'pinned', pageCount });
    let integrity: string | null = null;
    if (request.check) {
      const problems = reader.pragma(`quick_check(${PROBLEMS_SHOWN})`, { simple: false }) as Record<string, string>[];
      integrity = problems.map((row) => Object.values(row)[0]).join('; ');
    }
    post({ kind: 'checked', integrity });
    const held = reader;
    port.once('message', () => {
      held.prepare('COMMIT').run();
      held.close();
      post({ kind: 'released' });
    });
  } catch (error) {
    reader?.close();
    post({ kind: 'failed', message: (error as Error).message });
  }
}

if (parentPort !== null) run(parentPort, workerData as SnapshotReaderRequest);
