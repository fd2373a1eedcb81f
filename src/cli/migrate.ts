// `seatledger migrate --to <EventStoreDB>`: copies the embedded log into EventStoreDB, stream by stream in log order,
// with the same event ids, types, data and metadata. Resumable: the target's streams are read first and what is there
// is skipped (EventStoreDB streams are a prefix of ours, as this command writes them in order), so a run while the
// server serves copies most of the log and `--final` (server stopped: the data-dir lock) copies the tail. Ends with a
// verification of both sides per stream (count and a hash of ids, types, data and metadata): exit 1 on a difference.
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { readModelFiles } from '../../projections';
import { loadConfig } from '../config';
import { type DataDirLock, DataDirLocked, lockDataDir } from '../data-dir-lock';
import { eventsFile } from '../eventstore/open';
import {
  type EventStore,
  EventStoreUnavailable,
  type EventToAppend,
  type ExpectedRevision,
  type Position,
  type RecordedEvent,
} from '../eventstore/port';
import { NOTIFIER_NAME, openNotificationsDb, readCheckpoint } from '../notifications/db';
import type { CliCommand } from './main';
import type { CliIo } from './replay';

const USAGE = `usage: seatledger migrate --to <EventStoreDB connection string> [--data-dir <dir>] [--final]
       seatledger migrate --from <EventStoreDB connection string> --data-dir <empty dir>

Copies every stream of the embedded log (events.db of the data dir) to EventStoreDB: same event ids, types, data,
metadata and per-stream order, in log order; \`credentials-\` streams carry their latest event with \`$maxCount\` 1.
Run it while the server serves (it continues where an earlier run stopped), then stop the server and run it with
--final: it copies the tail and creates the reactors' consumer groups at the migrated head. Ends with a verification
of every stream on both sides (count and hash); exit 1, listing the streams, on any difference.
  --to        the EventStoreDB connection string (e.g. esdb://host:2113?tls=false)
  --data-dir  the data dir (default: $SEATLEDGER_DATA_DIR or ./data)
  --final     the last run: refused while a server holds the data dir
  --from      the other way: EventStoreDB's log into an empty data dir (moving back, or a copy to test on), with the
              same ids, types, data, metadata and per-stream order, verified the same way; refused for a dir with
              anything in it or a running server's dir. Its positions are new; no mail is sent again from it`;

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

/** A refusal: one line on stderr, exit 1. */
class Refusal extends Error {
  override readonly name = 'Refusal';
}

class StoppedForTest extends Error {
  override readonly name = 'StoppedForTest';
}

/** What the target holds of one stream when first met: the ids (to skip) and its revision (to append after). */
interface TargetStream {
  readonly ids: ReadonlySet<string>;
  revision: ExpectedRevision;
  /** Whether this run has appended to it (and so set its retention, for a stream kept to its latest event). */
  retained?: boolean;
}

export async function runMigrate(args: readonly string[], io: CliIo): Promise<number> {
  let values: { to?: string; from?: string; 'data-dir'?: string; final?: boolean; help?: boolean };
  let dataDir: string;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        to: { type: 'string' },
        from: { type: 'string' },
        'data-dir': { type: 'string' },
        final: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
    const given = [values.to, values.from].filter((value) => value !== undefined);
    if (!values.help && (given.length !== 1 || given[0]?.trim() === '')) throw new Error('give --to or --from');
    if (values.from !== undefined && values.final) throw new Error('--final goes with --to');
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
  if (values.from !== undefined) {
    const { migrateBack } = await import('./migrate-back');
    return migrateBack(values.from, dataDir, io);
  }

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
    const { differing, movedOn, misplaced } = await verify(
      source,
      target,
      copied.streams,
      values.final ? null : copied.through,
      { head: copied.targetHead, ids: copied.sent },
    );
    if (misplaced !== null) {
      io.stderr.write(`seatledger migrate: verification failed: not in log order: ${misplaced}\n`);
      return 1;
    }
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
      // Their checkpoints are positions of the embedded log, which mean nothing on EventStoreDB: the first serve there
      // rebuilds them. The lock is held, so no server has them open.
      const { removeDatabase } = await import('./backup-files');
      for (const file of readModelFiles) removeDatabase(path.join(dataDir, file.file));
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

/** Appends in flight at once: enough to keep the target busy between answers, few enough to bound memory. */
const APPENDS_IN_FLIGHT = 64;
/** Tries of one append that went unanswered or was refused for now, a pause growing by RETRY_PAUSE_MS between. */
const APPEND_TRIES = 5;
const RETRY_PAUSE_MS = 500;
/** Events in one append at most (consecutive events of one stream in the log). */
const EVENTS_PER_APPEND = 100;

/** The ids of a stream the target does not hold: one empty set for them all (most streams of a first run). */
const NOT_ON_TARGET: ReadonlySet<string> = new Set();

/** One append: a run of consecutive events of one stream in the log, at the revision the appends before it leave. */
interface Append {
  readonly stream: string;
  readonly events: readonly EventToAppend[];
  readonly expectedRevision: ExpectedRevision;
}

/**
 * Copies the log in order; answers how many events were appended and skipped, every stream met, and the ids sent in
 * log order. What the target holds is read once from its log (not stream by stream). Appends are pipelined: up to
 * APPENDS_IN_FLIGHT are sent before the first answer, in log order over the client's one connection, each expecting
 * the revision the ones before it leave (so a stream's order holds, and any surprise fails the append instead of
 * writing twice); the log is read on while they are on the wire. So the target's log holds the events in the log's
 * order (checked by orderCheck).
 */
export async function copyLog(source: EventStore, target: EventStore, io: CliIo, stopAfter: number) {
  const total = await countEvents(source);
  const { streams, head } = await readTarget(target);
  const progress = progressReporter(io, total);
  const inFlight = new Set<Promise<void>>();
  /** The ids sent, in log order: the target's log must hold them in this order (see orderCheck). */
  const sent: string[] = [];
  /** The streams of the source: those the verification compares (the target may hold others, e.g. its own claims). */
  const sourceStreams = new Set<string>();
  /** Appends unanswered in time or refused for now, in the order sent: tried again once nothing is in flight. */
  const toRetry: Append[] = [];
  let failure: unknown = null;
  let appends = 0;
  let dispatched = 0;
  let appended = 0;
  let skipped = 0;
  let seen = 0;
  let through: Position | null = null;
  let run: { stream: string; events: EventToAppend[] } | null = null;

  const write = (append: Append) =>
    target.appendToStream(append.stream, append.events, {
      expectedRevision: append.expectedRevision,
      ...(append.stream.startsWith(KEPT_TO_LATEST_PREFIX) ? KEPT_TO_LATEST : {}),
    });
  const answered = (append: Append) => {
    appended += append.events.length;
    progress.update(skipped + appended);
  };

  /**
   * An append unanswered within the node's write timeout, or refused for now: written or not, the same ids at the same
   * expected revision write it once. With appends pipelined, later ones were sent before its answer; so it is sent
   * again only when everything in flight is answered, alone, and the copy goes on once it is written: never behind
   * appends sent after it. (Had the node dropped it and written later ones of other streams, orderCheck reports it;
   * later ones of its own stream fail their expected revision and end the run, which a re-run resumes.)
   */
  const retryFailed = async () => {
    await Promise.all(inFlight);
    while (toRetry.length > 0 && failure === null) {
      const append = toRetry.shift() as Append;
      for (let tries = 2; ; tries++) {
        await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS * (tries - 1)));
        try {
          await write(append);
          answered(append);
          break;
        } catch (error) {
          if (error instanceof EventStoreUnavailable && tries < APPEND_TRIES) continue;
          failure ??= error;
          break;
        }
      }
    }
  };

  const send = async () => {
    if (run === null) return;
    const { stream, events } = run;
    run = null;
    const known = streams.get(stream) as TargetStream;
    // Alone, with none in flight before or after it: the first append (the client first learns the server's features
    // and opens its stream; appends sent meanwhile could overtake it) and the first of a stream kept to its latest
    // event in this run (the adapter sets its $maxCount before appending, so later appends could overtake it).
    const alone = appends++ === 0 || (stream.startsWith(KEPT_TO_LATEST_PREFIX) && !known.retained);
    if (alone) await Promise.all(inFlight);
    known.retained = true;
    const append: Append = { stream, events, expectedRevision: known.revision };
    known.revision = (typeof append.expectedRevision === 'number' ? append.expectedRevision : -1) + events.length;
    // A stream kept to its latest event loses the others on an embedded target: its place is not checked.
    if (!stream.startsWith(KEPT_TO_LATEST_PREFIX)) for (const event of events) sent.push(event.id);
    const pending = write(append)
      .then(
        () => answered(append),
        (error: unknown) => {
          if (error instanceof EventStoreUnavailable && failure === null) toRetry.push(append);
          else failure ??= error;
        },
      )
      .finally(() => inFlight.delete(pending));
    inFlight.add(pending);
    if (alone) await pending;
    else if (inFlight.size >= APPENDS_IN_FLIGHT) await Promise.race(inFlight);
    if (toRetry.length > 0) await retryFailed();
    if (failure !== null) throw failure;
    dispatched += events.length;
    if (dispatched >= stopAfter) {
      await Promise.all(inFlight);
      throw new StoppedForTest(`stopped after ${appended} events`);
    }
  };

  try {
    for await (const event of source.readAll()) {
      seen++;
      through = event.position;
      let known = streams.get(event.streamName);
      if (known === undefined) {
        known = { ids: NOT_ON_TARGET, revision: 'no_stream' };
        streams.set(event.streamName, known);
      }
      sourceStreams.add(event.streamName);
      if (known.ids.has(event.id)) {
        skipped++;
        continue;
      }
      if (run !== null && (run.stream !== event.streamName || run.events.length >= EVENTS_PER_APPEND)) await send();
      run ??= { stream: event.streamName, events: [] };
      run.events.push({ id: event.id, type: event.type, data: event.data, metadata: event.metadata });
    }
    await send();
    await Promise.all(inFlight);
    if (toRetry.length > 0) await retryFailed();
    if (failure !== null) throw failure;
  } finally {
    await Promise.all(inFlight);
    progress.stop(seen);
  }
  return { appended, skipped, through, streams: sourceStreams, sent, targetHead: head };
}

/** What the target holds, read once from its log: per stream the ids (to skip) and its revision (to append after). */
async function readTarget(target: EventStore): Promise<{ streams: Map<string, TargetStream>; head: Position | null }> {
  const streams = new Map<string, TargetStream>();
  let head: Position | null = null;
  for await (const event of target.readAll()) {
    head = event.position;
    let known = streams.get(event.streamName);
    if (known === undefined) {
      known = { ids: new Set(), revision: 'no_stream' };
      streams.set(event.streamName, known);
    }
    (known.ids as Set<string>).add(event.id);
    known.revision = event.revision;
  }
  return { streams, head };
}

async function countEvents(source: EventStore): Promise<number> {
  let count = 0;
  for await (const _ of source.readAll()) count++;
  return count;
}

/**
 * Streams whose count or hash differs between the log and the target, one line each, and whether the target's log
 * holds what this run sent in the order sent (orderCheck), read in the same pass. With `through` (a run while the
 * server serves), a stream the log wrote to after that position is counted as moved on instead. Each side's log is
 * read once; a stream kept to its latest event counts that event alone (what a read of the stream answers, though
 * the target's log keeps the older ones until a scavenge).
 */
export async function verify(
  source: EventStore,
  target: EventStore,
  streams: ReadonlySet<string>,
  through: Position | null,
  sent: { readonly head: Position | null; readonly ids: readonly string[] },
): Promise<{ differing: string[]; movedOn: number; misplaced: string | null }> {
  const order = orderCheck(sent.head, sent.ids);
  const [ours, theirs] = await Promise.all([digestLog(source), digestLog(target, order.see)]);
  const differing: string[] = [];
  let movedOn = 0;
  const none = { count: 0, hash: createHash('sha256').digest('hex'), last: null };
  for (const stream of streams.keys()) {
    const mine = ours.get(stream) ?? none;
    const copy = theirs.get(stream) ?? none;
    if (mine.count === copy.count && mine.hash === copy.hash) continue;
    if (through !== null && mine.last !== null && mine.last > through) {
      movedOn++;
      continue;
    }
    differing.push(
      `${stream}: log ${mine.count} events (${mine.hash.slice(0, 12)}), target ${copy.count} events ` +
        `(${copy.hash.slice(0, 12)})`,
    );
  }
  return { differing, movedOn, misplaced: order.result() };
}

/**
 * Checks, event by event of the target's log, that after `head` (where it ended before this run) it holds what this
 * run sent, in the order sent: the log order of the source, each event once. `result` answers the first difference,
 * or null.
 */
function orderCheck(head: Position | null, sent: readonly string[]) {
  let index = 0;
  let misplaced: string | null = null;
  return {
    see(event: RecordedEvent) {
      if (misplaced !== null || (head !== null && event.position <= head)) return;
      if (event.streamName.startsWith(KEPT_TO_LATEST_PREFIX)) return;
      if (sent[index] === event.id) index++;
      else {
        misplaced = `the target's log holds ${event.id} (${event.streamName}) where ${sent[index] ?? 'nothing more'} was sent`;
      }
    },
    result(): string | null {
      return (
        misplaced ??
        (index === sent.length ? null : `the target's log holds ${index} of the ${sent.length} events sent`)
      );
    },
  };
}

/** Per stream of a log: count and hash of ids, types, data and metadata in order, and its last position. */
async function digestLog(store: EventStore, see?: (event: RecordedEvent) => void) {
  const streams = new Map<string, { hash: Hash; count: number; last: Position; latest: string }>();
  for await (const event of store.readAll()) {
    see?.(event);
    const line = `${event.id}\0${event.type}\0${JSON.stringify(event.data)}\0${JSON.stringify(event.metadata)}\n`;
    const known = streams.get(event.streamName);
    if (known === undefined) {
      const hash = createHash('sha256');
      hash.update(line);
      streams.set(event.streamName, { hash, count: 1, last: event.position, latest: line });
    } else {
      known.hash.update(line);
      known.count++;
      known.last = event.position;
      known.latest = line;
    }
  }
  const digests = new Map<string, { count: number; hash: string; last: Position }>();
  for (const [stream, { hash, count, last, latest }] of streams) {
    digests.set(
      stream,
      stream.startsWith(KEPT_TO_LATEST_PREFIX)
        ? { count: 1, hash: createHash('sha256').update(latest).digest('hex'), last }
        : { count, hash: hash.digest('hex'), last },
    );
  }
  return digests;
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
