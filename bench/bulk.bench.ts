// `npm run bench:bulk`: one bulk assignLicenses of 1,000 users against 1,000 single assignLicense calls over 16
// connections, in the same run, each on a fresh server and data dir set up alike (one account, 1,000 users, 1,000
// seats). Both must end in the same state (1,000 assigned, 0 available, 1,000 licence mails in the outbox); the
// verdict is the ratio of the two assignment times (goal, issue 17: ≥ 10×). Mail delivery is timed apart: it is the
// notifier's, after the answers. Run it on a quiet machine; nothing else in the suite runs it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const USERS = 1000;
const CONNECTIONS = 16;
const MAIL_TIMEOUT_MS = 10 * 60_000;

interface Server {
  readonly url: string;
  readonly dataDir: string;
  close(): Promise<void>;
}

async function startServer(): Promise<Server> {
  require('reflect-metadata');
  const { startSeatledger } = await import('../src/composition-root');
  const { loadConfig } = await import('../src/config');
  const { createLogger } = await import('../src/logger');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'seatledger-bulk-bench-'));
  const config = loadConfig({ SEATLEDGER_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' }, dataDir);
  // Exactly what `seatledger serve` runs, reactors (licence mails to the outbox) included.
  const running = await startSeatledger({ config, logger: createLogger({ level: config.logLevel }) });
  return {
    url: running.url,
    dataDir,
    close: async () => {
      await running.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: each query's own shape, read field by field
async function gql(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<any> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: unknown; errors?: unknown[] };
  if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors).slice(0, 500)}`);
  return body.data;
}

/** One account with USERS users (created in bulk) and USERS seats: the same start for both scenarios. */
async function setUp(server: Server): Promise<{ token: string; userIds: string[] }> {
  const stamp = Date.now();
  const { signUp } = await gql(server.url, 'mutation ($input: SignUpInput!) { signUp(input: $input) { token } }', {
    input: {
      accountName: 'Bench',
      ownerName: 'Bench Owner',
      ownerEmail: `owner.${stamp}@bench.test`,
      password: 'correct horse battery',
    },
  });
  const token = signUp.token as string;
  const users = Array.from({ length: USERS }, (_, i) => ({ email: `u${i}.${stamp}@bench.test`, name: `User ${i}` }));
  const { createUsers } = await gql(
    server.url,
    'mutation ($input: CreateUsersInput!) { createUsers(input: $input) { created { id } refused { index } } }',
    { input: { users } },
    token,
  );
  await gql(
    server.url,
    'mutation ($input: PurchaseLicensesInput!) { purchaseLicenses(input: $input) { subscription { id } } }',
    { input: { product: 'VIDEO_MEETING', plan: 'video-standard', quantity: USERS } },
    token,
  );
  return { token, userIds: createUsers.created.map((u: { id: string }) => u.id) };
}

async function endState(server: Server, token: string) {
  const { seatAvailability } = await gql(
    server.url,
    'query { seatAvailability(product: VIDEO_MEETING) { purchased assigned available } }',
    {},
    token,
  );
  return seatAvailability as { purchased: number; assigned: number; available: number };
}

/** Waits until the outbox holds `count` mails; answers how long that took from `since`. */
async function mailsDelivered(server: Server, count: number, since: number): Promise<number> {
  const outbox = path.join(server.dataDir, 'outbox');
  const deadline = Date.now() + MAIL_TIMEOUT_MS;
  for (;;) {
    const mails = fs.existsSync(outbox) ? fs.readdirSync(outbox).filter((f) => f.endsWith('.eml')).length : 0;
    if (mails >= count) return performance.now() - since;
    if (Date.now() > deadline) throw new Error(`only ${mails} of ${count} mails after ${MAIL_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function scenario(name: string, assign: (server: Server, token: string, userIds: string[]) => Promise<void>) {
  const server = await startServer();
  try {
    const { token, userIds } = await setUp(server);
    const started = performance.now();
    await assign(server, token, userIds);
    const assignMs = performance.now() - started;
    const mailMs = await mailsDelivered(server, USERS, started);
    const state = await endState(server, token);
    console.log(`${name}: ${assignMs.toFixed(0)} ms to assign ${USERS}, ${mailMs.toFixed(0)} ms until ${USERS} mails`);
    return { assignMs, mailMs, state };
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  const bulk = await scenario('bulk (one assignLicenses)', async (server, token, userIds) => {
    const { assignLicenses } = await gql(
      server.url,
      'mutation ($input: BulkLicenseInput!) { assignLicenses(input: $input) { applied { id } refused { index code } seatsAfter { assigned } } }',
      { input: { userIds, product: 'VIDEO_MEETING' } },
      token,
    );
    if (assignLicenses.applied.length !== USERS) throw new Error(`bulk applied ${assignLicenses.applied.length}`);
  });
  const single = await scenario(
    `single (${USERS} assignLicense, ${CONNECTIONS} at once)`,
    async (server, token, userIds) => {
      let next = 0;
      const worker = async () => {
        while (next < userIds.length) {
          const userId = userIds[next++];
          await gql(
            server.url,
            'mutation ($userId: ID!) { assignLicense(input: { userId: $userId, product: VIDEO_MEETING }) { seats { assigned } } }',
            { userId },
            token,
          );
        }
      };
      await Promise.all(Array.from({ length: CONNECTIONS }, worker));
    },
  );
  const same = JSON.stringify(bulk.state) === JSON.stringify(single.state);
  console.log(
    `end state: bulk ${JSON.stringify(bulk.state)}, single ${JSON.stringify(single.state)}: ${same ? 'same' : 'DIFFERENT'}`,
  );
  const ratio = single.assignMs / bulk.assignMs;
  console.log(`bulk is ${ratio.toFixed(1)}× faster at assigning (goal ≥ 10×): ${ratio >= 10 ? 'met' : 'NOT met'}`);
  if (!same || bulk.state.assigned !== USERS) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
