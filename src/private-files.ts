// Files at rest: the data dir holds password hashes (the log), the signing secrets and mails with activation links,
// so the dir is 0700 and every file seatledger puts in it 0600, whatever the process's umask. Modes are set
// explicitly after creating (a umask can only take bits away, never add the owner's), and a SQLite database is
// created empty at 0600 before SQLite opens it: SQLite gives its -wal, -shm and -journal files the database file's
// own mode, so they are private from their first byte.
import fs from 'node:fs';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

const SQLITE_SIDE_FILES = ['-wal', '-shm', '-journal'] as const;

interface Warner {
  warn(details: object, message?: string): void;
}

const modeOf = (stats: fs.Stats) => stats.mode & 0o777;
const octal = (mode: number) => `0${mode.toString(8)}`;

/** Creates the dir (and its parents) if missing, the dir itself 0700. An existing dir is left as it is. */
export function makePrivateDir(dir: string): void {
  if (fs.existsSync(dir)) return;
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  fs.chmodSync(dir, PRIVATE_DIR_MODE);
}

/**
 * Makes the data dir private: created 0700; an existing one that others may read is tightened to 0700 when this
 * process's user owns it, else only warned about (a dir someone else set up, say a mounted volume, is theirs to set).
 */
export function securePrivateDir(dir: string, logger: Warner): void {
  makePrivateDir(dir);
  const stats = fs.statSync(dir);
  const open = modeOf(stats) & 0o077;
  if (open === 0) return;
  const ours = typeof process.getuid !== 'function' || stats.uid === process.getuid();
  if (ours) {
    fs.chmodSync(dir, modeOf(stats) & ~0o077);
    logger.warn(
      { dataDir: dir, was: octal(modeOf(stats)), now: octal(modeOf(fs.statSync(dir))) },
      'data dir tightened',
    );
  } else {
    logger.warn(
      { dataDir: dir, mode: octal(modeOf(stats)), owner: stats.uid },
      'data dir is open to other users and not owned by this process: make it 0700',
    );
  }
}

/** Writes a file readable by its owner only. `flag: 'wx'` fails with EEXIST rather than replace one. */
export function writePrivateFile(file: string, content: string, options: { flag?: 'w' | 'wx' } = {}): void {
  const fd = fs.openSync(file, options.flag ?? 'w', PRIVATE_FILE_MODE);
  try {
    fs.fchmodSync(fd, PRIVATE_FILE_MODE);
    fs.writeFileSync(fd, content);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Before SQLite opens `file`: creates it empty at 0600 when missing (SQLite takes an empty file as a new database),
 * and sets 0600 on it and on side files an older version left more open.
 */
export function preparePrivateDatabase(file: string): void {
  const fd = fs.openSync(file, 'a', PRIVATE_FILE_MODE);
  try {
    fs.fchmodSync(fd, PRIVATE_FILE_MODE);
  } finally {
    fs.closeSync(fd);
  }
  for (const suffix of SQLITE_SIDE_FILES) {
    try {
      fs.chmodSync(`${file}${suffix}`, PRIVATE_FILE_MODE);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}
