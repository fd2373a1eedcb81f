// `npm start` as an operator runs it: the built CLI (`node bin/seatledger.js serve`, what the start script runs) on a
// fresh data dir prints its GraphQL URL within 30 s, serves a sign-up, and exits 0 on SIGTERM; a malformed
// environment stops it at once with exit 1 and a line naming the variable. Needs `npm run build` (npm test runs it).
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { graphqlClient, ok, PASSWORD, uniqueEmail } from '../support/seatledger';
import { makeTempDir } from '../support/temp-dir';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/seatledger.js');

/** The environment of a fresh shell: none of this machine's seatledger settings leak into the child. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(PORT|HOST|SEATLEDGER_|EVENTSTORE_|SMTP_|PUBLIC_URL|AUTH_|LOG_LEVEL)/.test(key)) delete env[key];
  }
  return { ...env, ...extra };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Child {
  readonly process: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function serve(env: Record<string, string>): Child {
  const child = spawn(process.execPath, [BIN, 'serve'], { cwd: ROOT, env: cleanEnv(env), stdio: 'pipe' });
  const state: Child = {
    process: child,
    stdout: '',
    stderr: '',
    exit: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))),
  };
  child.stdout?.on('data', (chunk) => {
    state.stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    state.stderr += chunk;
  });
  return state;
}

async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('seatledger serve (npm start)', () => {
  const temp = makeTempDir('seatledger-serve-');
  let child: Child | undefined;
  afterEach(async () => {
    if (child && child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill('SIGKILL');
      await child.exit;
    }
    child = undefined;
  });
  afterAll(() => temp.cleanup());

  beforeAll(() => {
    if (!fs.existsSync(path.join(ROOT, 'dist/src/cli/main.js'))) {
      throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
    }
  });

  it('prints the GraphQL URL within 30 s, serves a sign-up, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const started = Date.now();
    child = serve({ SEATLEDGER_DATA_DIR: path.join(temp.dir, 'data'), PORT: String(port), LOG_LEVEL: 'warn' });
    const running = child;

    const url = await within(
      30_000,
      'printing the URL',
      new Promise<string>((resolve, reject) => {
        const look = () => {
          const match = /serving GraphQL at (http:\/\/\S+)/.exec(running.stdout);
          if (match?.[1]) resolve(match[1]);
        };
        running.process.stdout?.on('data', look);
        running.exit.then(({ code }) => reject(new Error(`exited early (${code}): ${running.stderr}`)));
        look();
      }),
    );
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(url).toBe(`http://127.0.0.1:${port}/graphql`);
    // It tells a newcomer how to sign up.
    expect(running.stdout).toContain('signUp');

    const health = await fetch(new URL('/healthz', url));
    expect(health.status).toBe(200);
    const gql = graphqlClient(url);
    const signedUp = ok(
      await gql('mutation ($input: SignUpInput!) { signUp(input: $input) { token owner { email role } } }', {
        input: { accountName: 'Started', ownerName: 'Sam Start', ownerEmail: uniqueEmail('sam'), password: PASSWORD },
      }),
    );
    expect(signedUp.signUp.owner.role).toBe('OWNER');
    expect(ok(await gql('{ me { role } }', undefined, signedUp.signUp.token)).me).toEqual({ role: 'OWNER' });

    running.process.kill('SIGTERM');
    expect(await within(5_000, 'exiting after SIGTERM', running.exit)).toEqual({ code: 0, signal: null });
    // Nothing secret on the console: not the token, not the password.
    expect(running.stdout + running.stderr).not.toContain(signedUp.signUp.token);
    expect(running.stdout + running.stderr).not.toContain(PASSWORD);
  });

  it('stops at once with exit 1 and a line naming PORT when PORT is malformed', async () => {
    child = serve({ SEATLEDGER_DATA_DIR: path.join(temp.dir, 'bad'), PORT: 'abc' });
    const { code } = await within(10_000, 'refusing to start', child.exit);
    expect(code).toBe(1);
    const lines = child.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/\bPORT\b/);
    expect(lines[0]).toContain('abc');
    expect(child.stdout).not.toContain('serving');
    // Nothing half-started: no data dir was made.
    expect(fs.existsSync(path.join(temp.dir, 'bad'))).toBe(false);
  });
});
