// `npm run bench:store`: the SQLite event log against raw better-sqlite3 at the same durability, in one run, as ratios.
// Goals (issue 2): single appends ≥ 0.8× raw, 32 concurrent appenders ≥ 3× raw,
// a command on a 100,000-event stream ≤ 1.5× the time on a fresh one.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { EventStore } from '../src/eventstore/port';
import { openSqliteEventStore } from '../src/eventstore/sqlite';
import { anEvent, median, perSecond, sampleData, sampleMetadata } from './support/measure';

// Short interleaved rounds, compared round by round: other work on the machine hits both sides alike.
const ROUNDS = 7;
const SINGLE_APPENDS = 600;
const CONCURRENT_APPENDERS = 32;
const CONCURRENT_APPENDS_EACH = 60;
const BIG_STREAM = 100_000;
const COMMANDS_PER_ROUND = 200;
// Each measurement also stops after this long, so a slow or busy disk cannot stretch the run past a couple of minutes.
const MEASURE_AT_MOST_NS = 1_500_000_000n;

const deadlineFrom = (startNs: bigint) => startNs + MEASURE_AT_MOST_NS;

/** The baseline: one durable single-row autocommit insert at a time, the same row size, on its own file. */
function openRaw(file: string, indexed: boolean): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  // `indexed` adds the two unique keys the log needs (event id; stream + revision): what the schema alone costs.
  const keys = indexed ? ', UNIQUE (id), UNIQUE (stream, revision)' : '';
  db.exec(
    `CREATE TABLE raw (position INTEGER PRIMARY KEY, id TEXT, stream TEXT, revision INT, data TEXT, metadata TEXT${keys})`,
  );
  return db;
}

function rawSingleInserts(db: Database.Database, count: number): number {
  const insert = db.prepare('INSERT INTO raw (id, stream, revision, data, metadata) VALUES (?, ?, ?, ?, ?)');
  const stream = `stream-${randomUUID()}`;
  const start = process.hrtime.bigint();
  const deadline = deadlineFrom(start);
  let done = 0;
  while (done < count && process.hrtime.bigint() < deadline) {
    insert.run(randomUUID(), stream, done, JSON.stringify(sampleData), JSON.stringify(sampleMetadata));
    done += 1;
  }
  return perSecond(done, start);
}

async function portSingleAppends(store: EventStore, count: number): Promise<number> {
  const stream = `single-${randomUUID()}`;
  const start = process.hrtime.bigint();
  const deadline = deadlineFrom(start);
  let done = 0;
  while (done < count && process.hrtime.bigint() < deadline) {
    await store.appendToStream(stream, [anEvent()], { expectedRevision: done === 0 ? 'no_stream' : done - 1 });
    done += 1;
  }
  return perSecond(done, start);
}

async function portConcurrentAppends(store: EventStore, appenders: number, each: number): Promise<number> {
  const start = process.hrtime.bigint();
  const deadline = deadlineFrom(start);
  let done = 0;
  await Promise.all(
    Array.from({ length: appenders }, async () => {
      const stream = `concurrent-${randomUUID()}`;
      for (let i = 0; i < each && process.hrtime.bigint() < deadline; i++) {
        await store.appendToStream(stream, [anEvent()], { expectedRevision: i === 0 ? 'no_stream' : i - 1 });
        done += 1;
      }
    }),
  );
  return perSecond(done, start);
}

/** What a command handler does with a cached state: read what came after its revision, append at that revision. */
async function commandsPerSecond(store: EventStore, stream: string, fromRevision: number, count: number) {
  let revision = fromRevision;
  const start = process.hrtime.bigint();
  const deadline = deadlineFrom(start);
  let done = 0;
  for (; done < count && process.hrtime.bigint() < deadline; done++) {
    for await (const _ of store.readStream(stream, { fromRevision: revision + 1 })) revision += 1;
    const result = await store.appendToStream(stream, [anEvent()], {
      expectedRevision: revision < 0 ? 'no_stream' : revision,
    });
    revision = result.nextRevision;
  }
  return { rate: perSecond(done, start), revision };
}

function rawScan(db: Database.Database): number {
  const start = process.hrtime.bigint();
  let count = 0;
  for (const row of db.prepare('SELECT position, id, stream, data, metadata FROM events').raw().iterate()) {
    const r = row as [number, string, string, string, string];
    JSON.parse(r[3]);
    JSON.parse(r[4]);
    count += 1;
  }
  return perSecond(count, start);
}

async function readAllPerSecond(store: EventStore): Promise<number> {
  const start = process.hrtime.bigint();
  let count = 0;
  for await (const _ of store.readAll()) count += 1;
  return perSecond(count, start);
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ratio = (n: number) => `${n.toFixed(2)}×`;

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seatledger-bench-'));
  const began = Date.now();
  try {
    const store = openSqliteEventStore({ file: path.join(dir, 'events.db') });
    // Warm-up: the first fsyncs of a new file (and JIT) are not what we measure.
    // Kept open like the store: reopening would start a new WAL file each round, slower to sync than a reused one.
    const rawDb = openRaw(path.join(dir, 'raw.db'), false);
    const indexedDb = openRaw(path.join(dir, 'raw-indexed.db'), true);
    rawSingleInserts(rawDb, 200);
    rawSingleInserts(indexedDb, 200);
    await portSingleAppends(store, 200);

    const raw: number[] = [];
    const indexed: number[] = [];
    const single: number[] = [];
    const concurrent: number[] = [];
    let batched = { transactions: 0, appends: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      raw.push(rawSingleInserts(rawDb, SINGLE_APPENDS));
      indexed.push(rawSingleInserts(indexedDb, SINGLE_APPENDS));
      single.push(await portSingleAppends(store, SINGLE_APPENDS));
      const before = store.groupCommitStats;
      concurrent.push(await portConcurrentAppends(store, CONCURRENT_APPENDERS, CONCURRENT_APPENDS_EACH));
      const after = store.groupCommitStats;
      batched = {
        transactions: batched.transactions + after.transactions - before.transactions,
        appends: batched.appends + after.appends - before.appends,
      };
    }
    rawDb.close();
    indexedDb.close();
    const indexedRatio = median(indexed.map((rate, i) => rate / (raw[i] as number)));
    const singleVsIndexed = median(single.map((rate, i) => rate / (indexed[i] as number)));
    const rawRate = median(raw);
    const singleRate = median(single);
    const concurrentRate = median(concurrent);
    const singleRatio = median(single.map((rate, i) => rate / (raw[i] as number)));
    const concurrentRatio = median(concurrent.map((rate, i) => rate / (raw[i] as number)));

    // A stream of 100,000 events, written in large appends (how it got there is not what we measure).
    const big = `subscription-big-${randomUUID()}`;
    for (let written = 0; written < BIG_STREAM; written += 1000) {
      await store.appendToStream(
        big,
        Array.from({ length: 1000 }, () => anEvent()),
        { expectedRevision: written === 0 ? 'no_stream' : written - 1 },
      );
    }
    const onBig: number[] = [];
    const onFresh: number[] = [];
    let bigRevision = BIG_STREAM - 1;
    for (let round = 0; round < ROUNDS; round++) {
      const fresh = await commandsPerSecond(store, `subscription-fresh-${randomUUID()}`, -1, COMMANDS_PER_ROUND);
      const onBigStream = await commandsPerSecond(store, big, bigRevision, COMMANDS_PER_ROUND);
      bigRevision = onBigStream.revision;
      onFresh.push(fresh.rate);
      onBig.push(onBigStream.rate);
    }
    const bigMs = 1000 / median(onBig);
    const freshMs = 1000 / median(onFresh);
    const commandRatio = median(onFresh.map((rate, i) => rate / (onBig[i] as number)));

    const reads: number[] = [];
    const scans: number[] = [];
    const scanDb = new Database(path.join(dir, 'events.db'), { readonly: true });
    for (let round = 0; round < 3; round++) {
      reads.push(await readAllPerSecond(store));
      scans.push(rawScan(scanDb));
    }
    scanDb.close();
    await store.close();
    const readRatio = median(reads.map((rate, i) => rate / (scans[i] as number)));

    const line = (label: string, text: string) => console.log(`${label.padEnd(48)}: ${text}`);
    console.log('seatledger event store bench (SQLite, WAL, synchronous=FULL)');
    console.log(`median of ${ROUNDS} interleaved rounds; each ratio is the median of the per-round ratios\n`);
    line('raw better-sqlite3 single-row durable inserts', `${fmt(rawRate)}/s (baseline)`);
    line(
      '(a) single appends through the port, awaited',
      `${fmt(singleRate)}/s → ${ratio(singleRatio)} raw (goal ≥ 0.8×)`,
    );
    line(
      "    raw inserts with the log's two unique keys",
      `${fmt(median(indexed))}/s → ${ratio(indexedRatio)} raw; the port does ${ratio(singleVsIndexed)} of this`,
    );
    line(
      `(b) ${CONCURRENT_APPENDERS} concurrent appenders, group commit`,
      `${fmt(concurrentRate)}/s → ${ratio(concurrentRatio)} raw (goal ≥ 3×)`,
    );
    line('    appends per transaction with 32 appenders', (batched.appends / batched.transactions).toFixed(1));
    line(
      `(c) command on a ${fmt(BIG_STREAM)}-event stream`,
      `${bigMs.toFixed(3)} ms vs ${freshMs.toFixed(3)} ms fresh → ${ratio(commandRatio)} (goal ≤ 1.5×)`,
    );
    line(
      '    readAll, parsed events',
      `${fmt(median(reads))}/s vs raw scan + JSON.parse ${fmt(median(scans))}/s → ${ratio(readRatio)}`,
    );
    console.log(`\ntotal ${((Date.now() - began) / 1000).toFixed(1)} s`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
