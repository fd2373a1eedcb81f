// Files at rest, as an operator runs the server: the built CLI (`seatledger serve`) under umask 000, the most
// permissive there is, on a fresh data dir. After a sign-up, a purchase and an assignment (so the log, the read
// models, the notifier's database with their WAL files, the lock, the pid, the secrets and a mail in the outbox all
// exist), every directory is 0700 and every file 0600, while it runs and after it stops. An existing data dir left
// open (0755) is tightened to 0700 with a warning. Needs `npm run build` (npm test runs it).
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ASSIGN, createUser, graphqlClient, ok, purchase, signUpAccount } from '../support/seatledger';
import { makeTempDir } from '../support/temp-dir';

jest.setTimeout(60_000);

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/seatledger.js');

interface Served {
  readonly process: ChildProcess;
  readonly url: Promise<string>;
  readonly exit: Promise<number | null>;
  output(): string;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** `seatledger serve` on `dataDir` with umask 000, in an environment with none of this machine's settings. */
async function serve(dataDir: string): Promise<Served> {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(PORT|HOST|SEATLEDGER_|EVENTSTORE_|SMTP_|PUBLIC_URL|AUTH_|LOG_LEVEL)/.test(key)) delete env[key];
  }
  Object.assign(env, { SEATLEDGER_DATA_DIR: dataDir, PORT: String(await freePort()), LOG_LEVEL: 'warn' });
  const child = spawn('/bin/sh', ['-c', 'umask 000 && exec "$0" "$1" serve', process.execPath, BIN], {
    cwd: ROOT,
    env,
    stdio: 'pipe',
  });
  let output = '';
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    const look = () => {
      const match = /serving GraphQL at (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout?.on('data', (chunk) => {
      output += chunk;
      look();
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    exit.then((code) => reject(new Error(`exited early (${code}): ${output}`)));
  });
  return { process: child, url, exit, output: () => output };
}

/** Every entry under `dir` (itself included) with its permission bits, as `path: 0mode`. */
function modesUnder(dir: string): Record<string, string> {
  const modes: Record<string, string> = {};
  const visit = (at: string) => {
    const stats = fs.statSync(at);
    modes[path.relative(dir, at) || '.'] = `0${(stats.mode & 0o777).toString(8)}`;
    if (stats.isDirectory()) for (const name of fs.readdirSync(at)) visit(path.join(at, name));
  };
  visit(dir);
  return modes;
}

/** What each entry should be: directories 0700, files 0600. */
function expectedModes(dir: string): Record<string, string> {
  const modes = modesUnder(dir);
  return Object.fromEntries(
    Object.keys(modes).map((entry) => [entry, fs.statSync(path.join(dir, entry)).isDirectory() ? '0700' : '0600']),
  );
}

async function waitFor(what: string, check: () => boolean, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('files at rest (seatledger serve under umask 000)', () => {
  const temp = makeTempDir('seatledger-modes-');
  let served: Served | undefined;

  beforeAll(() => {
    if (!fs.existsSync(path.join(ROOT, 'dist/src/cli/main.js'))) {
      throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
    }
  });
  afterEach(async () => {
    if (served && served.process.exitCode === null && served.process.signalCode === null) {
      served.process.kill('SIGKILL');
      await served.exit;
    }
    served = undefined;
  });
  afterAll(() => temp.cleanup());

  it('given a fresh data dir, then the dir and everything in it is 0700 / 0600, running and stopped', async () => {
    const dataDir = path.join(temp.dir, 'fresh');
    served = await serve(dataDir);
    const gql = graphqlClient(await served.url);
    const owner = await signUpAccount(gql, 'Modes');
    await purchase(gql, owner.token, 1);
    const bob = await createUser(gql, owner.token);
    ok(await gql(ASSIGN, { userId: bob.id, product: 'VIDEO_MEETING' }, owner.token));
    const outbox = path.join(dataDir, 'outbox');
    await waitFor('the licence mail in the outbox', () =>
      fs.existsSync(outbox) ? fs.readdirSync(outbox).some((name) => name.endsWith('.eml')) : false,
    );

    const running = modesUnder(dataDir);
    // Everything that holds a secret or the log is there to be checked, the WAL files included.
    for (const entry of [
      'events.db',
      'events.db-wal',
      'events.db-shm',
      'readmodels.db',
      'readmodels.db-wal',
      'history.db',
      'history.db-wal',
      'notifications.db',
      'notifications.db-wal',
      'auth-secret',
      'notifier-secret',
      'secret-key',
      'instance-id',
      'serve.lock',
      'serve.pid',
      'outbox',
    ]) {
      expect(running).toHaveProperty([entry]);
    }
    expect(running).toEqual(expectedModes(dataDir));

    served.process.kill('SIGTERM');
    expect(await served.exit).toBe(0);
    const stopped = modesUnder(dataDir);
    expect(stopped['.']).toBe('0700');
    expect(stopped).toEqual(expectedModes(dataDir));
  });

  it('given an existing data dir open to others (0755), then it is tightened to 0700 with a warning', async () => {
    const dataDir = path.join(temp.dir, 'open');
    fs.mkdirSync(dataDir);
    fs.chmodSync(dataDir, 0o755);
    served = await serve(dataDir);
    await served.url;

    expect(modesUnder(dataDir)['.']).toBe('0700');
    expect(served.output()).toContain('data dir tightened');
  });
});
