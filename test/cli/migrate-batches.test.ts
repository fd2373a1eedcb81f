// `seatledger migrate` with its appends pipelined, into the in-repo TEST STAND-IN (not EventStoreDB): a log whose
// streams interleave copied by a process killed in the middle of the copy (SIGKILL, appends in flight), then run
// again: exactly one copy of every event, each stream in its order, the target's log in the log's order,
// `credentials-` streams at their latest event with $maxCount 1; appends answered with a write timeout sent again,
// written once and in log order. And `--from`: an event altered
// on EventStoreDB's side while the copy runs fails the verification (exit 1, nothing left in the dir).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import Database from 'better-sqlite3';
import { runMigrate } from '../../src/cli/migrate';
import type { EventMetadata, EventToAppend } from '../../src/eventstore/port';
import { openSqliteEventStore } from '../../src/eventstore/sqlite';
import { type EventStoreDbStandIn, startEventStoreDbStandIn } from '../support/eventstoredb-standin';
import { makeTempDir } from '../support/temp-dir';
import { capture } from './io';

jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, '../..');
/** Streams written round-robin: a window of the log holds ~200 events of each. */
const BUSY_STREAMS = 25;
const EVENTS = 12_000;

interface Copied {
  id: string;
  stream: string;
  type: string;
  data: string;
}

const metadata = (): EventMetadata => ({
  accountId: 'a1',
  actorId: 'u1',
  occurredAt: new Date(0).toISOString(),
  correlationId: randomUUID(),
  causationId: randomUUID(),
  schemaVersion: 1,
});

/** A log of EVENTS events: busy streams interleaved, single-event streams among them, credentials kept to the latest. */
async function writeLog(file: string): Promise<void> {
  const store = openSqliteEventStore({ file });
  try {
    const revisions = new Map<string, number>();
    for (let n = 0; n < EVENTS; n++) {
      const stream =
        n % 100 === 50 ? `credentials-u${n % 7}` : n % 100 === 0 ? `user-${n}` : `subscription-${n % BUSY_STREAMS}`;
      const event: EventToAppend = { id: randomUUID(), type: 'Noted', data: { n }, metadata: metadata() };
      const kept = stream.startsWith('credentials-');
      await store.appendToStream(stream, [event], {
        expectedRevision: kept ? 'any' : (revisions.get(stream) ?? 'no_stream'),
        ...(kept ? { maxCount: 1 } : {}),
      });
      revisions.set(stream, (revisions.get(stream) ?? -1) + 1);
    }
  } finally {
    await store.close();
  }
}

function sourceEvents(dataDir: string): Copied[] {
  const db = new Database(path.join(dataDir, 'events.db'), { readonly: true });
  try {
    return (db.prepare('SELECT id, stream, type, data FROM events ORDER BY position').all() as Copied[]).map((e) => ({
      ...e,
      data: JSON.stringify(JSON.parse(e.data)),
    }));
  } finally {
    db.close();
  }
}

/** The application's events as the stand-in's $all holds them (system events left out), in its order. */
function targetEvents(standIn: EventStoreDbStandIn): Copied[] {
  return standIn.log.events
    .filter((event) => !event.streamName.startsWith('$') && !event.type.startsWith('$'))
    .map((event) => ({
      id: event.id,
      stream: event.streamName,
      type: event.type,
      data: JSON.stringify(JSON.parse(Buffer.from(event.data).toString('utf8'))),
    }));
}

const byStream = (events: readonly Copied[]) => {
  const streams = new Map<string, Copied[]>();
  for (const event of events) streams.set(event.stream, [...(streams.get(event.stream) ?? []), event]);
  return streams;
};

/**
 * The ids in the order of a log, less those of streams kept to their latest event (the log keeps that event alone,
 * the target the older ones too until a scavenge, so their place is not compared).
 */
const notKept = (events: readonly Copied[]) =>
  events.filter((event) => !event.stream.startsWith('credentials-')).map((event) => event.id);

/** `seatledger migrate` in a process of its own (the sources, through ts-node), SIGKILLed once `killWhen` holds. */
function migrateKilled(args: readonly string[], killWhen: () => boolean): Promise<NodeJS.Signals | number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '-r',
        'reflect-metadata',
        '-r',
        'ts-node/register/transpile-only',
        '-e',
        `require('./src/cli/main').main(process.argv.slice(1))`,
        'migrate',
        ...args,
      ],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', TS_NODE_PROJECT: 'tsconfig.json' }, stdio: 'ignore' },
    );
    const poll = setInterval(() => {
      if (killWhen()) child.kill('SIGKILL');
    }, 2);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearInterval(poll);
      resolve(signal ?? code);
    });
  });
}

describe('seatledger migrate, appends pipelined in log order, into the test stand-in (not EventStoreDB)', () => {
  let standIn: EventStoreDbStandIn;
  const temp = makeTempDir('seatledger-migrate-batches-');
  const dataDir = temp.dir;

  beforeAll(async () => {
    standIn = await startEventStoreDbStandIn();
    await writeLog(path.join(dataDir, 'events.db'));
  });

  afterAll(async () => {
    await standIn?.stop();
    temp.cleanup();
  });

  it('killed in the middle of a batched copy and run again: one copy of every event, each stream in order', async () => {
    const source = sourceEvents(dataDir);
    const before = standIn.log.events.length;
    const signal = await migrateKilled(
      ['--to', standIn.connectionString, '--data-dir', dataDir],
      () => standIn.log.events.length >= before + source.length / 2,
    );
    expect(signal).toBe('SIGKILL');
    const half = targetEvents(standIn);
    expect(half.length).toBeGreaterThanOrEqual(source.length / 2);
    expect(half.length).toBeLessThan(source.length);

    const out = capture(dataDir);
    const code = await runMigrate(['--to', standIn.connectionString, '--data-dir', dataDir], out.io);
    expect(out.stderr()).not.toMatch(/verification failed/);
    expect(code).toBe(0);
    const skipped = Number(/\(([\d,]+) already on the target\)/.exec(out.stdout())?.[1]?.replace(/,/g, ''));
    expect(skipped).toBeGreaterThan(0);

    // Exactly one copy of every event; each stream's events in its order, with the same ids, types and data.
    const target = targetEvents(standIn);
    const ids = target.map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
    const readable = byStream(target);
    // credentials- streams: the target keeps the older events until a scavenge; a read answers the latest.
    for (const [stream, events] of readable) {
      if (stream.startsWith('credentials-')) readable.set(stream, events.slice(-1));
    }
    expect(readable).toEqual(byStream(source));
    // In log order: the target's $all holds the copied events in the embedded log's order, across streams too.
    expect(notKept(target)).toEqual(notKept(source));
    const client = EventStoreDBClient.connectionString(standIn.connectionString);
    try {
      expect((await client.getStreamMetadata('credentials-u0')).metadata?.maxCount).toBe(1);
    } finally {
      await client.dispose();
    }

    // A third run finds nothing to copy.
    const again = capture(dataDir);
    expect(await runMigrate(['--to', standIn.connectionString, '--data-dir', dataDir], again.io)).toBe(0);
    expect(again.stdout()).toMatch(/copied 0 events/);
  });

  it('an append the target did not commit within its write timeout is sent again: one copy of every event', async () => {
    const slow = await startEventStoreDbStandIn({ writeTimeoutMs: 100 });
    try {
      // Commits take longer than the write timeout (the callers are answered a timeout, the writes commit later)
      // until the first of them is in the log.
      const before = slow.log.events.length;
      slow.appends.commitDelayMs = 150;
      const poll = setInterval(() => {
        if (slow.log.events.length > before) slow.appends.commitDelayMs = 0;
      }, 1);
      const out = capture(dataDir);
      const code = await runMigrate(['--to', slow.connectionString, '--data-dir', dataDir], out.io);
      clearInterval(poll);
      expect(out.stderr()).not.toMatch(/verification failed|write timeout/);
      expect(code).toBe(0);
      const ids = targetEvents(slow).map((event) => event.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(sourceEvents(dataDir).length);
      // Sent again alone, once everything in flight was answered: still in log order.
      expect(notKept(targetEvents(slow))).toEqual(notKept(sourceEvents(dataDir)));
    } finally {
      await slow.stop();
    }
  });

  it('--from: an event altered on EventStoreDB while it is copied fails the verification', async () => {
    const source = await startEventStoreDbStandIn();
    const back = makeTempDir('seatledger-migrate-from-');
    try {
      const client = EventStoreDBClient.connectionString(source.connectionString);
      try {
        for (let round = 0; round < 40; round++) {
          await Promise.all(
            Array.from({ length: BUSY_STREAMS }, (_, stream) =>
              client.appendToStream(
                `subscription-${stream}`,
                Array.from({ length: 10 }, (_, n) =>
                  jsonEvent({ type: 'Noted', data: { n: round * 10 + n }, metadata: metadata() }),
                ),
              ),
            ),
          );
        }
      } finally {
        await client.dispose();
      }
      // The first of them, altered once the copy holds it: the verification reads the source again after the copy.
      const first = source.log.events.find((event) => event.streamName === 'subscription-0');
      if (!first) throw new Error('nothing written');
      const backDir = path.join(back.dir, 'data');
      const copied = () => {
        try {
          const db = new Database(path.join(backDir, 'events.db'), { readonly: true, fileMustExist: true });
          try {
            return db.prepare('SELECT 1 FROM events WHERE id = ?').get(first.id) !== undefined;
          } finally {
            db.close();
          }
        } catch {
          return false;
        }
      };
      const poll = setInterval(() => {
        if (!copied()) return;
        clearInterval(poll);
        (first as { data: Uint8Array }).data = Buffer.from(JSON.stringify({ tampered: true }));
      }, 1);
      const out = capture(back.dir);
      const code = await runMigrate(['--from', source.connectionString, '--data-dir', backDir], out.io);
      clearInterval(poll);
      expect(JSON.parse(Buffer.from(first.data).toString('utf8'))).toEqual({ tampered: true });
      expect(code).toBe(1);
      expect(out.stderr()).toMatch(/verification failed: 1 of \d+ streams differ/);
      expect(out.stderr()).toContain('  subscription-0: ');
      // Nothing a server could start on is left.
      expect(fs.existsSync(path.join(backDir, 'events.db'))).toBe(false);
    } finally {
      await source.stop();
      back.cleanup();
    }
  });
});
