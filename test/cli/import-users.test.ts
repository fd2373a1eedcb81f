// `seatledger import-users` as users run it: the built binary against a running server over HTTP. Rows created and
// licensed in batches, malformed and refused rows printed with their line and reason (exit 1), a dry run writing
// nothing, and the token never printed.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  ok,
  purchase,
  type SignedUpAccount,
  signUpAccount,
  startTestSeatledger,
  type TestSeatledger,
} from '../support/seatledger';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/seatledger.js');

describe('seatledger import-users (built binary, running server)', () => {
  let server: TestSeatledger;
  let acme: SignedUpAccount;
  let dir: string;

  beforeAll(async () => {
    if (!fs.existsSync(path.join(ROOT, 'dist/src/cli/import-users.js'))) {
      throw new Error('dist/ is missing import-users: run `npm run build` first (npm test does)');
    }
    server = await startTestSeatledger();
    acme = await signUpAccount(server.gql);
    await purchase(server.gql, acme.token, 2);
    dir = fs.mkdtempSync(path.join(server.dataDir, 'csv-'));
  }, 30_000);
  afterAll(() => server?.close());

  const run = async (args: string[], env: Record<string, string> = {}) => {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, 'import-users', ...args], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', ...env },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };
  const users = async () =>
    ok(
      await server.gql(
        '{ users(first: 100) { totalCount edges { node { email name role licenses { product } } } } }',
        undefined,
        acme.token,
      ),
    ).users;
  const write = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text);
    return name;
  };
  const suffix = Date.now();
  const csv = () =>
    [
      '\ufeffemail,name,role',
      `ann.${suffix}@example.test,"Smith, ""Ann""",`,
      `bob.${suffix}@example.test,"Bob ""the builder""
Jr.",ADMIN`,
      `not-an-email,Broken,MEMBER`,
      `cat.${suffix}@example.test,Cat,CAPTAIN`,
      `dan.${suffix}@example.test,Dan`,
      `${acme.email},Taken,MEMBER`,
      `eve.${suffix}@example.test,Eve,admin`,
      `fay.${suffix}@example.test,Fay,MEMBER`,
    ].join('\r\n');

  it('a dry run checks every row, prints the refused ones and writes nothing', async () => {
    const before = (await users()).totalCount;
    const file = write('dry.csv', csv());
    const result = await run([file, '--dry-run', '--assign', 'VIDEO_MEETING'], {
      SEATLEDGER_URL: server.url,
      SEATLEDGER_TOKEN: acme.token,
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('would create 3 users, would assign 2 VIDEO_MEETING licences; 6 rows refused');
    expect((await users()).totalCount).toBe(before);
    expect(result.stdout + result.stderr).not.toContain(acme.token);
  });

  it('creates and licenses the good rows, printing each refused row with its line and reason, exit 1', async () => {
    const file = write('users.csv', csv());
    const result = await run([file, '--url', server.url, '--token', acme.token, '--assign', 'VIDEO_MEETING']);
    expect(result.code).toBe(1);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toEqual([
      // A quoted name may span lines (counted), but a line break is no character of a name.
      expect.stringMatching(/^line 3: BAD_USER_INPUT: name must not contain control characters/),
      expect.stringMatching(/^line 5: BAD_USER_INPUT: email must be an e-mail address/),
      'line 6: malformed: role must be one of MEMBER, ADMIN, OWNER',
      'line 7: malformed: expected 3 fields, found 2',
      expect.stringMatching(/^line 8: EMAIL_TAKEN: /),
      expect.stringMatching(/^line 10: licence not assigned: NO_SEATS_AVAILABLE: /),
      'created 3 users, assigned 2 VIDEO_MEETING licences; 6 rows refused',
    ]);
    expect(result.stdout + result.stderr).not.toContain(acme.token);
    const byEmail = new Map(
      (await users()).edges.map((e: { node: { email: string } }) => [e.node.email, e.node] as const),
    );
    expect(byEmail.get(`ann.${suffix}@example.test`)).toMatchObject({
      name: 'Smith, "Ann"',
      role: 'MEMBER',
      licenses: [{ product: 'VIDEO_MEETING' }],
    });
    expect(byEmail.has(`bob.${suffix}@example.test`)).toBe(false);
    expect(byEmail.get(`eve.${suffix}@example.test`)).toMatchObject({
      role: 'ADMIN',
      licenses: [{ product: 'VIDEO_MEETING' }],
    });
    expect(byEmail.get(`fay.${suffix}@example.test`)).toMatchObject({ licenses: [] });
  });

  it('stops with exit 1 on a refused token, without printing it', async () => {
    const file = write('one.csv', `email,name,role\nzed.${suffix}@example.test,Zed,\n`);
    const result = await run([file, '--url', server.url, '--token', 'not-a-token']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/UNAUTHENTICATED/);
    expect(result.stdout + result.stderr).not.toContain('not-a-token');
  });

  it('exits 2 with the usage when the url or token is missing', async () => {
    const result = await run(['users.csv']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/missing --url, --token/);
  });
});
