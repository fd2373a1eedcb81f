// `seatledger migrate --to <EventStoreDB>`: copies the embedded log into EventStoreDB, stream by stream in log order,
// with the same event ids, types, data and metadata. Resumable: the target's streams are read first and what is there
// is skipped (EventStoreDB streams are a prefix of ours, as this command writes them in order), so a run while the
// server serves copies most of the log and `--final` (server stopped: the data-dir lock) copies the tail. Ends with a
// verification of both sides per stream (count and a hash of ids, types, data and metadata): exit 1 on a difference.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { loadConfig } from '../config';
import { type DataDirLock, DataDirLocked, lockDataDir } from '../data-dir-lock';
import { eventsFile } from '../eventstore/open';
import type { EventStore, EventToAppend, ExpectedRevision, Position, RecordedEvent } from '../eventstore/port';
import { openNotificationsDb, readCheckpoint } from '../notifications/db';
import { NOTIFIER_NAME } from '../notifications/notifier';
import type { CliCommand } from './main';
import type { CliIo } from './replay';

const USAGE = `usage: seatledger migrate --to <EventStoreDB connection string> [--data-dir <dir>] [--final]

Copies every stream of the embedded log (events.db of the data dir) to EventStoreDB: same event ids, types, data,
metadata and per-stream order, in log order; \`credentials-\` streams carry their latest event with \`$maxCount\` 1.
Run it while the server serves (it continues where an earlier run stopped), then stop the server and run it with
--final: it copies the tail and creates the reactors' consumer groups at the migrated head. Ends with a verification
of every stream on both sides (count and hash); exit 1, listing the streams, on any difference.
  --to        the EventStoreDB connection string (e.g. esdb://host:2113?tls=false)
  --data-dir  the data dir (default: $SEATLEDGER_DATA_DIR or ./data)
  --final     the last run: refused while a server holds the data dir`;

/**
 * Streams the application keeps to their latest event (src/application/credentials.ts and invitations.ts: the
 * password hashes and invitation token hashes, KEEP_LATEST_ONLY). The log holds only that event; so does the target.
 */
const KEPT_TO_LATEST_PREFIX = 'credentials-';
const KEPT_TO_LATEST = { maxCount: 1 } as const;

/**
 * The consumer group of the one reactor with an effect outside the log (mail; src/notifications/notifier.ts). Created
 * by --final at the end of the migrated log, so that `serve` on EventStoreDB does not mail the history again; the
 * settings are those the reactor would create it with (src/notifications/reactor.ts, notifier.ts). The other reactors'
 * effects are in the log, idempotent: their groups are created by their first join, from the start.
 */
const NOTIFIER_GROUP = {
  name: 'seatledger-notifier',
  filter: { streamPrefixes: ['subscription-', 'invitation-', 'alert-'] },
  maxRetryCount: 5,
} as const;

/**
 * Tests only: the run stops after copying this many events, without verification or cleanup, as a kill would leave
 * it (exit 3). Not for operators: a killed run is resumed the same way.
 */
const STOP_AFTER_ENV = 'SEATLEDGER_MIGRATE_STOP_AFTER';

const PROGRESS_LINE_MS = 2000;
const READ_MODELS_FILE = 'readmodels.db';

/** A refusal: one line on stderr, exit 1. */
class Refusal extends Error {
  override readonly name = 'Refusal';
}

class StoppedForTest extends Error {
  override readonly name = 'StoppedForTest';
}

/** What the target holds of one stream when first met: the ids (to skip) and its revision (to append after). */
interface TargetStream {
  readonly ids: Set<string>;
  revision: ExpectedRevision;
}

export async function runMigrate(args: readonly string[], io: CliIo): Promise<number> {
  let values: { to?: string; 'data-dir'?: string; final?: boolean; help?: boolean };
  let dataDir: string;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        to: { type: 'string' },
        'data-dir': { type: 'string' },
        final: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
    if (!values.help && (values.to === undefined || values.to.trim() === '')) throw new Error('--to is required');
    if (values['data-dir'] !== undefined && values['data-dir'].trim() === '') throw new Error('--data-dir needs a dir');
    dataDir = values['data-dir'] ? path.resolve(io.cwd, values['data-dir']) : loadConfig(io.env, io.cwd).dataDir;
  } catch (error) {
    io.stderr.write(`seatledger migrate: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const stopAfter = io.env[STOP_AFTER_ENV] ? Number(io.env[STOP_AFTER_ENV]) : Number.POSITIVE_INFINITY;

  let lock: DataDirLock | null = null;
  let source: EventStore | null = null;
  let target: EventStore | null = null;
  try {
    if (values.final) {
      try {
        lock = await lockDataDir(dataDir);
      } catch (error) {
        if (error instanceof DataDirLocked) throw new Refusal(`${error.message}; stop the server before --final`);
        throw error;
      }
    }
    // The adapters themselves, not openEventStore: events are copied as stored, never upcast.
    const { openSqliteEventStore } = await import('../eventstore/sqlite');
    try {
      source = openSqliteEventStore({ file: eventsFile(dataDir), readonly: true });
    } catch (error) {
      throw new Refusal(`no event log at ${eventsFile(dataDir)} (see --data-dir): ${(error as Error).message}`);
    }
    const { openEventStoreDbEventStore } = await import('../eventstore/eventstoredb');
    target = openEventStoreDbEventStore({ connectionString: values.to as string, deadlineMs: 30_000 });

    const started = performance.now();
    const copied = await copyLog(source, target, io, stopAfter);
    const elapsed = (performance.now() - started) / 1000;
    io.stdout.write(
      `copied ${copied.appended.toLocaleString('en')} events (${copied.skipped.toLocaleString('en')} already on the ` +
        `target) in ${elapsed.toFixed(1)} s, ${Math.round(copied.appended / Math.max(elapsed, 0.001))} events/s\n`,
    );

    // While the server serves, a stream may change after it was copied (a new password hash replaces the old event):
    // such a stream is left to the next run. With --final nothing writes, and every difference is a failure.
    const { differing, movedOn } = await verify(source, target, copied.streams, values.final ? null : copied.through);
    if (movedOn > 0) io.stdout.write(`${movedOn} streams changed after they were copied: the next run copies them\n`);
    if (differing.length > 0) {
      io.stderr.write(
        `seatledger migrate: verification failed: ${differing.length} of ${copied.streams.size} streams differ ` +
          `between the log and the target:\n${differing.map((line) => `  ${line}\n`).join('')}`,
      );
      return 1;
    }
    io.stdout.write(
      `verified: ${copied.streams.size - movedOn} streams, the same on both sides up to the copied position\n`,
    );

    if (values.final) {
      // Its checkpoints are positions of the embedded log, which mean nothing on EventStoreDB: the first serve there
      // rebuilds it. The lock is held, so no server has it open.
      const { removeDatabase } = await import('./backup-files');
      removeDatabase(path.join(dataDir, READ_MODELS_FILE));
      const behind = await notifierBehind(dataDir, source);
      if (behind !== null) io.stderr.write(`seatledger migrate: warning: ${behind}\n`);
      const created = await createNotifierGroup(target);
      io.stdout.write(
        created
          ? `created the consumer group ${NOTIFIER_GROUP.name} at the migrated head: serve on EventStoreDB sends no mail for migrated events\n`
          : `the consumer group ${NOTIFIER_GROUP.name} exists already on the target; left as it is\n`,
      );
      io.stdout.write(
        'migration complete: serve with EVENTSTORE_CONNECTION_STRING (positions and cursors are the target’s own)\n',
      );
    } else {
      io.stdout.write('stop the server and run again with --final to copy the tail\n');
    }
    return 0;
  } catch (error) {
    if (error instanceof StoppedForTest) return 3;
    if (error instanceof Refusal) {
      io.stderr.write(`seatledger migrate: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await target?.close();
    await source?.close();
    lock?.release();
  }
}

/** Copies the log in order; answers how many events were appended and skipped, and every stream met. */
async function copyLog(source: EventStore, target: EventStore, io: CliIo, stopAfter: number) {
  const streams = new Map<string, TargetStream>();
  const total = await countEvents(source);
  const progress = progressReporter(io, total);
  let appended = 0;
  let skipped = 0;
  let seen = 0;
  let through: Position | null = null;
  // Consecutive events of one stream go in one append: the log's order is kept, with fewer round trips.
  let run: { stream: string; events: EventToAppend[] } | null = null;
  const flush = async () => {
    if (run === null) return;
    const { stream, events } = run;
    run = null;
    const known = streams.get(stream) as TargetStream;
    const result = await target.appendToStream(stream, events, {
      expectedRevision: known.revision,
      ...(stream.startsWith(KEPT_TO_LATEST_PREFIX) ? KEPT_TO_LATEST : {}),
    });
    known.revision = result.nextRevision;
    appended += events.length;
    progress.update(seen);
    if (appended >= stopAfter) throw new StoppedForTest(`stopped after ${appended} events`);
  };
  try {
    for await (const event of source.readAll()) {
      seen++;
      through = event.position;
      let known = streams.get(event.streamName);
      if (known === undefined) {
        await flush();
        known = await readTarget(target, event.streamName);
        streams.set(event.streamName, known);
      }
      if (known.ids.has(event.id)) {
        skipped++;
        continue;
      }
      if (run !== null && (run.stream !== event.streamName || run.events.length >= 100)) await flush();
      run ??= { stream: event.streamName, events: [] };
      run.events.push({ id: event.id, type: event.type, data: event.data, metadata: event.metadata });
    }
    await flush();
  } finally {
    progress.stop(seen);
  }
  return { appended, skipped, through, streams };
}

async function readTarget(target: EventStore, stream: string): Promise<TargetStream> {
  const ids = new Set<string>();
  let revision: ExpectedRevision = 'no_stream';
  for await (const event of target.readStream(stream)) {
    ids.add(event.id);
    revision = event.revision;
  }
  return { ids, revision };
}

async function countEvents(source: EventStore): Promise<number> {
  let count = 0;
  for await (const _ of source.readAll()) count++;
  return count;
}

/**
 * Streams whose count or hash differs between the log and the target, one line each. With `through` (a run while the
 * server serves), a stream the log wrote to after that position is counted as moved on instead.
 */
async function verify(
  source: EventStore,
  target: EventStore,
  streams: ReadonlyMap<string, unknown>,
  through: Position | null,
): Promise<{ differing: string[]; movedOn: number }> {
  const differing: string[] = [];
  let movedOn = 0;
  for (const stream of streams.keys()) {
    const [ours, theirs] = await Promise.all([digest(source.readStream(stream)), digest(target.readStream(stream))]);
    if (ours.count === theirs.count && ours.hash === theirs.hash) continue;
    if (through !== null && ours.last !== null && ours.last > through) {
      movedOn++;
      continue;
    }
    differing.push(
      `${stream}: log ${ours.count} events (${ours.hash.slice(0, 12)}), target ${theirs.count} events ` +
        `(${theirs.hash.slice(0, 12)})`,
    );
  }
  return { differing, movedOn };
}

/** Count and hash of a stream's ids, types, data and metadata in order, and its last position. */
async function digest(events: AsyncIterable<RecordedEvent>) {
  const hash = createHash('sha256');
  let count = 0;
  let last: Position | null = null;
  for await (const event of events) {
    count++;
    last = event.position;
    hash.update(`${event.id}\0${event.type}\0${JSON.stringify(event.data)}\0${JSON.stringify(event.metadata)}\n`);
  }
  return { count, hash: hash.digest('hex'), last };
}

/**
 * How many events the notifier of the embedded server had not handled when it stopped (after its checkpoint). Its group
 * on EventStoreDB starts at the migrated head, so their mails would never go out; null when there are none (or it never
 * ran: no notifications.db). Deliveries it left PENDING are not lost: they are rows of notifications.db, which `serve`
 * on EventStoreDB sends from the same data dir.
 */
async function notifierBehind(dataDir: string, source: EventStore): Promise<string | null> {
  if (!fs.existsSync(path.join(dataDir, 'notifications.db'))) return null;
  const db = openNotificationsDb(dataDir);
  let checkpoint: Position | undefined;
  try {
    checkpoint = readCheckpoint(db, NOTIFIER_NAME);
  } finally {
    db.close();
  }
  let unhandled = 0;
  const after = checkpoint === undefined ? {} : { after: checkpoint };
  for await (const _ of source.readAll({ ...after, filter: NOTIFIER_GROUP.filter })) unhandled++;
  if (unhandled === 0) return null;
  return (
    `the embedded server's notifier had not handled the last ${unhandled} events of its streams when it stopped; ` +
    'on EventStoreDB its group starts at the migrated head, so mails they call for will not go out. To send them: ' +
    '`seatledger serve` on the embedded log again until its notifier has caught up, stop it, and run ' +
    '`migrate --final` again (it copies only what is new)'
  );
}

/** Joins the notifier's group once, creating it at the end of the log if missing; answers whether it was created. */
async function createNotifierGroup(target: EventStore): Promise<boolean> {
  const subscribe = target.subscribeToGroup;
  if (!subscribe) throw new Error('the target has no consumer groups');
  const member = subscribe.call(target, NOTIFIER_GROUP.name, {
    filter: NOTIFIER_GROUP.filter,
    maxRetryCount: NOTIFIER_GROUP.maxRetryCount,
    createFrom: 'end',
  });
  try {
    return (await member.joined).created;
  } finally {
    await member.unsubscribe();
  }
}

/** Events read from the log against its total, with events/s: a bar on a terminal, a line every few seconds else. */
function progressReporter(io: CliIo, total: number) {
  const started = performance.now();
  let nextLine = started + PROGRESS_LINE_MS;
  const rate = (done: number) => Math.round(done / Math.max((performance.now() - started) / 1000, 0.001));
  const bar = io.stderr.isTTY
    ? new SingleBar({
        stream: io.stderr as NodeJS.WritableStream as NodeJS.WriteStream,
        format: 'migrate [{bar}] {percentage}% | {value} of {total} events | {rate} events/s',
      })
    : undefined;
  bar?.start(total, 0, { rate: 0 });
  return {
    update(done: number) {
      if (bar) bar.update(done, { rate: rate(done) });
      else if (performance.now() >= nextLine) {
        nextLine = performance.now() + PROGRESS_LINE_MS;
        io.stderr.write(`migrate: ${done} of ${total} events, ${rate(done)} events/s\n`);
      }
    },
    stop(done: number) {
      bar?.update(done, { rate: rate(done) });
      bar?.stop();
    },
  };
}

export const migrateCommand: CliCommand = {
  summary: 'copy the embedded log to EventStoreDB (resumable; --final with the server stopped)',
  run: (args) =>
    runMigrate(args, { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }),
};
