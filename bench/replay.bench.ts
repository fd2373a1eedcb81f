// `npm run bench:replay`: rebuild every read model from a generated 1,000,000-event log, beside a raw SQLite
// scan + JSON.parse of the same log, in one run; peak RSS of the rebuild; user search latency among 100,000 users.
// Goals (issue 12): rebuild ≥ 0.3× the raw scan in the same run, peak RSS ≤ 300 MB; search p50 ≤ 5 ms (issue 3).
// BENCH_ROUNDS (default 3) pairs of scan and rebuild; the median ratio counts.
// Both are measured in plain JavaScript child processes (bench/support/replay-child.js), the rebuild on the built dist/,
// as the server rebuilds: readmodels.db on the main thread, the licence history's history.db in a worker thread.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { allProjections, readModelFiles } from '../projections';
import { searchUsers } from '../projections/users/queries';
import { ensureServerBuilt } from './support/built';
import { benchLogDir } from './support/log-generator';
import { median } from './support/measure';

const SEARCHES = 2_000;
/** Rounds of the scan beside the rebuild; the median ratio is reported. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** What a child (bench/support/replay-child.js) measured. */
interface Measured {
  events: number;
  seconds: number;
  maxRssMb: number;
}

function searchLatency(readModelsFile: string, terms: { kind: string; term: string }[]) {
  const db = new Database(readModelsFile, { readonly: true });
  const byKind = new Map<string, number[]>();
  const all: number[] = [];
  let matched = 0;
  // Warm the page cache and the statements once, as a running server would be.
  for (const { term } of terms.slice(0, 50)) searchUsers(db, 'acct-0', { search: term, first: 20 });
  for (const { kind, term } of terms) {
    const start = process.hrtime.bigint();
    const page = searchUsers(db, 'acct-0', { search: term, first: 20 });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    matched += page.totalCount;
    all.push(ms);
    byKind.set(kind, [...(byKind.get(kind) ?? []), ms]);
  }
  const users = db.prepare("SELECT users FROM account_user_counts WHERE account_id = 'acct-0'").pluck().get();
  db.close();
  const pct = (values: number[], p: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number;
  };
  return {
    users,
    averageMatches: Math.round(matched / terms.length),
    p50: pct(all, 0.5),
    p99: pct(all, 0.99),
    kinds: [...byKind].map(([kind, values]) => ({
      kind,
      n: values.length,
      p50: pct(values, 0.5),
      p99: pct(values, 0.99),
    })),
  };
}

function searchTerms(readModelsFile: string): { kind: string; term: string }[] {
  const db = new Database(readModelsFile, { readonly: true });
  const sample = db
    .prepare("SELECT name, email FROM users WHERE account_id = 'acct-0' ORDER BY random() LIMIT ?")
    .all(SEARCHES) as { name: string; email: string }[];
  db.close();
  const kinds = ['last name', 'name fragment', 'email', 'two letters'];
  return sample.map(({ name, email }, i) => {
    const kind = kinds[i % kinds.length] as string;
    const [first, last] = name.split(' ') as [string, string];
    const term =
      kind === 'last name'
        ? last.toUpperCase()
        : kind === 'name fragment'
          ? `${first.slice(1)} ${last.slice(0, 3)}`.toLowerCase()
          : kind === 'email'
            ? email.slice(0, email.indexOf('@'))
            : first.slice(0, 2).toLowerCase();
    return { kind, term };
  });
}

/** One measurement in a fresh child process, so that its peak RSS is its own. */
function child(mode: 'raw' | 'rebuild', ...files: string[]): Measured {
  const out = execFileSync(process.execPath, [path.join(__dirname, 'support', 'replay-child.js'), mode, ...files], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').pop() as string) as Measured;
}

async function main(): Promise<void> {
  // The rebuild runs the built server code, as `seatledger serve` does.
  ensureServerBuilt();
  const { dir, eventsFile, cleanup } = await benchLogDir('seatledger-bench-replay-');
  try {
    const readModelsFile = path.join(dir, 'readmodels.db');
    // This machine's speed drifts by a fifth from minute to minute: each round measures the scan and the rebuild side
    // by side (taking turns going first), and the ratio reported is the median of the rounds'.
    const rounds: { raw: Measured; built: Measured; ratio: number }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const rebuild = () => {
        for (const file of readModelFiles) {
          for (const suffix of ['', '-wal', '-shm'])
            fs.rmSync(`${path.join(dir, file.file)}${suffix}`, { force: true });
        }
        return child('rebuild', eventsFile, dir);
      };
      let raw: Measured;
      let built: Measured;
      if (round % 2 === 0) {
        raw = child('raw', eventsFile);
        built = rebuild();
      } else {
        built = rebuild();
        raw = child('raw', eventsFile);
      }
      const ratio = built.events / built.seconds / (raw.events / raw.seconds);
      rounds.push({ raw, built, ratio });
      console.log(
        `round ${round + 1}: raw scan + JSON.parse ${Math.round(raw.events / raw.seconds).toLocaleString('en')} ` +
          `events/s; rebuild of all ${allProjections.length} projections ${built.events.toLocaleString('en')} ` +
          `events in ${built.seconds.toFixed(2)} s (${Math.round(built.events / built.seconds).toLocaleString('en')} ` +
          `events/s, peak RSS ${Math.round(built.maxRssMb)} MB) → ${ratio.toFixed(3)}× raw`,
      );
    }
    const ratio = median(rounds.map((r) => r.ratio));
    const peakRss = Math.max(...rounds.map((r) => r.built.maxRssMb));
    console.log(
      `rebuild / raw scan, median of ${ROUNDS} rounds: ${ratio.toFixed(3)}× — goal ≥ 0.3× raw: ` +
        `${ratio >= 0.3 ? 'met' : 'NOT met'}`,
    );
    console.log(
      `peak RSS of the rebuild: ${Math.round(peakRss)} MB (raw scan: ${Math.round(rounds[0]?.raw.maxRssMb ?? 0)} MB) — ` +
        `goal ≤ 300 MB: ${peakRss <= 300 ? 'met' : 'NOT met'}`,
    );
    const sizes = readModelFiles.map(
      (file) => `${file.file} ${Math.round(fs.statSync(path.join(dir, file.file)).size / 1e6)} MB`,
    );
    console.log(`read models: ${sizes.join(', ')}`);

    const search = searchLatency(readModelsFile, searchTerms(readModelsFile));
    console.log(
      `user search among ${Number(search.users).toLocaleString('en')} users of one account (first 20 + totalCount, ` +
        `${search.averageMatches} matches on average): p50 ${search.p50.toFixed(2)} ms, p99 ${search.p99.toFixed(2)} ms ` +
        `— goal p50 ≤ 5 ms: ${search.p50 <= 5 ? 'met' : 'NOT met'}`,
    );
    for (const kind of search.kinds) {
      console.log(
        `  ${kind.kind.padEnd(14)} n=${kind.n}  p50 ${kind.p50.toFixed(2)} ms  p99 ${kind.p99.toFixed(2)} ms`,
      );
    }
  } finally {
    cleanup();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
