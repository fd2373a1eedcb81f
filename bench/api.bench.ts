// `npm run bench:api`: requests/s and latencies of the GraphQL API under autocannon (16 connections), beside a bare
// Apollo Server 5 answering `{ hello }` and raw durable SQLite commits, all in one run, printed as ratios.
// Goals: seatAvailability ≥ 0.85× the bare figure (issue 12); assign/revoke with read-your-writes over 16 accounts at
// once, one connection each, ≥ 0.25× (issue 12), and on one hot account, 16 connections, ≥ 0.25× (issue 17). As hard as an admin's day: each connection signs in as its own account's owner,
// asks for what the console shows after a click (licence, assigner, entitlements, seats), and every assignment mails
// its user (the reactors run, as in `seatledger serve`).
// Each server runs in its own child process (bench/support/serve-child.js), autocannon in this one. Both run as in
// production: plain compiled JavaScript under node, no ts-node; ours is the built dist/ (`seatledger serve`'s code,
// built first when a source is newer). The machine is shared, so each scenario runs in ROUNDS short rounds, each
// bracketed by bare runs just before and after: a round's ratio is its figure over the mean of those two, and the
// median round ratio is the verdict.
// Knobs: BENCH_SECONDS (default 10), BENCH_CPU_PROF=<dir> (CPU profiles of both children, seatledger-*.cpuprofile
// and bare-*.cpuprofile), BENCH_ONLY=query|mutation (profile one kind of load; ratios then cover only what ran), or
// BENCH_ONLY=uncached: seatAvailability with a new body each time (an unused variable counts up), so that no answer
// is reused (docs/answer-cache.md) and what is measured is the whole GraphQL path, as for the first read after a write.
// A round of assign/revoke lasts until its mails are out, not only until its answers are: every mutation's mail
// (written to the outbox by the notifier, behind the answers) must be sent before the round's clock stops, as it
// must be on a day that lasts. The verdict is that sustained rate; the rate of answers alone is printed beside it.
// (Left out, the mails of a round went out during the bare run after it, slowing that run and flattering the ratio
// twice over.) Runs back to back: give the disk 30 s between them. Here (ext4 without a journal) creating a file
// costs ~15× its usual system time for up to 30 s after a run deleted its data dir, and every mail is a new file.
// Each round also reports the seatledger child's CPU time per request (user + system, until the round's mails are
// out), and the bare child's over its own runs: their ratio (bare µs over ours) is what the req/s ratio would be on
// an idle machine with the server's core to itself, and it holds up on a busy machine where wall-clock rates swing
// 5× (CPU per request grows too when the machine is busy, 2–3× under a load of 15, but for both children alike
// within a round).
import { type ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { ensureServerBuilt } from './support/built';
import { median } from './support/measure';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = 2;
const ROUNDS = 3;
const CONNECTIONS = 16;
const ACCOUNTS = 16;
const USERS_PER_ACCOUNT = 4;
/** The hot-account scenario: every connection on one account, each on a user of its own. */
const HOT_ACCOUNT_USERS = CONNECTIONS + 4;

// ---------------------------------------------------------------------------------------------------------------
// The parent: starts children, prepares accounts over HTTP, measures.

interface Server {
  readonly url: string;
  /** The child's CPU time so far (all its threads) and its main thread's busy time, µs. */
  usage(): Promise<Usage>;
  stop(): Promise<void>;
}

// A failed run never leaves a server behind.
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

async function start(kind: 'bare' | 'seatledger', dataDir?: string): Promise<Server> {
  const cpuProf = process.env.BENCH_CPU_PROF;
  const child: ChildProcess = fork(
    path.join(__dirname, 'support', 'serve-child.js'),
    [kind, ...(dataDir ? [dataDir] : [])],
    {
      execArgv: cpuProf
        ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`, `--cpu-prof-name=${kind}-${Date.now()}.cpuprofile`]
        : [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  children.add(child);
  child.once('exit', () => children.delete(child));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { url: string }) => resolve(message.url));
    child.once('exit', (code) => reject(new Error(`${kind} server exited (${code}) before serving`)));
  });
  return {
    url,
    usage: () =>
      new Promise<Usage>((resolve) => {
        const onMessage = (message: Partial<Usage>) => {
          if (message.cpu === undefined || message.loop === undefined) return;
          child.off('message', onMessage);
          resolve({ cpu: message.cpu, loop: message.loop });
        };
        child.on('message', onMessage);
        child.send('cpu');
      }),
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
  if (body.errors || !body.data) throw new Error(`setup failed: ${JSON.stringify(body.errors)}`);
  return body.data;
}

interface Member {
  readonly userId: string;
  /** The owner's token of the member's account. */
  readonly token: string;
}

/** A connection's autocannon context: its pool of users, and the user it is cycling right now. */
interface Cycle {
  pool?: Member[];
  member?: Member;
  token?: string;
}

/** Accounts with seats for every user, and users that hold nothing yet; account 0 is the hot one. */
async function prepare(url: string): Promise<{ tokens: string[]; members: Member[] }> {
  const members: Member[] = [];
  const tokens: string[] = [];
  for (let a = 0; a < ACCOUNTS; a++) {
    const signUp = await gql<{ signUp: { token: string } }>(
      url,
      'mutation ($input: SignUpInput!) { signUp(input: $input) { token } }',
      {
        input: {
          accountName: `Bench ${a}`,
          ownerName: `Owner ${a}`,
          ownerEmail: `owner-${a}-${process.pid}@bench.test`,
          password: 'bench-password-long',
        },
      },
    );
    const token = signUp.signUp.token;
    tokens.push(token);
    await gql(
      url,
      'mutation ($q: Int!) { purchaseLicenses(input: { product: VIDEO_MEETING, plan: "video-pro", quantity: $q }) { subscription { id } } }',
      { q: a === 0 ? HOT_ACCOUNT_USERS : USERS_PER_ACCOUNT },
      token,
    );
    const users = a === 0 ? HOT_ACCOUNT_USERS : USERS_PER_ACCOUNT;
    for (let u = 0; u < users; u++) {
      const created = await gql<{ createUser: { user: { id: string } } }>(
        url,
        'mutation ($input: CreateUserInput!) { createUser(input: $input) { user { id } } }',
        { input: { email: `user-${a}-${u}-${process.pid}@bench.test`, name: `User ${a} ${u}` } },
        token,
      );
      members.push({ userId: created.createUser.user.id, token });
    }
  }
  return { tokens, members };
}

interface Figures {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly requests: number;
}

async function cannon(options: autocannon.Options, seconds = SECONDS): Promise<Figures> {
  const result = await autocannon({ connections: CONNECTIONS, pipelining: 1, ...options, duration: seconds });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    requests: result.requests.total,
  };
}

const post = (body: object, token?: string) => ({
  method: 'POST' as const,
  headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  body: JSON.stringify(body),
});

/**
 * Each connection assigns a licence to a user that holds none, then revokes it, then takes the next free user of its
 * pool. `pools` has one pool per connection (its own account), or one pool all connections share (the hot account):
 * either way two connections never work on the same user at once.
 */
function assignRevokeCycle(
  url: string,
  pools: readonly (readonly Member[])[],
  onGraphQLError: () => void,
): autocannon.Options {
  const shared = pools.length === 1;
  const free = pools.map((pool) => [...pool]);
  if (shared ? (free[0] as Member[]).length < CONNECTIONS + 1 : pools.length < CONNECTIONS) {
    throw new Error('the cycle needs a pool per connection, or more users than connections in one pool');
  }
  let nextPool = 0;
  const payload =
    'license { plan { id } assignedAt assignedBy { name } } user { entitlements } seats { assigned available }';
  const assign = `mutation ($u: ID!) { assignLicense(input: { userId: $u, product: VIDEO_MEETING }) { ${payload} } }`;
  const revoke =
    'mutation ($u: ID!) { revokeLicense(input: { userId: $u, product: VIDEO_MEETING }) { user { entitlements } seats { assigned available } } }';
  const check = (body: string) => {
    if (body.includes('"errors"')) onGraphQLError();
  };
  return {
    url,
    requests: [
      {
        setupRequest: (request, context) => {
          const cycle = context as Cycle;
          cycle.pool ??= free[shared ? 0 : nextPool++ % free.length];
          const member = cycle.pool?.shift() as Member;
          cycle.member = member;
          return { ...request, ...post({ query: assign, variables: { u: member.userId } }, member.token) };
        },
        onResponse: (_status, body) => check(body),
      },
      {
        setupRequest: (request, context) => {
          const { member } = context as Required<Cycle>;
          return { ...request, ...post({ query: revoke, variables: { u: member.userId } }, member.token) };
        },
        onResponse: (_status, body, context) => {
          check(body);
          const { pool, member } = context as Required<Cycle>;
          pool.push(member);
        },
      },
    ],
  };
}

/**
 * Each connection reads the seats of its own account, as many admins' consoles do. `uncached`: each body differs (a
 * variable the query does not declare, which GraphQL ignores), so the server never reuses an answer.
 */
function seatQuery(url: string, tokens: readonly string[], uncached = false): autocannon.Options {
  let next = 0;
  let sent = 0;
  const query = '{ seatAvailability(product: VIDEO_MEETING) { purchased assigned available } }';
  return {
    url,
    requests: [
      {
        setupRequest: (request, context) => {
          const cycle = context as Cycle;
          cycle.token ??= tokens[next++ % tokens.length];
          return { ...request, ...post(uncached ? { query, variables: { n: sent++ } } : { query }, cycle.token) };
        },
      },
    ],
  };
}

/** A run stops mid-cycle: revoke whatever is still assigned, so the next run starts with every user free. */
async function releaseAll(url: string, members: readonly Member[]): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 500));
  const revoke =
    'mutation ($u: ID!) { revokeLicense(input: { userId: $u, product: VIDEO_MEETING }) { seats { assigned } } }';
  for (const member of members) {
    await gql(url, revoke, { u: member.userId }, member.token).catch(() => undefined);
  }
}

/** The disk's ceiling at the log's durability: single-row autocommit inserts, WAL, synchronous=FULL. */
function rawDurableCommitsPerSecond(dir: string): number {
  const db = new Database(path.join(dir, `raw-${Date.now()}.db`));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE raw (position INTEGER PRIMARY KEY, data TEXT)');
  const insert = db.prepare('INSERT INTO raw (data) VALUES (?)');
  const start = performance.now();
  let count = 0;
  while (performance.now() - start < 1500) {
    insert.run(JSON.stringify({ userId: 'user-42', product: 'VIDEO_MEETING', planId: 'video-pro', n: count }));
    count++;
  }
  const perSecond = count / ((performance.now() - start) / 1000);
  db.close();
  return perSecond;
}

const fmt = (figures: Figures) =>
  `${figures.requestsPerSecond.toFixed(0).padStart(7)} req/s   p50 ${String(figures.p50).padStart(4)} ms   p99 ${String(
    figures.p99,
  ).padStart(4)} ms   (${figures.requests} requests, ${figures.errors} errors)`;

interface Scenario {
  readonly name: string;
  readonly goal?: number;
  readonly options: () => autocannon.Options;
  /** Before each run: e.g. free every user a stopped cycle left assigned. */
  readonly reset?: () => Promise<void>;
  /** GraphQL errors (HTTP 200) seen since the last reset. */
  readonly graphqlErrors?: () => number;
  /** Resolves once the mails the requests so far caused are out (scenarios whose requests mail). */
  readonly mailsOut?: () => Promise<void>;
}

/** A child's CPU time (all threads) and its main thread's busy time, µs: so far, or per request. */
interface Usage {
  readonly cpu: number;
  readonly loop: number;
}

/** Per request between two readings. */
const perRequest = (before: Usage, after: Usage, requests: number): Usage => ({
  cpu: (after.cpu - before.cpu) / Math.max(1, requests),
  loop: (after.loop - before.loop) / Math.max(1, requests),
});

interface Round {
  readonly figures: Figures;
  /** Requests over the time until their answers and their mails were all out (the figures' rate where none mail). */
  readonly sustained: number;
  /** The bare server's req/s around the round (the mean of the runs just before and after). */
  readonly bare: number;
  readonly ratio: number;
  /** The seatledger child's usage per request. */
  readonly perRequest: Usage;
  /** The bare child's usage per request around the round (the mean of the runs just before and after). */
  readonly barePerRequest: Usage;
}

interface ScenarioResult {
  readonly scenario: Scenario;
  readonly rounds: readonly Round[];
  readonly graphqlErrors: number;
}

/** A bare run, with the bare child's usage per request over it. */
interface BareRun extends Figures {
  readonly perRequest: Usage;
}

/**
 * Resolves once every licence event in the log has its mail out (sent, or failed for good): the notifier's deliveries
 * in notifications.db against LicenseAssigned and LicenseRevoked in the log, both read beside the running server.
 */
async function mailsOut(dataDir: string): Promise<void> {
  const events = new Database(path.join(dataDir, 'events.db'), { readonly: true });
  const notifications = new Database(path.join(dataDir, 'notifications.db'), { readonly: true });
  try {
    const expected = events
      .prepare(`SELECT COUNT(*) FROM events WHERE type IN ('LicenseAssigned', 'LicenseRevoked')`)
      .pluck()
      .get() as number;
    const done = notifications
      .prepare(`SELECT COUNT(*) FROM deliveries WHERE status <> 'PENDING' AND kind LIKE 'LICENSE_%'`)
      .pluck();
    const deadline = Date.now() + 10 * 60_000;
    while ((done.get() as number) < expected) {
      if (Date.now() > deadline) throw new Error(`mails still not out after 10 minutes (${done.get()}/${expected})`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    events.close();
    notifications.close();
  }
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY;
  const roundSeconds = Math.max(1, Math.round(SECONDS / ROUNDS));
  ensureServerBuilt();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seatledger-api-bench-'));
  try {
    console.log(
      `api bench: ${CONNECTIONS} connections; each scenario ${ROUNDS} rounds of ${roundSeconds} s, bare runs between rounds`,
    );
    const diskBefore = rawDurableCommitsPerSecond(dir);
    const bare = await start('bare');
    const bareOptions = () => ({ url: bare.url, ...post({ query: '{ hello }' }) });
    const bareRun = async (): Promise<BareRun> => {
      const before = await bare.usage();
      const figures = await cannon(bareOptions(), roundSeconds);
      return { ...figures, perRequest: perRequest(before, await bare.usage(), figures.requests) };
    };
    await cannon(bareOptions(), WARMUP_SECONDS);
    let lastBare = await bareRun();
    const bareRuns: BareRun[] = [lastBare];

    const dataDir = path.join(dir, 'data');
    const seatledger = await start('seatledger', dataDir);
    const { tokens, members } = await prepare(seatledger.url);
    const byAccount = tokens.map((token) => members.filter((member) => member.token === token));

    let cycleErrors = 0;
    const cycle = (name: string, pools: readonly (readonly Member[])[], goal?: number): Scenario => ({
      name,
      ...(goal === undefined ? {} : { goal }),
      options: () => assignRevokeCycle(seatledger.url, pools, () => cycleErrors++),
      reset: async () => {
        await releaseAll(seatledger.url, pools.flat());
        cycleErrors = 0;
      },
      graphqlErrors: () => cycleErrors,
      mailsOut: () => mailsOut(dataDir),
    });
    const scenarios: Scenario[] = [];
    if (only === 'uncached') {
      scenarios.push({
        name: `seatAvailability uncached, ${ACCOUNTS} accounts`,
        options: () => seatQuery(seatledger.url, tokens, true),
      });
    } else if (only !== 'mutation') {
      scenarios.push({
        name: `seatAvailability, ${ACCOUNTS} accounts`,
        goal: 0.85,
        options: () => seatQuery(seatledger.url, tokens),
      });
    }
    if (only !== 'query' && only !== 'uncached') {
      // Many accounts, as a shared server sees them: appends to different streams share a commit.
      scenarios.push(cycle(`assign/revoke, ${ACCOUNTS} accounts`, byAccount, 0.25));
      // The worst case: every connection on one account, so every write queues on one subscription stream.
      scenarios.push(cycle('assign/revoke, 1 hot account', [byAccount[0] as Member[]], 0.25));
    }

    const results: ScenarioResult[] = [];
    for (const scenario of scenarios) {
      await scenario.reset?.();
      await cannon(scenario.options(), WARMUP_SECONDS);
      const rounds: Round[] = [];
      let graphqlErrors = 0;
      for (let round = 0; round < ROUNDS; round++) {
        await scenario.reset?.();
        // Each round starts with nothing left to send, and its clock runs until its own mails are out.
        await scenario.mailsOut?.();
        const before = await seatledger.usage();
        const started = performance.now();
        const figures = await cannon(scenario.options(), roundSeconds);
        await scenario.mailsOut?.();
        const rate = scenario.mailsOut
          ? figures.requests / ((performance.now() - started) / 1000)
          : figures.requestsPerSecond;
        // Once its mails are out: the work a round leaves queued is counted with it.
        const ours = perRequest(before, await seatledger.usage(), figures.requests);
        graphqlErrors += scenario.graphqlErrors?.() ?? 0;
        const bareBefore = lastBare;
        lastBare = await bareRun();
        bareRuns.push(lastBare);
        const around = (bareBefore.requestsPerSecond + lastBare.requestsPerSecond) / 2;
        const bareAround = {
          cpu: (bareBefore.perRequest.cpu + lastBare.perRequest.cpu) / 2,
          loop: (bareBefore.perRequest.loop + lastBare.perRequest.loop) / 2,
        };
        rounds.push({
          figures,
          sustained: rate,
          bare: around,
          ratio: rate / around,
          perRequest: ours,
          barePerRequest: bareAround,
        });
        console.log(
          `${`${scenario.name}, round ${round + 1}`.padEnd(36)}${fmt(figures)}${
            scenario.mailsOut ? `, mails out: ${rate.toFixed(0)} req/s` : ''
          }   bare ${around.toFixed(0)} req/s → ${(rate / around).toFixed(2)}   server CPU ${ours.cpu.toFixed(0)} µs/request (main thread ${ours.loop.toFixed(0)}), bare ${bareAround.cpu.toFixed(
            0,
          )} (${bareAround.loop.toFixed(0)}) → CPU ratio ${(bareAround.cpu / ours.cpu).toFixed(2)}, main-thread ratio ${(
            bareAround.loop / ours.loop
          ).toFixed(2)}`,
        );
      }
      results.push({ scenario, rounds, graphqlErrors });
    }
    await seatledger.stop();
    await bare.stop();
    const diskAfter = rawDurableCommitsPerSecond(dir);

    const bareMean = bareRuns.reduce((sum, run) => sum + run.requestsPerSecond, 0) / bareRuns.length;
    const disk = (diskBefore + diskAfter) / 2;
    console.log('');
    console.log(
      `${'bare Apollo { hello }'.padEnd(36)}${bareMean.toFixed(0)} req/s mean of ${bareRuns.length} runs (${bareRuns
        .map((run) => run.requestsPerSecond.toFixed(0))
        .join(', ')}), p99 ${Math.max(...bareRuns.map((run) => run.p99))} ms, server CPU ${median(
        bareRuns.map((run) => run.perRequest.cpu),
      ).toFixed(0)} µs/request, main thread ${median(bareRuns.map((run) => run.perRequest.loop)).toFixed(0)} (medians)`,
    );
    console.log(
      `${'raw durable SQLite commits'.padEnd(36)}${disk.toFixed(0)}/s (before ${diskBefore.toFixed(0)}, after ${diskAfter.toFixed(0)})`,
    );
    for (const { scenario, rounds, graphqlErrors } of results) {
      const ratio = median(rounds.map((round) => round.ratio));
      const rps = median(rounds.map((round) => round.sustained));
      const answered = median(rounds.map((round) => round.figures.requestsPerSecond / round.bare));
      const cpu = median(rounds.map((round) => round.perRequest.cpu));
      const loop = median(rounds.map((round) => round.perRequest.loop));
      // Bare CPU per request over ours: the throughput ratio the server's own work allows, whatever the machine's load.
      const cpuRatio = median(rounds.map((round) => round.barePerRequest.cpu / round.perRequest.cpu));
      // The same for the main thread alone: what bounds req/s while the other core has room for worker threads.
      const loopRatio = median(rounds.map((round) => round.barePerRequest.loop / round.perRequest.loop));
      const p99 = median(rounds.map((round) => round.figures.p99));
      const verdict =
        scenario.goal === undefined ? '' : `  (goal ≥ ${scenario.goal}: ${ratio >= scenario.goal ? 'met' : 'MISSED'})`;
      const perCommit = scenario.name.startsWith('assign') ? `, ${(rps / disk).toFixed(2)}× raw commits/s` : '';
      const mails = scenario.mailsOut ? ` (mails out; answers alone ${answered.toFixed(2)})` : '';
      console.log(
        `${`${scenario.name} / bare`.padEnd(40)}${ratio.toFixed(2)}${verdict}${mails}   median ${rps.toFixed(0)} req/s, p99 ${p99} ms, server CPU ${cpu.toFixed(0)} µs/request (CPU ratio to bare ${cpuRatio.toFixed(2)}), main thread ${loop.toFixed(0)} µs/request (ratio ${loopRatio.toFixed(2)})${perCommit}`,
      );
      if (graphqlErrors + rounds.reduce((sum, round) => sum + round.figures.errors, 0) > 0) {
        console.log(`WARNING: ${scenario.name}: some requests failed; the figures above include them`);
        process.exitCode = 1;
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
