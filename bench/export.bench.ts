// `npm run bench:export`: `seatledger export` (the built CLI, as a user runs it) of a generated 1,000,000-event log
// to /dev/null, beside raw better-sqlite3 scans of the same log, in one run: throughput and peak RSS, each in its
// own process. Goals (issue 7): ≥ 200,000 events/s and peak RSS ≤ 150 MB.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { benchLogDir } from './support/log-generator';
import { median } from './support/measure';

const ROOT = path.join(__dirname, '..');
// Interleaved rounds, median of each: other work on the machine hits every side alike.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Measured {
  events: number;
  seconds: number;
  maxRssMb: number;
}

/** The baselines, in plain JS so their RSS is comparable with the built CLI's. */
function raw(mode: 'scan' | 'ndjson', eventsFile: string): Measured {
  const out = execFileSync(process.execPath, [path.join(__dirname, 'support', 'raw-scan.js'), mode, eventsFile], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return JSON.parse(out.trim()) as Measured;
}

/** `node bin/seatledger.js export > /dev/null`, timed from spawn to exit (start-up included). */
function exportCommand(dataDir: string): Measured & { commandRate: number } {
  const devNull = fs.openSync('/dev/null', 'w');
  const start = performance.now();
  const run = spawnSync(
    process.execPath,
    ['-r', './bench/support/report-rss.js', 'bin/seatledger.js', 'export', '--data-dir', dataDir],
    // No EVENTSTORE_CONNECTION_STRING: the embedded log is what is measured.
    { cwd: ROOT, env: { PATH: process.env.PATH }, stdio: ['ignore', devNull, 'pipe'], encoding: 'utf8' },
  );
  const seconds = (performance.now() - start) / 1000;
  fs.closeSync(devNull);
  if (run.status !== 0) throw new Error(`export failed (${run.status}): ${run.stderr}`);
  const lines = run.stderr.trim().split('\n');
  const rss = /bench:maxRssKb=(\d+)/.exec(run.stderr);
  const last = lines.filter((line) => line.startsWith('exported ')).pop() ?? '';
  const progress = /^exported ([\d,]+) events \(([\d,]+) events\/s\)/.exec(last);
  if (!rss || !progress) throw new Error(`unexpected stderr: ${run.stderr}`);
  const number = (text: string) => Number(text.replaceAll(',', ''));
  return {
    events: number(progress[1] as string),
    seconds,
    maxRssMb: Number(rss[1]) / 1024,
    commandRate: number(progress[2] as string),
  };
}

/** The bench measures what `npm run build` made: rebuild when a source is newer than its output. */
function ensureBuilt(): void {
  const built = path.join(ROOT, 'dist', 'src', 'cli', 'export.js');
  const sources = [
    'src/cli/export.ts',
    'src/cli/main.ts',
    'src/eventstore/upcasting.ts',
    'src/domain/event-schemas.ts',
  ];
  const stale =
    !fs.existsSync(built) ||
    sources.some((source) => fs.statSync(path.join(ROOT, source)).mtimeMs > fs.statSync(built).mtimeMs);
  if (stale) {
    console.log('building (npm run build)…');
    try {
      execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
    } catch {
      // tsc still emits when another file has type errors; what matters is that the CLI is there.
      if (!fs.existsSync(built)) throw new Error('npm run build did not produce dist/src/cli/export.js');
    }
  }
}

const rate = (m: Measured) => m.events / m.seconds;
const fmt = (n: number) => Math.round(n).toLocaleString('en');

async function main(): Promise<void> {
  ensureBuilt();
  const { dir, eventsFile, cleanup } = await benchLogDir('seatledger-bench-export-');
  try {
    console.log(`log file: ${fmt(fs.statSync(eventsFile).size / 1e6)} MB; ${ROUNDS} interleaved rounds, medians`);

    const scans: Measured[] = [];
    const glued: Measured[] = [];
    const exports: ReturnType<typeof exportCommand>[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      scans.push(raw('scan', eventsFile));
      glued.push(raw('ndjson', eventsFile));
      exports.push(exportCommand(dir));
    }
    const scanRate = median(scans.map(rate));
    const gluedRate = median(glued.map(rate));
    const exportRate = median(exports.map(rate));
    const commandRate = median(exports.map((m) => m.commandRate));
    const exportRss = Math.max(...exports.map((m) => m.maxRssMb));
    const events = exports[0]?.events ?? 0;
    if (exports.some((m) => m.events !== events) || events !== scans[0]?.events) {
      throw new Error(`event counts differ: export ${exports.map((m) => m.events)}, scan ${scans[0]?.events}`);
    }

    console.log(
      `raw SQLite scan (rows only):            ${fmt(scanRate)} events/s, peak RSS ${fmt(median(scans.map((m) => m.maxRssMb)))} MB`,
    );
    console.log(
      `raw scan glued to NDJSON (no parse):    ${fmt(gluedRate)} events/s, peak RSS ${fmt(median(glued.map((m) => m.maxRssMb)))} MB`,
    );
    console.log(
      `seatledger export > /dev/null:         ${fmt(exportRate)} events/s from spawn to exit ` +
        `(${fmt(commandRate)} events/s inside the command; ${fmt(events)} events in ` +
        `${median(exports.map((m) => m.seconds)).toFixed(2)} s) = ${(exportRate / scanRate).toFixed(2)}× the raw scan, ` +
        `${(exportRate / gluedRate).toFixed(2)}× raw NDJSON — goal ≥ 200,000/s: ${exportRate >= 200_000 ? 'met' : 'NOT met'}`,
    );
    console.log(
      `peak RSS of the export: ${fmt(exportRss)} MB (worst round) — goal ≤ 150 MB: ${exportRss <= 150 ? 'met' : 'NOT met'}`,
    );
  } finally {
    cleanup();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
