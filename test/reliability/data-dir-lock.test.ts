// The data dir's lock tells a holder from a contender: a process that only has the lock file open for a moment
// (another `serve` starting at the same time, in the middle of asking for the lock itself) does not make the lock
// look held, while a holder is refused for as long as it holds. The processes racing for real are in
// one-server-per-data-dir.test.ts; here a second connection plays the other process, step by step.
import path from 'node:path';
import Database from 'better-sqlite3';
import { DataDirLocked, lockDataDir } from '../../src/data-dir-lock';
import { makeTempDir } from '../support/temp-dir';

describe('the data dir lock', () => {
  let temp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    temp = makeTempDir();
  });
  afterEach(() => temp.cleanup());

  /** What a contender holds half-way through taking the lock: SQLite's SHARED lock on the file, for `ms`. */
  function contendFor(ms: number): Promise<void> {
    const other = new Database(path.join(temp.dir, 'serve.lock'), { timeout: 0 });
    other.exec('BEGIN');
    other.prepare('SELECT count(*) FROM sqlite_master').get();
    return new Promise((resolve) =>
      setTimeout(() => {
        other.close();
        resolve();
      }, ms),
    );
  }

  it('takes the lock when another process holds the file only for a moment', async () => {
    const first = await lockDataDir(temp.dir);
    first.release();
    const contended = contendFor(40);
    const lock = await lockDataDir(temp.dir);
    await contended;
    lock.release();
  });

  it('refuses while the lock is held, and takes it once it is released', async () => {
    const holder = await lockDataDir(temp.dir);
    const started = Date.now();
    await expect(lockDataDir(temp.dir, { holderWaitMs: 0 })).rejects.toBeInstanceOf(DataDirLocked);
    expect(Date.now() - started).toBeLessThan(2_000);
    holder.release();
    (await lockDataDir(temp.dir)).release();
  });

  it('refuses when the file stays busy past the moment a race takes', async () => {
    (await lockDataDir(temp.dir)).release();
    const contended = contendFor(1_000);
    await expect(lockDataDir(temp.dir, { holderWaitMs: 0 })).rejects.toBeInstanceOf(DataDirLocked);
    await contended;
  });
});
