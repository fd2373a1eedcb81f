// `npm run bench:backup`: `seatledger backup` (the built CLI, as an operator runs it) of a generated 1,000,000-event
// log beside a running server, against a plain file copy of the same database in the same run, with the latency of
// concurrent single assigns measured while each runs (and with nothing running, as the baseline). Goal (issue 20):
// the backup at least 0.5× the speed of the plain copy; the assigns' p99 during the backup in the closing note. The
// backup runs with its default check (quick_check) and once more with --full-check (integrity_check) for comparison.
// BENCH_ROUNDS rounds (default 3), the figures their medians: the VM's disk swings (the same copy took 0.8 s and 2.2 s
// minutes apart), and the copy and the backup take turns going first. BENCH_EVENTS shrinks the log for a quick run;
// BENCH_DIR keeps it between runs (shared with replay and export).
import 'reflect-metadata';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startChildSeatledger, waitUntilReady } from '../test/reliability/support';
import { ASSIGN, createUser, type Gql, purchase, REVOKE, signUpAccount } from '../test/support/seatledger';
import { benchLogDir } from './support/log-generator';
import { median } from './support/measure';

const ROOT = path.join(__dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 8);
const USERS_PER_WORKER = 4;
const BASELINE_MS = Number(process.env.BENCH_BASELINE_MS ?? 3000);

/** Single assigns (each followed by its revoke, untimed) from WORKERS clients, their latencies kept. */
function startWriters(gql: Gql, token: string, users: readonly string[]) {
  let stopped = false;
  let phase: number[] | null = null;
  let errors = 0;
  const worker = async (index: number) => {
    const mine = users.slice(index * USERS_PER_WORKER, (index + 1) * USERS_PER_WORKER);
    for (let turn = 0; !stopped; turn++) {
      const userId = mine[turn % mine.length] as string;
      const start = performance.now();
      const assigned = await gql(ASSIGN, { userId, product: 'WEBINAR' }, token);
      const took = performance.now() - start;
      if (!assigned.data?.assignLicense) errors++;
      else phase?.push(took);
      await gql(REVOKE, { userId, product: 'WEBINAR' }, token);
    }
  };
  const done = Promise.all(Array.from({ length: WORKERS }, (_, i) => worker(i)));
  return {
    /** Latencies from now on go into a fresh list, returned by the next call. */
    measure(): () => number[] {
      const list: number[] = [];
      phase = list;
      return () => {
        if (phase === list) phase = null;
        return list;
      };
    },
    errors: () => errors,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number;
}

/** `node bin/seatledger.js backup`, timed from spawn to exit. */
function backupCommand(
  dataDir: string,
  target: string,
  extra: readonly string[] = [],
): Promise<{ seconds: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, ['bin/seatledger.js', 'backup', target, '--data-dir', dataDir, ...extra], {
      cwd: ROOT,
      env: { PATH: process.env.PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) reject(new Error(`backup failed (${code}): ${stderr}`));
      else resolve({ seconds: (performance.now() - start) / 1000, stdout });
    });
  });
}

/**
 * A plain copy of the log file and its WAL: what `cp` does, not consistent under writes (the bar to compare with);
 * then, timed apart, the fsync that puts its bytes on disk, which the backup does before it exits.
 */
async function plainCopy(dataDir: string, target: string): Promise<{ seconds: number; syncSeconds: number }> {
  const start = performance.now();
  fs.mkdirSync(target);
  const copied: string[] = [];
  for (const name of ['events.db', 'events.db-wal']) {
    const source = path.join(dataDir, name);
    if (!fs.existsSync(source)) continue;
    await fs.promises.copyFile(source, path.join(target, name));
    copied.push(path.join(target, name));
  }
  const seconds = (performance.now() - start) / 1000;
  const syncStart = performance.now();
  for (const file of copied) {
    const handle = await fs.promises.open(file, 'r+');
    await handle.datasync();
    await handle.close();
  }
  return { seconds, syncSeconds: (performance.now() - syncStart) / 1000 };
}

/** No phase pays for the write-back of another's dirty pages: the kernel flushes everything between them. */
function flushPageCache(): void {
  execFileSync('sync');
}

function ensureBuilt(): void {
  const built = path.join(ROOT, 'dist', 'src', 'cli', 'backup.js');
  const stale =
    !fs.existsSync(built) ||
    [
      'src/cli/backup.ts',
      'src/cli/backup-files.ts',
      'src/eventstore/sqlite/log-check.ts',
      'src/eventstore/sqlite/snapshot-copy.ts',
      'src/eventstore/sqlite/snapshot-reader.ts',
    ].some((source) => fs.statSync(path.join(ROOT, source)).mtimeMs > fs.statSync(built).mtimeMs);
  if (stale) {
    console.log('building (npm run build)…');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  }
}

const ms = (n: number) => `${n.toFixed(1)} ms`;

async function main(): Promise<void> {
  ensureBuilt();
  const { dir, eventsFile, cleanup } = await benchLogDir('seatledger-bench-backup-');
  const targets = fs.mkdtempSync(path.join(path.dirname(dir), 'seatledger-bench-backup-targets-'));
  // No reactors: the generated log's assignments would otherwise all become mails on the first start.
  const server = await startChildSeatledger(dir, { args: ['--no-reactors'], timeoutMs: 30 * 60_000 });
  try {
    console.log(`log file: ${(fs.statSync(eventsFile).size / 1e6).toFixed(0)} MB; waiting for the read models…`);
    await waitUntilReady(server.base, 60 * 60_000);
    const owner = await signUpAccount(server.gql, 'Bench');
    await purchase(server.gql, owner.token, WORKERS * USERS_PER_WORKER, 'WEBINAR');
    const users: string[] = [];
    for (let i = 0; i < WORKERS * USERS_PER_WORKER; i++) users.push((await createUser(server.gql, owner.token)).id);

    const writers = startWriters(server.gql, owner.token, users);
    const baselines: number[][] = [];
    const copies: { seconds: number; syncSeconds: number; latencies: number[] }[] = [];
    const backups: { seconds: number; latencies: number[]; stdout: string }[] = [];
    const fullChecked: { seconds: number; stdout: string }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const end = writers.measure();
      await new Promise((resolve) => setTimeout(resolve, BASELINE_MS));
      baselines.push(end());

      // The plain copy and the backup take turns going first: whichever runs second finds the log in the page cache.
      const timeCopy = async () => {
        flushPageCache();
        const ended = writers.measure();
        const copy = await plainCopy(dir, path.join(targets, `copy-${round}`));
        copies.push({ ...copy, latencies: ended() });
      };
      const timeBackup = async () => {
        flushPageCache();
        const ended = writers.measure();
        const backup = await backupCommand(dir, path.join(targets, `backup-${round}`));
        backups.push({ ...backup, latencies: ended() });
      };
      for (const step of round % 2 === 0 ? [timeCopy, timeBackup] : [timeBackup, timeCopy]) await step();

      flushPageCache();
      fullChecked.push(await backupCommand(dir, path.join(targets, `full-${round}`), ['--full-check']));
    }
    await writers.stop();

    const copySeconds = median(copies.map((c) => c.seconds));
    const backupSeconds = median(backups.map((b) => b.seconds));
    const ratio = copySeconds / backupSeconds;
    const p99 = (lists: number[][]) => percentile(lists.flat(), 0.99);
    const count = (lists: number[][]) => lists.flat().length;
    console.log((backups[0]?.stdout ?? '').trim());
    console.log(`plain file copy (cp, not consistent):  ${copySeconds.toFixed(2)} s`);
    console.log(
      `seatledger backup (spawn to exit):     ${backupSeconds.toFixed(2)} s = ${ratio.toFixed(2)}× the plain copy's speed` +
        ` — goal ≥ 0.5×: ${ratio >= 0.5 ? 'met' : 'NOT met'}`,
    );
    // The command prints where its time went: the copy itself, the check of the result, the sync to disk.
    const part = (runs: readonly { stdout: string }[], name: string) =>
      median(runs.map((b) => Number(new RegExp(`${name} ([\\d.]+) s`).exec(b.stdout)?.[1] ?? Number.NaN)));
    const copyOnly = part(backups, 'copy with its quick check');
    console.log(
      `  of which the snapshot copy with its quick check beside it: ${copyOnly.toFixed(2)} s; ` +
        `sync ${part(backups, 'sync to disk').toFixed(2)} s`,
    );
    const syncedSeconds = median(copies.map((c) => c.seconds + c.syncSeconds));
    console.log(
      `plain copy and fsync of it:            ${syncedSeconds.toFixed(2)} s (the backup's bytes are on disk when it ` +
        `exits) = ${(syncedSeconds / backupSeconds).toFixed(2)}×`,
    );
    const fullSeconds = median(fullChecked.map((b) => b.seconds));
    console.log(
      `seatledger backup --full-check:        ${fullSeconds.toFixed(2)} s = ${(copySeconds / fullSeconds).toFixed(2)}× ` +
        `(integrity check ${part(fullChecked, 'integrity check').toFixed(2)} s)`,
    );
    console.log(
      `single assigns, ${WORKERS} clients: p99 ${ms(p99(baselines))} with nothing else (${count(baselines)} assigns), ` +
        `${ms(p99(copies.map((c) => c.latencies)))} during the copy (${count(copies.map((c) => c.latencies))}), ` +
        `${ms(p99(backups.map((b) => b.latencies)))} during the backup (${count(backups.map((b) => b.latencies))}); ` +
        `${writers.errors()} refused`,
    );
  } finally {
    await server.stop();
    fs.rmSync(targets, { recursive: true, force: true });
    cleanup();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
