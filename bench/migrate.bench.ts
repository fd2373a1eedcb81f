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

/** The raw client's appends: every stream's events in batches, streams in order of first appearance. */
function batchesPerStream(rows: readonly Row[]): Row[][] {
  const byStream = new Map<string, Row[]>();
  for (const row of rows) {
    const events = byStream.get(row.stream);
    if (events) events.push(row);
    else byStream.set(row.stream, [row]);
  }
  const batches: Row[][] = [];
  for (const events of byStream.values()) {
    for (let from = 0; from < events.length; from += BATCH) batches.push(events.slice(from, from + BATCH));
  }
  return batches;
}

/**
 * The calls migrate makes: runs of consecutive events of one stream in log order (up to BATCH), so the target's log
 * keeps the source's order. On a log whose neighbours are in different streams that is one append per event.
 */
function runsInLogOrder(rows: readonly Row[]): Row[][] {
  const runs: Row[][] = [];
  let run: Row[] | null = null;
  for (const row of rows) {
    if (run !== null && (run[0]?.stream !== row.stream || run.length >= BATCH)) run = null;
    if (run === null) {
      run = [];
      runs.push(run);
    }
    run.push(row);
  }
  return runs;
}

/** The raw client appending the given batches, IN_FLIGHT at once, nothing checked: events/s. */
async function rawAppend(connectionString: string, rows: readonly Row[], batches: readonly Row[][]): Promise<number> {
  const client = EventStoreDBClient.connectionString(connectionString);
  const start = performance.now();
  try {
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < batches.length) {
          const batch = batches[next++] as Row[];
          await client.appendToStream(
            (batch[0] as Row).stream,
            batch.map((row) =>
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
    const perStream = batchesPerStream(rows);
    const rawRate = await rawAppend(real ?? (rawTarget?.connectionString as string), rows, perStream);
    await rawTarget?.stop();
    if (real) {
      console.log(
        `raw client: ${Math.round(rawRate)} events/s (real server: migrate needs a fresh one, run it by hand)`,
      );
      return;
    }

    // The same calls as migrate, made raw: what is left between this and migrate is migrate's own cost.
    const sameCallsTarget = await startEventStoreDbStandIn();
    const inLogOrder = runsInLogOrder(rows);
    const sameCallsRate = await rawAppend(sameCallsTarget.connectionString, rows, inLogOrder);
    await sameCallsTarget.stop();

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
    console.log(
      `raw client, batches per stream:  ${Math.round(rawRate)} events/s (${perStream.length.toLocaleString('en')} appends)`,
    );
    console.log(
      `raw client, migrate's calls:     ${Math.round(sameCallsRate)} events/s (${inLogOrder.length.toLocaleString('en')} ` +
        'appends: runs of one stream in log order)',
    );
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
