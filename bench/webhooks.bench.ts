// `npm run bench:webhooks`: webhook deliveries/s beside the raw rate of signing and POSTing the same bodies with
// node's http client, and the p99 of an assign with 5 endpoints subscribed beside one with none, in one run.
// Goals (issue 19): deliveries ≥ 0.7× raw; the assign's p99 with 5 endpoints within 10 % of none.
// seatledger runs in its own child process (as `seatledger serve` runs, reactors included), the raw poster in
// another; the receiver (answering 204 at once) in this one. For the delivery rate, a backlog of BENCH_EVENTS
// LicensePurchased events is written into the log while the server is down, after the endpoint was created: on
// restart the deliverer records and sends the backlog (refused once), then, all recorded, sends it as fast as it
// can. Both sides keep connections alive, as the deliverer does per endpoint (pinned to the address the SSRF guard
// checked; see docs/webhooks.md).
// Knobs: BENCH_EVENTS (default 3000), BENCH_ROUNDS (assign rounds, default 4), BENCH_CPU_PROF=<dir> (profiles of
// the seatledger children).
import { type ChildProcess, fork } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 3000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const ASSIGNS_PER_ROUND = 50;
const RAW_CONCURRENCY = 16;
const ENV = { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' };

// ---------------------------------------------------------------------------------------------------------------
// Children: `webhooks.bench.ts seatledger <data dir>` serves until told to stop; `raw <bodies> <url>` posts and exits.

async function serveSeatledger(dataDir: string): Promise<void> {
  require('reflect-metadata');
  const { startSeatledger } = await import('../src/composition-root');
  const { loadConfig } = await import('../src/config');
  const { createLogger } = await import('../src/logger');
  const config = loadConfig(
    { SEATLEDGER_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'error', ...ENV },
    dataDir,
  );
  const server = await startSeatledger({ config, logger: createLogger({ level: config.logLevel }) });
  process.send?.({ url: server.url });
  process.on('message', async (message) => {
    if (message === 'stop') {
      await server.close();
      process.exit(0);
    }
  });
}

/** Signs and POSTs every body, RAW_CONCURRENCY at once; answers the rate. */
async function rawPoster(bodiesFile: string, url: string): Promise<void> {
  const bodies = JSON.parse(fs.readFileSync(bodiesFile, 'utf8')) as { id: string; body: string }[];
  const key = Buffer.from(Buffer.alloc(32, 1));
  let next = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: RAW_CONCURRENCY });
  const started = process.hrtime.bigint();
  const post = (item: { id: string; body: string }) =>
    new Promise<void>((resolve, reject) => {
      const timestamp = Math.floor(Date.now() / 1000);
      const signature = createHmac('sha256', key).update(`${item.id}.${timestamp}.${item.body}`).digest('base64');
      const request = http.request(
        url,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(item.body),
            'webhook-id': item.id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': `v1,${signature}`,
          },
        },
        (response) => {
          response.resume();
          response.on('end', resolve);
        },
      );
      request.on('error', reject);
      request.end(item.body);
    });
  await Promise.all(
    Array.from({ length: RAW_CONCURRENCY }, async () => {
      while (next < bodies.length) await post(bodies[next++] as { id: string; body: string });
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.send?.({ rate: bodies.length / seconds });
}

// ---------------------------------------------------------------------------------------------------------------
// The parent.

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function forkChild(args: string[]): ChildProcess {
  const cpuProf = args[0] === 'seatledger' && process.env.BENCH_CPU_PROF;
  const child = fork(__filename, args, {
    execArgv: [
      '-r',
      path.join(__dirname, 'register.js'),
      ...(cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`] : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function startServer(dataDir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const child = forkChild(['seatledger', dataDir]);
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { url: string }) => resolve(message.url));
    child.once('exit', (code) => reject(new Error(`seatledger exited (${code}) before serving`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.send('stop');
      }),
  };
}

async function gql<T>(url: string, query: string, variables?: object, token?: string): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors || !body.data) throw new Error(`request failed: ${JSON.stringify(body.errors)}`);
  return body.data;
}

async function signUp(url: string, name: string): Promise<{ token: string; accountId: string }> {
  const data = await gql<{ signUp: { token: string; account: { id: string } } }>(
    url,
    'mutation ($input: SignUpInput!) { signUp(input: $input) { token account { id } } }',
    {
      input: {
        accountName: name,
        ownerName: `${name} Owner`,
        ownerEmail: `${name.toLowerCase().replace(/\W/g, '')}-${process.pid}@bench.test`,
        password: 'bench password 123',
      },
    },
  );
  return { token: data.signUp.token, accountId: data.signUp.account.id };
}

const CREATE = 'mutation ($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }';
const PURCHASE = `mutation { purchaseLicenses(input: { product: VIDEO_MEETING, plan: "video-standard", quantity: 10 }) {
  subscription { id } } }`;
const ASSIGN = 'mutation ($u: ID!) { assignLicense(input: { userId: $u, product: VIDEO_MEETING }) { user { id } } }';
const REVOKE = 'mutation ($u: ID!) { revokeLicense(input: { userId: $u, product: VIDEO_MEETING }) { user { id } } }';

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seatledger-bench-webhooks-'));
  // The receiver: counts deliveries per path, answers 204 at once.
  const arrivals = new Map<string, number[]>();
  let refusing = false;
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const list = arrivals.get(req.url ?? '/') ?? [];
      list.push(performance.now());
      arrivals.set(req.url ?? '/', list);
      res.writeHead(refusing ? 503 : 204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  try {
    // 1. The backlog: an endpoint, then EVENTS purchases written straight into the log while the server is down.
    let server = await startServer(dir);
    const backlog = await signUp(server.url, 'Backlog');
    await gql(
      server.url,
      CREATE,
      { input: { url: `${base}/backlog`, eventTypes: ['LicensePurchased'] } },
      backlog.token,
    );
    await gql(server.url, PURCHASE, undefined, backlog.token);
    await server.stop();
    const { openSqliteEventStore } = await import('../src/eventstore/sqlite');
    const { subscriptionStream } = await import('../src/domain/streams');
    const store = openSqliteEventStore({ file: path.join(dir, 'events.db') });
    const stream = subscriptionStream(backlog.accountId, 'VIDEO_MEETING');
    for (let written = 0; written < EVENTS; written += 500) {
      const batch = Array.from({ length: Math.min(500, EVENTS - written) }, () => ({
        id: randomUUID(),
        type: 'LicensePurchased',
        data: { accountId: backlog.accountId, product: 'VIDEO_MEETING', planId: 'video-standard', quantity: 1 },
        metadata: {
          accountId: backlog.accountId,
          actorId: 'bench',
          occurredAt: new Date().toISOString(),
          correlationId: randomUUID(),
          causationId: randomUUID(),
          schemaVersion: 1,
        },
      }));
      await store.appendToStream(stream, batch, { expectedRevision: 'any' });
    }
    const { toExportedEvent } = await import('../src/cli/export');
    const bodies: { id: string; body: string }[] = [];
    for await (const event of store.readStream(stream)) {
      if (event.revision >= 2) bodies.push({ id: event.id, body: JSON.stringify(toExportedEvent(event)) });
    }
    await store.close();
    const bodiesFile = path.join(dir, 'bodies.json');
    fs.writeFileSync(bodiesFile, JSON.stringify(bodies));

    // 2. Deliveries/s, twice. First the server restarts and catches up: it records a delivery per event (beside the
    // read models and the other reactors folding the same backlog) while sending them; the receiver refuses that
    // pass (503). Then, stopped, every recorded delivery is made due now, and the restarted server only sends.
    const wait = async (count: number) => {
      const deadline = Date.now() + 300_000;
      while ((arrivals.get('/backlog')?.length ?? 0) < count && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const rateOf = (got: number[]) => (got.length - 1) / (((got.at(-1) as number) - (got[0] as number)) / 1000);
    const before = arrivals.get('/backlog')?.length ?? 0;
    refusing = true;
    server = await startServer(dir);
    await wait(before + bodies.length);
    const catchUpRate = rateOf((arrivals.get('/backlog') ?? []).slice(before));
    await server.stop();
    refusing = false;
    const notifications = new Database(path.join(dir, 'notifications.db'));
    notifications.prepare(`UPDATE webhook_deliveries SET next_attempt_at = 0 WHERE status = 'PENDING'`).run();
    notifications.close();
    const recorded = arrivals.get('/backlog')?.length ?? 0;
    server = await startServer(dir);
    await wait(recorded + bodies.length);
    const deliveryRate = rateOf((arrivals.get('/backlog') ?? []).slice(recorded));

    // 3. The raw rate, in a child of its own, to the same receiver.
    const raw = forkChild(['raw', bodiesFile, `${base}/raw`]);
    const rawRate = await new Promise<number>((resolve) =>
      raw.once('message', (m: { rate: number }) => resolve(m.rate)),
    );

    // 4. An assign's latency: an account with 5 endpoints (every event) beside one with none, interleaved rounds.
    const accounts = [];
    for (const [name, endpoints] of [
      ['Quiet', 0],
      ['Hooked', 5],
    ] as const) {
      const account = await signUp(server.url, name);
      await gql(server.url, PURCHASE, undefined, account.token);
      const user = await gql<{ createUser: { user: { id: string } } }>(
        server.url,
        'mutation ($input: CreateUserInput!) { createUser(input: $input) { user { id } } }',
        { input: { email: `${name}-member-${process.pid}@bench.test`, name: `${name} Member` } },
        account.token,
      );
      for (let e = 0; e < endpoints; e++) {
        await gql(server.url, CREATE, { input: { url: `${base}/hooked-${e}` } }, account.token);
      }
      accounts.push({ name, token: account.token, userId: user.createUser.user.id, latencies: [] as number[] });
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const account of accounts) {
        for (let i = 0; i < ASSIGNS_PER_ROUND; i++) {
          const started = performance.now();
          await gql(server.url, ASSIGN, { u: account.userId }, account.token);
          account.latencies.push(performance.now() - started);
          await gql(server.url, REVOKE, { u: account.userId }, account.token);
        }
      }
    }
    await server.stop();

    const [quiet, hooked] = accounts as [(typeof accounts)[number], (typeof accounts)[number]];
    const p99Quiet = percentile(quiet.latencies, 99);
    const p99Hooked = percentile(hooked.latencies, 99);
    const lines = [
      `webhooks bench (${bodies.length} backlog events, ${ROUNDS}×${ASSIGNS_PER_ROUND} assigns per account, ${os.cpus().length} cores)`,
      `  deliveries/s      ${deliveryRate.toFixed(0)}   raw sign+POST/s ${rawRate.toFixed(0)}   ratio ${(deliveryRate / rawRate).toFixed(2)}× (goal ≥ 0.70×)`,
      `  while catching up ${catchUpRate.toFixed(0)}/s (recording each delivery as the backlog is folded by every processor)`,
      `  assign p99        none ${p99Quiet.toFixed(1)} ms   5 endpoints ${p99Hooked.toFixed(1)} ms   added ${(((p99Hooked - p99Quiet) / p99Quiet) * 100).toFixed(1)} % (goal ≤ 10 %)`,
      `  assign p50        none ${percentile(quiet.latencies, 50).toFixed(1)} ms   5 endpoints ${percentile(hooked.latencies, 50).toFixed(1)} ms`,
    ];
    console.log(lines.join('\n'));
  } finally {
    receiver.closeAllConnections();
    receiver.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const [kind, arg1, arg2] = process.argv.slice(2);
if (kind === 'seatledger') void serveSeatledger(arg1 as string);
else if (kind === 'raw') void rawPoster(arg1 as string, arg2 as string).then(() => process.exit(0));
else
  void main().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
