// One serving process per data dir, over real processes (`node bin/seatledger.js`, the built dist): a second `serve`
// on a served dir is refused at once with one line naming the dir and the holder's pid, having written nothing; the
// lock goes with a SIGKILLed holder, so a restart serves at once; of two started together on an empty dir exactly
// one serves; the read-only commands work beside a server and `replay` (which replaces the read models) refuses.
import fs from 'node:fs';
import path from 'node:path';
import { purchase, signUpAccount } from '../support/seatledger';
import { makeTempDir } from '../support/temp-dir';
import { type ChildSeatledger, runCli, spawnSeatledger, startChildSeatledger, waitUntilReady } from './support';

jest.setTimeout(90_000);

/** Every file of the dir with its size and modification time: what a process that writes nothing leaves alone. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of fs.readdirSync(dir).sort()) {
    const stat = fs.statSync(path.join(dir, name));
    files[name] = `${stat.size} ${stat.mtimeMs}`;
  }
  return files;
}

/** The one line a refused process writes, with the dir and the holder's pid in it. */
const refusal = (command: string, dir: string, pid: number) =>
  new RegExp(`^seatledger ${command}: data dir ${literally(dir)} is in use by seatledger process ${pid};[^\\n]*\\n$`);
const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('one serving process per data dir', () => {
  let temp: ReturnType<typeof makeTempDir>;
  const running: ChildSeatledger[] = [];

  beforeEach(() => {
    temp = makeTempDir();
  });

  afterEach(async () => {
    for (const server of running.splice(0)) await server.kill();
    temp.cleanup();
  });

  const serve = async () => {
    const server = await startChildSeatledger(temp.dir);
    running.push(server);
    return server;
  };

  it('refuses a second serve on a served dir at once, naming the dir and the holder, and writes nothing', async () => {
    const first = await serve();
    await waitUntilReady(first.base);
    // Stopped, the holder keeps its lock and writes nothing itself: any change to the dir would be the second's.
    first.process.kill('SIGSTOP');
    try {
      const before = snapshot(temp.dir);
      const started = Date.now();
      const second = spawnSeatledger(temp.dir);
      expect(await second.exited).toBe(1);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(second.stderr()).toMatch(refusal('serve', temp.dir, first.pid));
      expect(second.stdout()).toBe('');
      expect(snapshot(temp.dir)).toEqual(before);
    } finally {
      first.process.kill('SIGCONT');
    }
    // The holder serves on, untouched.
    expect((await fetch(`${first.base}/readyz`)).status).toBe(200);
  });

  it('serves at once after the holder was killed with SIGKILL (no stale lock)', async () => {
    const first = await serve();
    const owner = await signUpAccount(first.gql, 'Killed Co');
    await first.kill();

    const second = await serve();
    expect(second.stderr()).toBe('');
    expect(fs.readFileSync(path.join(temp.dir, 'serve.pid'), 'utf8').trim()).toBe(String(second.pid));
    await waitUntilReady(second.base);
    const { data } = await second.gql('{ me { id } }', undefined, owner.token);
    expect(data).toEqual({ me: { id: owner.ownerId } });
    // And only the new holder's lock counts: a third is refused with the second's pid.
    const third = spawnSeatledger(temp.dir);
    expect(await third.exited).toBe(1);
    expect(third.stderr()).toMatch(refusal('serve', temp.dir, second.pid));
  });

  it('lets exactly one of two serves started together on an empty dir serve; the other names it', async () => {
    const empty = path.join(temp.dir, 'fresh');
    const both = [spawnSeatledger(empty), spawnSeatledger(empty)];
    const outcomes = await Promise.all(
      both.map((child) =>
        child.serving.then(
          () => 'serving' as const,
          () => 'refused' as const,
        ),
      ),
    );
    try {
      expect([...outcomes].sort()).toEqual(['refused', 'serving']);
      const winner = both[outcomes.indexOf('serving')]!;
      const loser = both[outcomes.indexOf('refused')]!;
      expect(await loser.exited).toBe(1);
      expect(loser.stderr()).toMatch(refusal('serve', empty, winner.process.pid!));
      const url = await winner.serving;
      await waitUntilReady(url.replace(/\/graphql$/, ''));
    } finally {
      await Promise.all(both.map((child) => child.kill()));
    }
  });

  it('runs history, export and replay --verify beside a server, and refuses replay while it serves', async () => {
    const server = await serve();
    const owner = await signUpAccount(server.gql, 'Audited Co');
    await purchase(server.gql, owner.token, 3);
    await waitUntilReady(server.base);
    const env = { SEATLEDGER_DATA_DIR: temp.dir };

    const history = await runCli(['history', '--account', owner.accountId, '--json'], env);
    expect(history).toMatchObject({ code: 0, stderr: '' });
    expect(history.stdout).toContain('LicensePurchased');

    const exported = await runCli(['export', '--account', owner.accountId], env);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain('LicensePurchased');

    const verified = await runCli(['replay', '--verify'], env);
    expect(verified.code).toBe(0);

    const readModels = path.join(temp.dir, 'readmodels.db');
    const before = fs.statSync(readModels);
    const replaced = await runCli(['replay'], env);
    expect(replaced.code).toBe(1);
    expect(replaced.stderr).toMatch(refusal('replay', temp.dir, server.pid));
    expect(replaced.stdout).toBe('');
    expect(fs.statSync(readModels).ino).toBe(before.ino);

    // Once the server has stopped, replay replaces the read models.
    expect(await server.stop()).toBe(0);
    running.splice(0);
    const afterStop = await runCli(['replay'], env);
    expect(afterStop.code).toBe(0);
    expect(fs.statSync(readModels).ino).not.toBe(before.ino);
    expect(fs.existsSync(path.join(temp.dir, 'serve.pid'))).toBe(false);
  });
});
