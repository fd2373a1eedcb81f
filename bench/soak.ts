// `npm run soak` (not part of npm test): mixed load at a fixed rate against the real server (`seatledger serve` as a
// child process on a temp data dir) for SOAK_SECONDS (default 600), printing throughput, p50/p99 latency, errors and
// the server's RSS each SOAK_REPORT_SECONDS (default 60). At the end it says whether RSS levelled off: the peak of the
// last third of the run against the peak of the middle third (exit 1 when it grew by more than SOAK_RSS_GROWTH, 10%).
// Open loop: requests start on schedule whether or not earlier ones have answered (up to SOAK_MAX_IN_FLIGHT; what
// could not start is counted as skipped), so a slow server shows as latency, not as a politely lower rate.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const RATE = Number(process.env.SOAK_RATE ?? 150);
const REPORT_SECONDS = Number(process.env.SOAK_REPORT_SECONDS ?? 60);
const MAX_IN_FLIGHT = Number(process.env.SOAK_MAX_IN_FLIGHT ?? 200);
const RSS_GROWTH = Number(process.env.SOAK_RSS_GROWTH ?? 0.1);
const ACCOUNTS = 8;
const USERS_PER_ACCOUNT = 30;
const SEATS = 20;
const SECRET = 'soak-test-secret-that-is-long-enough-0123456789';
const ROOT = path.resolve(__dirname, '..');

const ASSIGN = `mutation ($u: ID!, $p: Product!) { assignLicense(input: { userId: $u, product: $p }) {
  seats { assigned available } } }`;
const REVOKE = `mutation ($u: ID!, $p: Product!) { revokeLicense(input: { userId: $u, product: $p }) {
  seats { assigned available } } }`;
const READS = [
  '{ seatAvailability(product: VIDEO_MEETING) { purchased assigned available } }',
  'query ($s: String) { users(first: 20, search: $s) { totalCount edges { node { name licenses { product plan { id } } } } } }',
  '{ me { id name entitlements } account { name subscriptions { product seats { available } } } }',
  '{ licenseHistory(first: 20) { edges { node { type occurredAt user { name } } } } }',
];

interface Account {
  readonly token: string;
  readonly users: string[];
  readonly held: Set<string>;
}

function startServer(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'seatledger.js'), 'serve'], {
    cwd: ROOT,
    env: { ...process.env, SEATLEDGER_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', AUTH_SECRET: SECRET },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /serving GraphQL at (\S+)/.exec(out);
      if (match?.[1]) {
        child.stdout?.removeAllListeners('data');
        child.stdout?.resume();
        resolve({ child, url: match[1] });
      }
    });
    child.once('exit', (code) => reject(new Error(`seatledger serve exited with ${code}`)));
  });
}

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

// biome-ignore lint/suspicious/noExplicitAny: the answer's shape is the query's
type Data = any;

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'seatledger-soak-'));
  const { child, url } = await startServer(dataDir);
  const pid = child.pid as number;
  const gql = async (query: string, variables?: Record<string, unknown>, token?: string) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: Data; errors?: { extensions?: { code?: string } }[] };
  };
  const must = async (query: string, variables?: Record<string, unknown>, token?: string) => {
    const result = await gql(query, variables, token);
    if (result.errors?.length) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };

  process.stdout.write(`soak: ${SECONDS} s at ${RATE} requests/s against ${url} (data ${dataDir})\n`);
  const accounts: Account[] = [];
  for (let a = 0; a < ACCOUNTS; a++) {
    const signUp = await must('mutation ($i: SignUpInput!) { signUp(input: $i) { token } }', {
      i: {
        accountName: `Soak ${a}`,
        ownerName: `Owner ${a}`,
        ownerEmail: `owner.${a}.${randomUUID()}@soak.test`,
        password: 'a-long-soak-password',
      },
    });
    const token = signUp.signUp.token as string;
    for (const [product, plan] of [
      ['VIDEO_MEETING', 'video-standard'],
      ['WEBINAR', 'webinar-100'],
    ]) {
      await must(
        'mutation ($p: Product!, $plan: ID!, $q: Int!) { purchaseLicenses(input: { product: $p, plan: $plan, quantity: $q }) { subscription { id } } }',
        { p: product, plan, q: SEATS },
        token,
      );
    }
    const users: string[] = [];
    for (let u = 0; u < USERS_PER_ACCOUNT; u++) {
      const created = await must(
        'mutation ($i: CreateUserInput!) { createUser(input: $i) { user { id } } }',
        { i: { email: `user.${a}.${u}.${randomUUID().slice(0, 6)}@soak.test`, name: `Soak User ${a}-${u}` } },
        token,
      );
      users.push(created.createUser.user.id);
    }
    accounts.push({ token, users, held: new Set() });
  }

  const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
  /** One request of the mix: 55% reads, 38% assign or revoke, 4% buy one seat, 3% add a user. */
  const oneRequest = async (): Promise<string | null> => {
    const account = pick(accounts);
    const roll = Math.random();
    let result: { errors?: { extensions?: { code?: string } }[] };
    if (roll < 0.55) {
      const query = pick(READS);
      result = await gql(
        query,
        query.includes('$s') ? { s: pick(['', 'soak', 'user 1', 'ow']) } : undefined,
        account.token,
      );
    } else if (roll < 0.93) {
      const userId = pick(account.users);
      const product = pick(['VIDEO_MEETING', 'WEBINAR']);
      const key = `${userId} ${product}`;
      const holds = account.held.has(key);
      result = await gql(holds ? REVOKE : ASSIGN, { u: userId, p: product }, account.token);
      const code = result.errors?.[0]?.extensions?.code;
      if (!code) holds ? account.held.delete(key) : account.held.add(key);
      else if (code === 'ALREADY_ASSIGNED') account.held.add(key);
      else if (code === 'NOT_ASSIGNED') account.held.delete(key);
      // Refusals the domain gives under this load are answers, not failures.
      if (code === 'NO_SEATS_AVAILABLE' || code === 'ALREADY_ASSIGNED' || code === 'NOT_ASSIGNED') return null;
    } else if (roll < 0.97) {
      result = await gql(
        'mutation { purchaseLicenses(input: { product: WEBINAR, plan: "webinar-100", quantity: 1 }) { subscription { id } } }',
        undefined,
        account.token,
      );
    } else {
      result = await gql(
        'mutation ($i: CreateUserInput!) { createUser(input: $i) { user { id } } }',
        { i: { email: `late.${randomUUID()}@soak.test`, name: 'Late Joiner' } },
        account.token,
      );
    }
    return result.errors?.[0]?.extensions?.code ?? null;
  };

  interface Window {
    latencies: number[];
    done: number;
    errors: Map<string, number>;
    skipped: number;
  }
  const fresh = (): Window => ({ latencies: [], done: 0, errors: new Map(), skipped: 0 });
  let window = fresh();
  let inFlight = 0;
  let issued = 0;
  const rssByReport: number[] = [];
  const started = performance.now();
  let windowStarted = started;

  const fire = () => {
    if (inFlight >= MAX_IN_FLIGHT) {
      window.skipped++;
      return;
    }
    inFlight++;
    const t0 = performance.now();
    const counted = window;
    oneRequest()
      .then((code) => {
        if (code) counted.errors.set(code, (counted.errors.get(code) ?? 0) + 1);
      })
      .catch((error: Error) => {
        const code = error.message.slice(0, 40);
        counted.errors.set(code, (counted.errors.get(code) ?? 0) + 1);
      })
      .finally(() => {
        inFlight--;
        counted.done++;
        counted.latencies.push(performance.now() - t0);
      });
  };

  const report = () => {
    const now = performance.now();
    const seconds = (now - windowStarted) / 1000;
    const sorted = window.latencies.sort((x, y) => x - y);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    const rss = rssMb(pid);
    rssByReport.push(rss);
    const errors = [...window.errors].map(([code, n]) => `${code}:${n}`).join(' ') || 'none';
    process.stdout.write(
      `${String(Math.round((now - started) / 1000)).padStart(5)} s  ${(window.done / seconds).toFixed(1).padStart(7)} req/s` +
        `  p50 ${at(0.5).toFixed(1).padStart(6)} ms  p99 ${at(0.99).toFixed(1).padStart(7)} ms` +
        `  RSS ${rss.toFixed(1).padStart(6)} MB  skipped ${window.skipped}  errors ${errors}\n`,
    );
    window = fresh();
    windowStarted = now;
  };

  process.stdout.write('  time   throughput      latency p50      latency p99      server RSS\n');
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const elapsed = (performance.now() - started) / 1000;
      const due = Math.floor(Math.min(elapsed, SECONDS) * RATE);
      while (issued < due) {
        issued++;
        fire();
      }
      if (elapsed >= SECONDS) {
        clearInterval(tick);
        resolve();
      }
    }, 5);
    const reporter = setInterval(report, REPORT_SECONDS * 1000);
    setTimeout(() => clearInterval(reporter), SECONDS * 1000 - 1);
  });
  while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  if (window.done > 0) report();

  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  fs.rmSync(dataDir, { recursive: true, force: true });

  const third = Math.floor(rssByReport.length / 3);
  if (third < 1) {
    process.stdout.write(`RSS ${rssByReport.map((r) => r.toFixed(0)).join(' → ')} MB (too short a run to judge)\n`);
    return;
  }
  const middle = Math.max(...rssByReport.slice(third, 2 * third));
  const last = Math.max(...rssByReport.slice(2 * third));
  const growth = last / middle - 1;
  const verdict = growth <= RSS_GROWTH ? 'levelled off' : 'STILL GROWING';
  process.stdout.write(
    `RSS peak ${middle.toFixed(1)} MB in the middle third, ${last.toFixed(1)} MB in the last: ` +
      `${(growth * 100).toFixed(1)}% (limit ${(RSS_GROWTH * 100).toFixed(0)}%): ${verdict}\n`,
  );
  if (growth > RSS_GROWTH) process.exitCode = 1;
}

main().catch((error) => {
  process.stderr.write(`soak failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
