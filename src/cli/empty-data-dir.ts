// The lock of a data dir that must be empty: what `restore` and `migrate --from` fill. Refused for a running server's
// dir (its lock says so, naming its process) and for any dir with files in it: neither command ever merges logs.
import fs from 'node:fs';
import path from 'node:path';
import { type DataDirLock, DataDirLocked, lockDataDir } from '../data-dir-lock';
import { PRIVATE_DIR_MODE } from '../private-files';

/** A dir that is not empty or is held by a server: one line for the operator, nothing touched. */
export class NotAnEmptyDir extends Error {
  override readonly name = 'NotAnEmptyDir';
}

/**
 * The data dir's lock, taken only for a missing or empty dir; `created` says whether this made the dir (so a failure
 * can remove it again). `filling` names what goes in, for the refusal's wording ("a restore", "a migration back").
 */
export async function lockEmptyDir(dataDir: string, filling: string): Promise<DataDirLock & { created: boolean }> {
  if (fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0) {
    if (fs.existsSync(path.join(dataDir, 'serve.lock'))) {
      try {
        (await lockDataDir(dataDir)).release();
      } catch (error) {
        if (error instanceof DataDirLocked)
          throw new NotAnEmptyDir(`${error.message}; ${filling} goes into an empty dir`);
        throw error;
      }
    }
    throw new NotAnEmptyDir(
      `${dataDir} is not empty; ${filling} goes into an empty or new dir (logs are never merged)`,
    );
  }
  const existed = fs.existsSync(dataDir);
  let lock: DataDirLock;
  try {
    lock = await lockDataDir(dataDir);
  } catch (error) {
    if (error instanceof DataDirLocked) throw new NotAnEmptyDir(`${error.message}; ${filling} goes into an empty dir`);
    throw error;
  }
  // An empty dir made by the operator: private like every data dir (lockDataDir makes a new one 0700 itself).
  if (existed) fs.chmodSync(dataDir, PRIVATE_DIR_MODE);
  return Object.assign(lock, { created: !existed });
}
