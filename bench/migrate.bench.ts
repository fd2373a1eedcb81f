// `npm run bench:migrate`: `seatledger migrate --to` of a generated log (100,000 events by default) into the in-repo
// TEST STAND-IN (not EventStoreDB), against the raw client appending the same events in batches. Goal (issue 20):
// migrate at least 0.8× the raw client's events/s. Every phase runs in a process of its own against a stand-in in a
// process of its own, started fresh for it (a client or a stand-in that ran before carries a warm JIT, a grown heap
// and an old log: in one process the same calls ran 2× apart); BENCH_ROUNDS rounds (default 3), the phases in a
// different order each round; each round's migrate compared with its raw client, the median of the ratios. The phases:
//   raw batched  the raw client, each stream's events in appends of up to 100, stream after stream, 64 in flight,
//                nothing read, kept in order, skipped or verified: the goal's baseline
//   raw runs     the raw client making migrate's exact appends: one per run of consecutive events of one stream in
//                the log (up to 100), in log order, 64 in flight, each at the revision the ones before it leave, the
//                first and each `credentials-` stream's first (its $maxCount set before) alone: what is left is
//                migrate's own cost
//   migrate      `runMigrate` itself: counts, reads the target, copies (its events/s line) and verifies both sides
// Beside events/s, the CPU per event of the client process and of the stand-in process (for migrate, up to the end
// of the copy; the whole command too): on a shared machine the wall-clock rates swing, CPU per event much less.
// BENCH_EVENTS sets the log's size; BENCH_DIR keeps it between runs; EVENTSTORE_CONNECTION_STRING times the raw
// batched phase against a real server instead (migrate needs an empty server: run it by hand).
import { type ChildProcess, fork } from 'node:child_process';
import os from 'node:os';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import Database from 'better-sqlite3';

process.env.BENCH_EVENTS ??= '100000';
process.env.BENCH_BIG_USERS ??= String(Math.round(Number(process.env.BENCH_EVENTS) / 10));

const IN_FLIGHT = 64;
const BATCH = 100;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PHASES = ['raw batched', 'raw runs', 'migrate'] as const;
type Phase = (typeof PHASES)[number];

interface Row {
  id: string;
  stream: string;
  type: string;
  data: string;
  metadata: string;
}

/** What a phase's process reports: events, seconds and its own CPU µs, up to the end of the copy. */
interface PhaseResult {
  events: number;
  seconds: number;
  cpuUs: number;
  appends: number;
  /** migrate only: the whole command. */
  wholeSeconds?: number;
  wholeCpuUs?: number;
}

const cpuUs = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

function readRows(eventsFile: string): Row[] {
  const db = new Database(eventsFile, { readonly: true });
  try {
    return db.prepare('SELECT id, stream, type, data, metadata FROM events ORDER BY position').all() as Row[];
  } finally {
    db.close();
  }
}

function groupByStream(rows: readonly Row[]): Map<string, Row[]> {
  const byStream = new Map<string, Row[]>();
  for (const row of rows) {
    const events = byStream.get(row.stream);
    if (events) events.push(row);
    else byStream.set(row.stream, [row]);
  }
  return byStream;
}

const toEvents = (rows: readonly Row[]) =>
  rows.map((row) =>
    jsonEvent({ id: row.id, type: row.type, data: JSON.parse(row.data), metadata: JSON.parse(row.metadata) }),
  );

/** The goal's baseline: each stream's events in appends of up to BATCH, stream after stream, IN_FLIGHT at once. */
async function appendStreams(client: EventStoreDBClient, byStream: Map<string, Row[]>): Promise<number> {
  const batches: Row[][] = [];
  for (const events of byStream.values()) {
    for (let from = 0; from < events.length; from += BATCH) batches.push(events.slice(from, from + BATCH));
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < batches.length) {
        const batch = batches[next++] as Row[];
        await client.appendToStream((batch[0] as Row).stream, toEvents(batch), { expectedRevision: 'any' });
      }
    }),
  );
  return batches.length;
}

/**
 * migrate's appends (src/cli/migrate.ts copyLog) made by the raw client: one per run of consecutive events of one
 * stream in the log (up to BATCH), sent in log order, up to IN_FLIGHT unanswered, each at the revision the ones before
 * it leave; the first alone, and a `credentials-` stream's first alone after its $maxCount (as the adapter sets it).
 */
async function appendRuns(client: EventStoreDBClient, rows: readonly Row[]): Promise<number> {
  const revisions = new Map<string, bigint>();
  const inFlight = new Set<Promise<unknown>>();
  let appends = 0;
  const send = async (run: readonly Row[]) => {
    const stream = (run[0] as Row).stream;
    const revision = revisions.get(stream);
    const kept = stream.startsWith('credentials-');
    const alone = appends++ === 0 || (kept && revision === undefined);
    if (alone) await Promise.all(inFlight);
    if (kept && revision === undefined) {
      await client.setStreamMetadata(stream, { maxCount: 1 }, { expectedRevision: 'no_stream' });
    }
    revisions.set(stream, (revision ?? -1n) + BigInt(run.length));
    const append = client
      .appendToStream(stream, toEvents(run), { expectedRevision: revision ?? 'no_stream' })
      .finally(() => inFlight.delete(append));
    inFlight.add(append);
    if (alone) await append;
    else if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  };
  let run: Row[] = [];
  for (const row of rows) {
    if (run.length > 0 && ((run[0] as Row).stream !== row.stream || run.length >= BATCH)) {
      await send(run);
      run = [];
    }
    run.push(row);
  }
  if (run.length > 0) await send(run);
  await Promise.all(inFlight);
  return appends;
}

async function rawPhase(phase: Phase, eventsFile: string, connectionString: string): Promise<PhaseResult> {
  const rows = readRows(eventsFile);
  const client = EventStoreDBClient.connectionString(connectionString);
  const cpuStart = cpuUs();
  const start = performance.now();
  let appends = 0;
  try {
    appends =
      phase === 'raw batched' ? await appendStreams(client, groupByStream(rows)) : await appendRuns(client, rows);
  } finally {
    await client.dispose();
  }
  return { events: rows.length, seconds: (performance.now() - start) / 1000, cpuUs: cpuUs() - cpuStart, appends };
}

async function migratePhase(dir: string, connectionString: string): Promise<PhaseResult> {
  const { runMigrate } = await import('../src/cli/migrate');
  const { capture } = await import('../test/cli/io');
  const out = capture(dir);
  // The copy ends where the command writes its "copied" line: the CPU up to it, and the stand-in's told to mark it.
  let copyCpuUs = 0;
  const write = out.io.stdout.write.bind(out.io.stdout);
  out.io.stdout.write = ((chunk: string, ...rest: never[]) => {
    if (copyCpuUs === 0 && String(chunk).startsWith('copied ')) {
      copyCpuUs = cpuUs() - cpuStart;
      process.send?.({ mark: 'copied' });
    }
    return write(chunk, ...rest);
  }) as typeof out.io.stdout.write;
  const cpuStart = cpuUs();
  const start = performance.now();
  const code = await runMigrate(['--to', connectionString, '--data-dir', dir], out.io);
  const wholeSeconds = (performance.now() - start) / 1000;
  const wholeCpuUs = cpuUs() - cpuStart;
  if (code !== 0) throw new Error(`migrate exit ${code}: ${out.stderr()}`);
  const stdout = out.stdout();
  const events = Number(/copied ([\d,]+) events/.exec(stdout)?.[1]?.replace(/,/g, ''));
  const seconds = Number(/ in ([\d.]+) s,/.exec(stdout)?.[1]);
  return { events, seconds, cpuUs: copyCpuUs, appends: Number.NaN, wholeSeconds, wholeCpuUs };
}

/** A child: the stand-in (answers its connection string, then its CPU at each mark and at the end) or a phase. */
async function child(role: string, dir: string, connectionString: string): Promise<void> {
  if (role === 'stand-in') {
    const { startEventStoreDbStandIn } = await import('../test/support/eventstoredb-standin');
    const standIn = await startEventStoreDbStandIn();
    const ready = cpuUs();
    process.on('message', async (message: { mark: string }) => {
      if (message.mark === 'stop') await standIn.stop();
      process.send?.({ mark: message.mark, cpuUs: cpuUs() - ready });
      if (message.mark === 'stop') process.disconnect();
    });
    process.send?.({ connectionString: standIn.connectionString });
    return;
  }
  const phase = role as Phase;
  const result =
    phase === 'migrate'
      ? await migratePhase(dir, connectionString)
      : await rawPhase(phase, `${dir}/events.db`, connectionString);
  process.send?.({ result });
  process.disconnect();
}

function forkChild(args: string[]): ChildProcess {
  return fork(__filename, args, { execArgv: ['-r', require.resolve('./register.js')], stdio: 'inherit' });
}

function nextMessage<T>(proc: ChildProcess, pick: (message: Record<string, unknown>) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: Record<string, unknown>) => {
      const value = pick(message);
      if (value === undefined) return;
      proc.off('message', onMessage);
      proc.off('exit', onExit);
      resolve(value);
    };
    const onExit = (code: number | null) => reject(new Error(`child exited (${code}) before answering`));
    proc.on('message', onMessage);
    proc.once('exit', onExit);
  });
}

interface Measured extends PhaseResult {
  standInCpuUs: number;
  standInWholeCpuUs?: number;
}

async function runPhase(phase: Phase, dir: string): Promise<Measured> {
  const standIn = forkChild(['stand-in']);
  const connectionString = await nextMessage(standIn, (m) => m.connectionString as string | undefined);
  let copiedCpuUs: Promise<number> | undefined;
  const worker = forkChild([phase, dir, connectionString]);
  worker.on('message', (message: { mark?: string }) => {
    if (message.mark === 'copied') {
      copiedCpuUs = nextMessage(standIn, (m) => (m.mark === 'copied' ? (m.cpuUs as number) : undefined));
      standIn.send({ mark: 'copied' });
    }
  });
  const result = await nextMessage(worker, (m) => m.result as PhaseResult | undefined);
  const stopped = nextMessage(standIn, (m) => (m.mark === 'stop' ? (m.cpuUs as number) : undefined));
  standIn.send({ mark: 'stop' });
  const standInWholeCpuUs = await stopped;
  return copiedCpuUs
    ? { ...result, standInCpuUs: await copiedCpuUs, standInWholeCpuUs }
    : { ...result, standInCpuUs: standInWholeCpuUs };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

async function main(): Promise<void> {
  // After BENCH_EVENTS is set: the generator reads it when loaded.
  const { benchLogDir } = await import('./support/log-generator');
  const { dir, eventsFile, cleanup } = await benchLogDir('seatledger-bench-migrate-');
  try {
    const rows = readRows(eventsFile);
    console.log(
      `log: ${rows.length.toLocaleString('en')} events in ${groupByStream(rows).size.toLocaleString('en')} streams; ` +
        `${ROUNDS} rounds, each phase in a process of its own against a fresh stand-in in another`,
    );
    const real = process.env.EVENTSTORE_CONNECTION_STRING;
    if (real) {
      const result = await rawPhase('raw batched', eventsFile, real);
      console.log(`raw client, batched, real server: ${Math.round(result.events / result.seconds)} events/s`);
      return;
    }
    const results = new Map<Phase, Measured[]>(PHASES.map((phase) => [phase, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = PHASES.map((_, i) => PHASES[(i + round) % PHASES.length] as Phase);
      for (const phase of order) {
        const measured = await runPhase(phase, dir);
        results.get(phase)?.push(measured);
        console.log(
          `round ${round + 1} ${phase.padEnd(11)} ${Math.round(measured.events / measured.seconds)} events/s, ` +
            `client ${Math.round(measured.cpuUs / measured.events)} µs CPU/event, stand-in ` +
            `${Math.round(measured.standInCpuUs / measured.events)} µs CPU/event (load ${os.loadavg()[0]?.toFixed(1)})`,
        );
      }
    }
    const rate = (phase: Phase) => median((results.get(phase) ?? []).map((m) => m.events / m.seconds));
    const perEvent = (phase: Phase, of: (m: Measured) => number | undefined) =>
      median((results.get(phase) ?? []).map((m) => (of(m) ?? Number.NaN) / m.events));
    const raw = rate('raw batched');
    console.log('medians:');
    for (const phase of PHASES) {
      const first = results.get(phase)?.[0];
      console.log(
        `  ${phase.padEnd(11)} ${Math.round(rate(phase))} events/s = ${(rate(phase) / raw).toFixed(2)}× raw batched; ` +
          `CPU/event: client ${Math.round(perEvent(phase, (m) => m.cpuUs))} µs, stand-in ` +
          `${Math.round(perEvent(phase, (m) => m.standInCpuUs))} µs` +
          (phase === 'migrate' ? '' : ` (${first?.appends.toLocaleString('en')} appends)`),
      );
    }
    console.log(
      `  migrate, whole command (counting, reading the target, both verifications): ` +
        `${Math.round(median((results.get('migrate') ?? []).map((m) => m.events / (m.wholeSeconds as number))))} events/s; ` +
        `CPU/event: client ${Math.round(perEvent('migrate', (m) => m.wholeCpuUs))} µs, stand-in ` +
        `${Math.round(perEvent('migrate', (m) => m.standInWholeCpuUs))} µs`,
    );
    // Per round, migrate against the raw client of the same round (the load moves between rounds), then the median.
    const perRound = (of: (m: Measured) => number) =>
      median(
        (results.get('migrate') ?? []).map((m, round) => {
          const baseline = results.get('raw batched')?.[round] as Measured;
          return of(m) / of(baseline);
        }),
      );
    const ratio = perRound((m) => m.events / m.seconds);
    const cpuRatio = perRound((m) => m.events / (m.cpuUs + m.standInCpuUs));
    console.log(
      `migrate's copy: ${ratio.toFixed(2)}× the raw client's events/s (median of ${ROUNDS} rounds' ratios) — goal ` +
        `≥ 0.8×: ${ratio >= 0.8 ? 'met' : 'NOT met'}; by CPU per event (client + stand-in) ${cpuRatio.toFixed(2)}×`,
    );
  } finally {
    cleanup();
  }
}

const [role, dir, connectionString] = process.argv.slice(2);
(role ? child(role, dir as string, connectionString as string) : main()).catch((error) => {
  console.error(error);
  process.exitCode = 1;
  process.disconnect?.();
});
