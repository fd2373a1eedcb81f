// SEATLEDGER_SECRET_KEY: the key stored secrets are sealed with (src/application/secret-box.ts). Unset, it is
// generated into `<data dir>/secret-key` (32 random bytes, mode 0600) on first start, like the auth secret; several
// instances must share one (set the variable, or copy the file), or they cannot read each other's webhook secrets.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { makePrivateDir, writePrivateFile } from '../private-files';

/** `configured`: the decoded SEATLEDGER_SECRET_KEY (src/config.ts checks its form). */
export function loadOrCreateSecretKey(dataDir: string, configured?: Uint8Array | null): Uint8Array {
  if (configured) return configured;
  const file = path.join(dataDir, 'secret-key');
  try {
    return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64url');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  makePrivateDir(dataDir);
  const key = randomBytes(32);
  try {
    writePrivateFile(file, key.toString('base64url'), { flag: 'wx' });
    return key;
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateSecretKey(dataDir);
    throw error;
  }
}
