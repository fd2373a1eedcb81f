// `seatledger restore <backup> --data-dir <empty dir>`: puts a backup's log (and its secrets and the reactors'
// progress, when in it) into an empty data dir, holding the dir's lock meanwhile; the next `serve` rebuilds the read
// models. No mail goes out again for an event handled before the backup: the notifier starts from its progress in the
// backup's notifications.db (cut at its head), or, where the backup has none, from the backup's head. The other
// reactors fold the log from the start (their effects are in it, idempotent; see cutNotificationsAt in src/notifications/db.ts).
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import type { DataDirLock } from '../data-dir-lock';
import { checkLog } from '../eventstore/sqlite/log-check';
import { NOTIFIER_NAME, openNotificationsDb, writeCheckpoint } from '../notifications/db';
import { PRIVATE_FILE_MODE } from '../private-files';
import { EVENTS_FILE, NOTIFICATIONS_FILE, readManifest, removeDatabase, syncFile } from './backup-files';
import { lockEmptyDir, NotAnEmptyDir } from './empty-data-dir';
import type { CliCommand } from './main';
import type { CliIo } from './replay';

const USAGE = `usage: seatledger restore <backup> [--data-dir <empty dir>]

Restores a backup made by \`seatledger backup\` into an empty (or new) data dir; refused for a dir with anything in
it, and for the dir of a running server. The next \`seatledger serve\` on the dir rebuilds the read models from the
log and answers as the server did at the backup; mails for events before the backup are not sent again.
  --data-dir  the data dir to fill (default: $SEATLEDGER_DATA_DIR or ./data)`;

/** A refusal: one line on stderr, exit 1. */
class Refusal extends Error {
  override readonly name = 'Refusal';
}

export async function runRestore(args: readonly string[], io: CliIo): Promise<number> {
  let values: { 'data-dir'?: string; help?: boolean };
  let positionals: string[];
  let dataDir: string;
  try {
    ({ values, positionals } = parseArgs({
      args: [...args],
      options: { 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    }));
    if (!values.help && positionals.length !== 1) throw new Error('give exactly one backup dir');
    if (values['data-dir'] !== undefined && values['data-dir'].trim() === '') throw new Error('--data-dir needs a dir');
    dataDir = values['data-dir'] ? path.resolve(io.cwd, values['data-dir']) : loadConfig(io.env, io.cwd).dataDir;
  } catch (error) {
    io.stderr.write(`seatledger restore: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const backup = path.resolve(io.cwd, positionals[0] as string);
  let lock: (DataDirLock & { created: boolean }) | null = null;
  const written: string[] = [];
  try {
    const manifest = readBackup(backup);
    try {
      lock = await lockEmptyDir(dataDir, 'a restore');
    } catch (error) {
      if (error instanceof NotAnEmptyDir) throw new Refusal(error.message);
      throw error;
    }

    // The log last: until it is there, the dir holds no log a server could start on by mistake.
    const names = [...(manifest.notifications ? [NOTIFICATIONS_FILE] : []), ...manifest.secrets, EVENTS_FILE];
    for (const name of names) {
      const temp = path.join(dataDir, `.${name}.restore-${process.pid}`);
      written.push(temp);
      fs.copyFileSync(path.join(backup, name), temp, fs.constants.COPYFILE_EXCL);
      fs.chmodSync(temp, PRIVATE_FILE_MODE);
      syncFile(temp);
      written.push(path.join(dataDir, name));
      fs.renameSync(temp, path.join(dataDir, name));
    }
    if (!manifest.notifications && manifest.lastPosition !== null) {
      // A backup of a server that never ran its reactors: whatever it mailed, the notifier starts after it.
      written.push(path.join(dataDir, NOTIFICATIONS_FILE));
      const db = openNotificationsDb(dataDir);
      try {
        writeCheckpoint(db, NOTIFIER_NAME, manifest.lastPosition);
      } finally {
        db.close();
      }
    }
    const log = checkLog(path.join(dataDir, EVENTS_FILE));
    if (log.integrity !== 'ok') throw new Refusal(`the restored log failed its check: ${log.integrity}`);
    if (log.events !== manifest.events || log.lastPosition !== manifest.lastPosition) {
      throw new Refusal(
        `the restored log has ${log.events} events up to ${log.lastPosition}, its manifest says ` +
          `${manifest.events} up to ${manifest.lastPosition}`,
      );
    }
    syncFile(dataDir);
    io.stdout.write(
      `restored ${log.events.toLocaleString('en')} events up to position ${log.lastPosition ?? '(empty log)'} ` +
        `into ${dataDir} (backup of ${manifest.createdAt})\n` +
        (manifest.secrets.length > 0
          ? `secrets: ${manifest.secrets.join(', ')}\n`
          : 'secrets: none in the backup: the server makes new ones, so tokens and mailed links issued before stop working\n') +
        'the next `seatledger serve` on this dir rebuilds the read models\n',
    );
    return 0;
  } catch (error) {
    for (const file of written) removeDatabase(file);
    if (lock !== null) {
      // As it was: a dir made here goes, an empty one given is left empty (the lock's files go too).
      lock.release();
      if (lock.created) fs.rmSync(dataDir, { recursive: true, force: true });
      else for (const name of ['serve.lock', 'serve.pid']) fs.rmSync(path.join(dataDir, name), { force: true });
      lock = null;
    }
    if (error instanceof Refusal) {
      io.stderr.write(`seatledger restore: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    lock?.release();
  }
}

function readBackup(backup: string) {
  if (!fs.existsSync(backup)) throw new Refusal(`no backup at ${backup}`);
  let manifest: ReturnType<typeof readManifest>;
  try {
    manifest = readManifest(backup);
  } catch (error) {
    throw new Refusal((error as Error).message);
  }
  for (const name of [EVENTS_FILE, ...manifest.secrets, ...(manifest.notifications ? [NOTIFICATIONS_FILE] : [])]) {
    if (!fs.existsSync(path.join(backup, name))) throw new Refusal(`${backup} lacks ${name}, which its manifest names`);
  }
  return manifest;
}

export const restoreCommand: CliCommand = {
  summary: 'put a backup into an empty data dir (the next serve rebuilds the read models)',
  run: (args) =>
    runRestore(args, { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }),
};
