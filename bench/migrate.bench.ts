// `npm run bench:migrate`: `seatledger migrate --to` of a generated log (100,000 events by default) into the in-repo
// TEST STAND-IN (not EventStoreDB), against the raw client appending the same events in batches in the same run, each
// into a fresh stand-in. Goal (issue 20): migrate at least 0.8× the raw client's events/s. The raw side has it easy:
// it appends each stream's events in batches of up to 100, stream after stream, 64 appends in flight, and neither
// keeps the log's order across streams nor reads, skips or verifies anything; migrate keeps the log order (appends
// of consecutive events of one stream), sets `$maxCount` on `credentials-` streams, and verifies both sides after.
// BENCH_EVENTS sets the log's size; BENCH_DIR keeps it between runs; EVENTSTORE_CONNECTION_STRING targets a real
// server instead (it must be empty: both sides write the same event ids, so give each run a fresh server).
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import Database from 'better-sqlite3';
import { runMigrate } from '../src/cli/migrate';
import { capture } from '../test/cli/io';
import { startEventStoreDbStandIn } from '../test/support/eventstoredb-standin';

process.env.BENCH_EVENTS ??= '100000';
process.env.BENCH_BIG_USERS ??= String(Math.round(Number(process.env.BENCH_EVENTS) / 10));

const IN_FLIGHT = 64;
const BATCH = 100;

interface Row {
  id: string;
  stream: string;
  type: string;
  data: string;
  metadata: string;
}

/** The raw client: every stream's events in batches, streams in order of first appearance, IN_FLIGHT at once. */
async function rawAppend(connectionString: string, rows: readonly Row[]): Promise<number> {
  const byStream = new Map<string, Row[]>();
  for (const row of rows) {
    const events = byStream.get(row.stream);
    if (events) events.push(row);
    else byStream.set(row.stream, [row]);
  }
  const batches: { stream: string; rows: Row[]; from: number }[] = [];
  for (const [stream, events] of byStream) {
    for (let from = 0; from < events.length; from += BATCH) {
      batches.push({ stream, rows: events.slice(from, from + BATCH), from });
    }
  }
  const client = EventStoreDBClient.connectionString(connectionString);
  const start = performance.now();
  try {
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < batches.length) {
          const batch = batches[next++] as (typeof batches)[number];
          await client.appendToStream(
            batch.stream,
            batch.rows.map((row) =>
              jsonEvent({ id: row.id, type: row.type, data: JSON.parse(row.data), metadata: JSON.parse(row.metadata) }),
            ),
            { expectedRevision: 'any' },
          );
        }
      }),
    );
  } finally {
    await client.dispose();
  }
  return rows.length / ((performance.now() - start) / 1000);
}

async function main(): Promise<void> {
  // After BENCH_EVENTS is set: the generator reads it when loaded.
  const { benchLogDir } = await import('./support/log-generator');
  const { dir, eventsFile, cleanup } = await benchLogDir('seatledger-bench-migrate-');
  try {
    const db = new Database(eventsFile, { readonly: true });
    const rows = db.prepare('SELECT id, stream, type, data, metadata FROM events ORDER BY position').all() as Row[];
    db.close();
    console.log(
      `log: ${rows.length.toLocaleString('en')} events in ${new Set(rows.map((r) => r.stream)).size} streams`,
    );

    const real = process.env.EVENTSTORE_CONNECTION_STRING;
    const rawTarget = real ? null : await startEventStoreDbStandIn();
    const rawRate = await rawAppend(real ?? (rawTarget?.connectionString as string), rows);
    await rawTarget?.stop();
    if (real) {
      console.log(
        `raw client: ${Math.round(rawRate)} events/s (real server: migrate needs a fresh one, run it by hand)`,
      );
      return;
    }

    const target = await startEventStoreDbStandIn();
    const out = capture(dir);
    const start = performance.now();
    const code = await runMigrate(['--to', target.connectionString, '--data-dir', dir], out.io);
    const wholeSeconds = (performance.now() - start) / 1000;
    await target.stop();
    const stdout = out.stdout();
    if (code !== 0) throw new Error(`migrate exit ${code}: ${out.stderr()}`);
    const copyRate = Number(/, (\d+) events\/s/.exec(stdout)?.[1]);
    const wholeRate = rows.length / wholeSeconds;
    console.log(stdout.trim());
    console.log(`raw client, batches per stream:  ${Math.round(rawRate)} events/s`);
    console.log(
      `migrate, the copy:               ${copyRate} events/s = ${(copyRate / rawRate).toFixed(2)}× the raw client` +
        ` — goal ≥ 0.8×: ${copyRate / rawRate >= 0.8 ? 'met' : 'NOT met'}`,
    );
    console.log(
      `migrate, whole command:          ${Math.round(wholeRate)} events/s = ${(wholeRate / rawRate).toFixed(2)}× ` +
        `(${wholeSeconds.toFixed(1)} s with counting, reading the target and both verifications)`,
    );
  } finally {
    cleanup();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
