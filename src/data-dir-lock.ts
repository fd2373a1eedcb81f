// One serving process per data dir: `serve`, and `replay` while it replaces the read models, hold an exclusive lock
// on `<data dir>/serve.lock` for as long as they run, taken before they open anything else in the dir. The lock is
// SQLite's, that is a POSIX fcntl lock the kernel holds for the process: it goes when the holder dies, SIGKILL
// included, so there is never a stale lock to clean up and a restart takes it at once. The file stays between runs;
// its presence means nothing. The holder's pid is written beside it in `serve.pid`, for the refusal's one line.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { makePrivateDir, preparePrivateDatabase, writePrivateFile } from './private-files';

const LOCK_FILE = 'serve.lock';
const HOLDER_FILE = 'serve.pid';

/** Another live process holds the data dir. */
export class DataDirLocked extends Error {
  constructor(
    readonly dataDir: string,
    /** Null when the holder has not written its pid yet, or it was unreadable. */
    readonly holderPid: number | null,
  ) {
    super(`data dir ${dataDir} is in use by seatledger process ${holderPid ?? '(pid unknown)'}`);
    this.name = 'DataDirLocked';
  }
}

export interface DataDirLock {
  readonly dataDir: string;
  /** Lets the next process in; idempotent. */
  release(): void;
}

interface LockOptions {
  /**
   * How long a refused process waits for the holder's pid to appear: two processes started together can find the
   * lock taken before its winner has written `serve.pid` (or find the pid of a holder that died before it).
   */
  readonly holderWaitMs?: number;
}

/**
 * How long a busy lock is taken for a race rather than a holder. SQLite escalates SHARED to EXCLUSIVE without
 * waiting (timeout 0), so two processes started together can each hold SHARED while asking for EXCLUSIVE and both be
 * refused, with nobody holding the lock. A holder keeps it for good, so retrying a little tells the two apart.
 */
const CONTENTION_MS = 300;

/** Takes the data dir's lock, or throws DataDirLocked when a live holder keeps it. Writes nothing if refused. */
export async function lockDataDir(dataDir: string, options: LockOptions = {}): Promise<DataDirLock> {
  makePrivateDir(dataDir);
  preparePrivateDatabase(path.join(dataDir, LOCK_FILE));
  const deadline = Date.now() + CONTENTION_MS;
  let db = tryLock(dataDir);
  while (db === null && Date.now() < deadline) {
    // Random, so that two contenders that collided do not collide again in step.
    await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 25));
    db = tryLock(dataDir);
  }
  if (db === null) throw new DataDirLocked(dataDir, await holderOf(dataDir, options.holderWaitMs ?? 1000));
  return holdWithPid(dataDir, db);
}

/** The connection holding the exclusive lock, or null when the file is busy. */
function tryLock(dataDir: string): Database.Database | null {
  // timeout 0: the retrying is lockDataDir's, with jitter (better-sqlite3 would wait 5 s by default).
  const db = new Database(path.join(dataDir, LOCK_FILE), { timeout: 0 });
  try {
    // A transaction left open holds the exclusive lock until the connection closes. It writes no page; with the
    // journal in memory no `-journal` file is left behind by a holder that died, and there is nothing to recover.
    db.pragma('journal_mode = MEMORY');
    db.exec('BEGIN EXCLUSIVE');
    return db;
  } catch (error) {
    db.close();
    // By its code: the class better-sqlite3 throws is the first one loaded in the process (not always ours in jest).
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY') return null;
    throw error;
  }
}

/** Keeps the lock's connection open and names this process its holder in `serve.pid`. */
function holdWithPid(dataDir: string, db: Database.Database): DataDirLock {
  const holderFile = path.join(dataDir, HOLDER_FILE);
  const written = `${holderFile}.${process.pid}`;
  try {
    // Written whole then renamed: a refused process never reads half a pid.
    writePrivateFile(written, `${process.pid}\n`);
    fs.renameSync(written, holderFile);
  } catch (error) {
    db.close();
    throw error;
  }
  let held = true;
  return {
    dataDir,
    release() {
      if (!held) return;
      held = false;
      // Still under the lock: no other holder can have written its pid yet.
      fs.rmSync(holderFile, { force: true });
      db.close();
    },
  };
}

/** The pid in `serve.pid` once it names a live process other than this one, or null after `waitMs`. */
async function holderOf(dataDir: string, waitMs: number): Promise<number | null> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const pid = readHolder(dataDir);
    if (pid !== null && pid !== process.pid && isAlive(pid)) return pid;
    if (Date.now() >= deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function readHolder(dataDir: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(path.join(dataDir, HOLDER_FILE), 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists, it is only someone else's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
