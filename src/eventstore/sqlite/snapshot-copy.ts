// A consistent copy of a SQLite database in WAL mode beside the process writing it, made as fast as a file copy: the
// way Litestream-style tools copy a live WAL database. `seatledger backup` copies the log (and notifications.db) so.
//
// Why a plain copy of the two files is consistent while a read transaction is open on them (https://sqlite.org/wal.html,
// "Concurrency" and "Checkpointing"; the header of SQLite's src/wal.c):
// - A reader pins its snapshot as an end mark in the WAL. A checkpoint copies WAL frames into the database file only up
//   to the oldest reader's end mark, and the WAL is restarted from its beginning (wal-reset) only when no reader uses
//   it. So while our read transaction is open, the WAL file is only appended to, every frame up to our mark stays in
//   it, and the database file only ever receives pages that are also in those frames.
// - So the copied database file may hold pages older than the snapshot, or torn ones a checkpoint was writing, but
//   each such page has a frame at or before our mark in the copied WAL, which overrides it when the copy is opened.
// - Opening the copy recovers its WAL: frames are replayed while their salts and running checksums hold, up to the
//   last commit frame. Frames a writer appended after our mark were whole commits (a later committed state) or stop
//   the replay at the first torn frame (the last whole commit before it). Either way a committed state at or after
//   the snapshot: never a mix.
// The copy is then checkpointed into one file (wal_checkpoint(TRUNCATE), journal_mode DELETE), so a backup is a single
// ordinary database file. Writers are never blocked: a reader takes no lock a writer waits for, and the server's
// checkpoints are PASSIVE (SQLite's automatic ones), which skip what a reader pins instead of waiting.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { SnapshotReaderMessage, SnapshotReaderRequest } from './snapshot-reader';

const PRIVATE_FILE_MODE = 0o600;

/** The reader's module beside this one, compiled or (under bench/register.js, which workers inherit) TypeScript. */
const READER_MODULE = path.join(__dirname, `snapshot-reader${path.extname(__filename)}`);

export interface SnapshotCopy<T> {
  /** Bytes copied (the database file and its WAL). */
  readonly bytes: number;
  /** SQLite's quick_check over the copied snapshot ('ok' or its first problems); null when not asked for. */
  readonly integrity: string | null;
  /** What `inspect` read from the finished copy. */
  readonly inspected: T;
}

/**
 * Copies the WAL-mode database `source` to the new file `target` (0600) as one committed state at or after the moment
 * this is called, and leaves the copy as one file in rollback-journal mode. With `check`, SQLite's quick_check runs
 * over the copied snapshot meanwhile (in a worker, on the other core), and while it still runs the copy is folded into
 * one file, checked to hold at least the snapshot's pages, read by `inspect` (if given), and its bytes sent to disk.
 */
export async function snapshotCopy(
  source: string,
  target: string,
  options: { check: boolean },
): Promise<SnapshotCopy<undefined>>;
export async function snapshotCopy<T>(
  source: string,
  target: string,
  options: { check: boolean; inspect: (copy: string) => T },
): Promise<SnapshotCopy<T>>;
export async function snapshotCopy<T>(
  source: string,
  target: string,
  options: { check: boolean; inspect?: (copy: string) => T },
): Promise<SnapshotCopy<T | undefined>> {
  const reader = startReader({ source, check: options.check });
  try {
    const { pageCount } = await reader.next('pinned');
    const wal = `${source}-wal`;
    const files: [string, string][] = [[source, target]];
    if (fs.existsSync(wal)) files.push([wal, `${target}-wal`]);
    let bytes = 0;
    for (const [from, to] of files) bytes += await copyFile(from, to);
    const checked = reader.next('checked');
    // The bytes go to disk on libuv's pool while this thread folds and reads the copy and the worker still checks.
    const synced = dataSync(target);
    foldIntoOneFile(target, pageCount);
    const inspected = options.inspect?.(target);
    const [{ integrity }] = await Promise.all([checked, synced]);
    reader.release();
    await reader.next('released');
    return { bytes, integrity, inspected };
  } finally {
    await reader.stop();
  }
}

/** The worker holding the snapshot; its messages awaited one by one, a failure or an early exit thrown. */
function startReader(request: SnapshotReaderRequest) {
  const worker = new Worker(READER_MODULE, { workerData: request });
  const arrived: SnapshotReaderMessage[] = [];
  let failure: Error | null = null;
  let wake: () => void = () => {};
  worker.on('message', (message: SnapshotReaderMessage) => {
    if (message.kind === 'failed') failure = new Error(message.message);
    else arrived.push(message);
    wake();
  });
  worker.on('error', (error) => {
    failure = error;
    wake();
  });
  worker.on('exit', (code) => {
    failure ??= new Error(`the snapshot reader stopped (exit ${code})`);
    wake();
  });
  return {
    async next<K extends SnapshotReaderMessage['kind']>(kind: K): Promise<Extract<SnapshotReaderMessage, { kind: K }>> {
      for (;;) {
        const message = arrived.shift();
        if (message !== undefined) {
          if (message.kind !== kind) throw new Error(`the snapshot reader said ${message.kind}, not ${kind}`);
          return message as Extract<SnapshotReaderMessage, { kind: K }>;
        }
        if (failure !== null) throw failure;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
    release: () => worker.postMessage('release'),
    stop: async () => {
      await worker.terminate();
    },
  };
}

/**
 * The copy's WAL replayed into its database file and removed: the copy becomes one self-contained file, which must
 * hold at least as many pages as the snapshot did. Not synced here (the copy is synced once, as a whole).
 */
function foldIntoOneFile(target: string, pageCount: number): void {
  const copy = new Database(target, { fileMustExist: true });
  try {
    copy.pragma('synchronous = OFF');
    const [result] = copy.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[];
    if (result !== undefined && result.busy !== 0) throw new Error(`checkpointing the copy ${target} was refused`);
    copy.pragma('journal_mode = DELETE');
    const copied = copy.pragma('page_count', { simple: true }) as number;
    if (copied < pageCount) throw new Error(`the copy holds ${copied} pages where the snapshot held ${pageCount}`);
  } finally {
    copy.close();
  }
  fs.rmSync(`${target}-wal`, { force: true });
}

/**
 * Copies `from` into the new file `to` (never replacing one) with fs.copyFile: on Linux copy_file_range, the kernel
 * moving the bytes in large runs, on libuv's pool so the caller's loop draws the progress (the copy's size) meanwhile.
 * The copy is made 0600; it is in the caller's private temp dir until then.
 */
async function copyFile(from: string, to: string): Promise<number> {
  await fs.promises.copyFile(from, to, fs.constants.COPYFILE_EXCL);
  await fs.promises.chmod(to, PRIVATE_FILE_MODE);
  return (await fs.promises.stat(to)).size;
}

async function dataSync(file: string): Promise<void> {
  const handle = await fs.promises.open(file, 'r+');
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
