// `seatledger backup <target>`: a consistent copy of the embedded log while the server runs, at the speed of a file
// copy: the log's files are copied under a read snapshot and the copy folded into one file
// (src/eventstore/sqlite/snapshot-copy.ts says why that is consistent), so writers keep being served (SQLite's
// incremental backup API would restart at every write; VACUUM INTO rewrites every page, five plain copies' time). The
// copy goes to a temp dir beside the target and is renamed into place only once checked: a failure leaves nothing.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { loadConfig } from '../config';
import { eventsFile } from '../eventstore/open';
import { checkLog, type LogCheck, type LogCheckDepth, summarizeLog } from '../eventstore/sqlite/log-check';
import { snapshotCopy } from '../eventstore/sqlite/snapshot-copy';
import { cutNotificationsAt, NOTIFIER_NAME } from '../notifications/db';
import { writePrivateFile } from '../private-files';
import {
  BACKUP_FORMAT,
  type BackupManifest,
  EVENTS_FILE,
  MANIFEST_FILE,
  NOTIFICATIONS_FILE,
  SECRET_FILES,
  syncFile,
} from './backup-files';
import type { CliCommand } from './main';
import type { CliIo } from './replay';

const USAGE = `usage: seatledger backup <target> [--data-dir <dir>] [--with-secrets] [--full-check]

Copies the event log of a data dir, consistently and while the server runs, into the new dir <target>:
  events.db          the log (read models are not copied: the next serve rebuilds them)
  notifications.db   the notifier's progress and mail deliveries, cut at the copy's last position
  manifest.json      format, event count, last position, time of the backup
  --with-secrets     also auth-secret, notifier-secret and secret-key, so that issued tokens and mailed links stay valid
                     after a restore (guard such a backup like the data dir itself)
  --full-check       check the copy with SQLite's integrity_check after it is made (also every index entry against
                     its row; about ten times as long) instead of quick_check (every page, record and index count)
                     over the copied snapshot, which runs beside the copy
  --data-dir         the data dir (default: $SEATLEDGER_DATA_DIR or ./data)
Refused when <target> exists. Restore with: seatledger restore <target> --data-dir <empty dir>`;

const PROGRESS_POLL_MS = 200;

/** What the output calls each depth of the copy's check (src/eventstore/sqlite/log-check.ts says what they read). */
const CHECK_NAMES: Record<LogCheckDepth, string> = {
  quick: 'quick check (quick_check)',
  full: 'integrity check (integrity_check)',
};
const PROGRESS_LINE_MS = 2000;

/** A refusal: one line on stderr, exit 1, nothing written. */
class Refusal extends Error {
  override readonly name = 'Refusal';
}

export async function runBackup(args: readonly string[], io: CliIo): Promise<number> {
  let values: { 'data-dir'?: string; 'with-secrets'?: boolean; 'full-check'?: boolean; help?: boolean };
  let positionals: string[];
  let dataDir: string;
  let onEventStoreDb: boolean;
  try {
    ({ values, positionals } = parseArgs({
      args: [...args],
      options: {
        'data-dir': { type: 'string' },
        'with-secrets': { type: 'boolean' },
        'full-check': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    }));
    if (!values.help && positionals.length !== 1) throw new Error('give exactly one target dir');
    if (values['data-dir'] !== undefined && values['data-dir'].trim() === '') throw new Error('--data-dir needs a dir');
    const config = loadConfig(io.env, io.cwd);
    dataDir = values['data-dir'] ? path.resolve(io.cwd, values['data-dir']) : config.dataDir;
    onEventStoreDb = config.eventStoreConnectionString !== null && values['data-dir'] === undefined;
  } catch (error) {
    io.stderr.write(`seatledger backup: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const target = path.resolve(io.cwd, positionals[0] as string);
  try {
    refuseUnlessPossible(dataDir, target, onEventStoreDb);
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    io.stderr.write(`seatledger backup: ${error.message}\n`);
    return 1;
  }

  const started = performance.now();
  // Hidden, named after the target and this process: never mistaken for a backup, never clashing with another run.
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.partial-${process.pid}`);
  // Ctrl-C while the copy runs: the temp dir goes too (the copy runs in a worker, so this handler gets its turn).
  const interrupted = () => {
    fs.rmSync(temp, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    fs.mkdirSync(temp, { mode: 0o700 });
    fs.chmodSync(temp, 0o700);
    const depth: LogCheckDepth = values['full-check'] ? 'full' : 'quick';
    const { manifest, timings } = await copyInto(temp, dataDir, values['with-secrets'] === true, depth, io);
    // Durable before it is named: a backup that exists under its name is whole.
    const syncStarted = performance.now();
    for (const name of fs.readdirSync(temp)) syncFile(path.join(temp, name));
    timings.sync = performance.now() - syncStarted;
    if (fs.existsSync(target)) throw new Refusal(`${target} appeared while the backup ran; nothing written`);
    fs.renameSync(temp, target);
    syncFile(path.dirname(target));
    const secrets =
      manifest.secrets.length > 0
        ? `secrets: ${manifest.secrets.join(', ')}`
        : values['with-secrets']
          ? 'secrets: none in the data dir (AUTH_SECRET from the environment is not copied)'
          : 'secrets: not included (--with-secrets): a restore makes new ones, so issued tokens and mailed links stop working';
    io.stdout.write(
      `backup of ${dataDir} to ${target}: ${manifest.events.toLocaleString('en')} events up to position ` +
        `${manifest.lastPosition ?? '(empty log)'}\n` +
        `${CHECK_NAMES[depth]}: ok\n` +
        `${secrets}\n` +
        `${megabytes(dirSize(target))} in ${seconds(performance.now() - started)} (${stepsOf(depth, timings)})\n`,
    );
    return 0;
  } catch (error) {
    fs.rmSync(temp, { recursive: true, force: true });
    if (error instanceof Refusal) {
      io.stderr.write(`seatledger backup: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    process.removeListener('SIGINT', interrupted);
    process.removeListener('SIGTERM', interrupted);
  }
}

function refuseUnlessPossible(dataDir: string, target: string, onEventStoreDb: boolean): void {
  if (fs.existsSync(target)) throw new Refusal(`${target} already exists; a backup never replaces anything`);
  if (!fs.existsSync(path.dirname(target))) throw new Refusal(`${path.dirname(target)} does not exist`);
  if (!fs.existsSync(eventsFile(dataDir))) {
    throw new Refusal(
      onEventStoreDb
        ? 'the log is in EventStoreDB (EVENTSTORE_CONNECTION_STRING): back it up with EventStoreDB’s own backups'
        : `no event log at ${eventsFile(dataDir)} (see --data-dir)`,
    );
  }
}

/** Fills `dir` with the backup's files and answers its manifest; throws on anything short of a checked copy. */
async function copyInto(
  dir: string,
  dataDir: string,
  withSecrets: boolean,
  depth: LogCheckDepth,
  io: CliIo,
): Promise<{ manifest: BackupManifest; timings: Timings }> {
  const events = path.join(dir, EVENTS_FILE);
  const progress = progressReporter(io, eventsFile(dataDir), events);
  const copyStarted = performance.now();
  let log: LogCheck | null = null;
  try {
    // The quick check runs over the copied snapshot beside the copy, which is counted meanwhile; the full one reads
    // (and counts) the copy after it.
    if (depth === 'quick') {
      const copy = await snapshotCopy(eventsFile(dataDir), events, { check: true, inspect: summarizeLog });
      log = { integrity: copy.integrity ?? '', ...copy.inspected };
    } else {
      await snapshotCopy(eventsFile(dataDir), events, { check: false });
    }
  } catch (error) {
    throw new Refusal(`copying ${eventsFile(dataDir)} failed: ${(error as Error).message}; nothing written`);
  } finally {
    progress.stop();
  }
  const checkStarted = performance.now();
  const timings: Timings = { copy: checkStarted - copyStarted, check: 0, sync: 0 };
  log ??= checkLog(events, 'full');
  timings.check = performance.now() - checkStarted;
  if (log.integrity !== 'ok') throw new Refusal(`the copy failed its ${CHECK_NAMES[depth]}: ${log.integrity}`);

  // After the log: the reactors' progress is then at or past the copy's head, and is cut back to it below.
  const notificationsSource = path.join(dataDir, NOTIFICATIONS_FILE);
  const notifications = fs.existsSync(notificationsSource);
  if (notifications) {
    const notificationsCopy = path.join(dir, NOTIFICATIONS_FILE);
    await snapshotCopy(notificationsSource, notificationsCopy, { check: false });
    cutNotificationsAt(notificationsCopy, log.lastPosition, NOTIFIER_NAME);
  }

  const secrets: string[] = [];
  if (withSecrets) {
    for (const name of SECRET_FILES) {
      const source = path.join(dataDir, name);
      if (!fs.existsSync(source)) continue;
      writePrivateFile(path.join(dir, name), fs.readFileSync(source, 'utf8'), { flag: 'wx' });
      secrets.push(name);
    }
  }

  const manifest: BackupManifest = {
    format: BACKUP_FORMAT,
    events: log.events,
    lastPosition: log.lastPosition,
    createdAt: new Date().toISOString(),
    secrets,
    notifications,
  };
  writePrivateFile(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
  return { manifest, timings };
}

/** The copy's size against the log's (with its WAL): a bar on a terminal, a line every few seconds otherwise. */
function progressReporter(io: CliIo, source: string, target: string) {
  const total = sizeOf(source) + sizeOf(`${source}-wal`);
  const started = performance.now();
  let nextLine = started + PROGRESS_LINE_MS;
  let bar: SingleBar | undefined;
  const timer = setInterval(() => {
    // Done shows once the copy is folded into one file and the bar stopped, not when the bytes are across.
    const copied = Math.min(sizeOf(target) + sizeOf(`${target}-wal`), Math.floor(total * 0.99));
    const elapsed = ((performance.now() - started) / 1000).toFixed(0);
    if (io.stderr.isTTY) {
      if (bar === undefined) {
        bar = new SingleBar({
          stream: io.stderr as NodeJS.WritableStream as NodeJS.WriteStream,
          format: 'backup [{bar}] {percentage}% | {copied} of {total} | {elapsed} s',
        });
        bar.start(total, 0, { copied: megabytes(0), total: megabytes(total), elapsed });
      }
      bar.update(copied, { copied: megabytes(copied), total: megabytes(total), elapsed });
    } else if (performance.now() >= nextLine) {
      nextLine = performance.now() + PROGRESS_LINE_MS;
      io.stderr.write(`backup: ${megabytes(copied)} of about ${megabytes(total)} copied, ${elapsed} s\n`);
    }
  }, PROGRESS_POLL_MS);
  return {
    stop() {
      clearInterval(timer);
      if (bar !== undefined) {
        bar.update(total, { copied: megabytes(total), total: megabytes(total) });
        bar.stop();
      }
    },
  };
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

function dirSize(dir: string): number {
  return fs.readdirSync(dir).reduce((sum, name) => sum + sizeOf(path.join(dir, name)), 0);
}

/** Where the time of a backup goes, in ms: the operator sees which part a big log makes slow. */
interface Timings {
  copy: number;
  check: number;
  sync: number;
}

/** Where the time went, by step: the quick check runs beside the copy, the full one after it. */
function stepsOf(depth: LogCheckDepth, timings: Timings): string {
  const sync = `sync to disk ${seconds(timings.sync)}`;
  switch (depth) {
    case 'quick':
      return `copy with its quick check ${seconds(timings.copy)}, ${sync}`;
    case 'full':
      return `copy ${seconds(timings.copy)}, integrity check ${seconds(timings.check)}, ${sync}`;
    default: {
      const unknown: never = depth;
      throw new Error(`unknown check depth ${String(unknown)}`);
    }
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export const backupCommand: CliCommand = {
  summary: 'a consistent copy of the event log while the server runs (--with-secrets: with the secret files)',
  run: (args) =>
    runBackup(args, { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }),
};
