// `seatledger replay`: rebuilds from the log; --verify passes on a good log and fails on a tampered read model.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { historyFile, type ReadModelFile, readModelsFile } from '../../projections';
import { runReplay } from '../../src/cli/replay';
import { catchUpReadModelFiles } from '../support/followed-read-models';
import { openWorkspace, seedAcme, type Workspace } from '../support/projection-world';
import { capture } from './io';

describe('seatledger replay', () => {
  let ws: Workspace;

  /** Live read models, as a server would have left them (both files). */
  const followLog = (files?: readonly ReadModelFile[]) => catchUpReadModelFiles(ws.store, ws.dir, files);

  const tamper = (sql: string, file = ws.readModelsFile) => {
    const db = new Database(file);
    db.prepare(sql).run();
    db.close();
  };

  const replay = async (...args: string[]) => {
    const out = capture(ws.dir);
    const code = await runReplay([...args, '--data-dir', ws.dir], out.io);
    return { code, stdout: out.stdout(), stderr: out.stderr() };
  };

  beforeEach(async () => {
    ws = openWorkspace();
    await seedAcme(ws.log);
  });
  afterEach(() => ws.close());

  it('verifies read models that match the log, with progress on stderr', async () => {
    await followLog();
    const { code, stdout, stderr } = await replay('--verify');
    expect(stdout).toContain('replayed 20 events'); // the credentials event is not a licence event
    expect(stdout).toMatch(/compared 9 tables of 6 read models row for row: 0 differ/);
    expect(stdout).toContain('0 invariant violations');
    expect(stdout).toContain('verified');
    expect(stderr).toMatch(/replay: 20 events, 100%/);
    expect(code).toBe(0);
    expect(fs.readdirSync(ws.dir).filter((f) => f.includes('replay'))).toEqual([]);
  });

  it('fails with exit 1 and names the table when a read model was tampered with', async () => {
    await followLog();
    tamper("UPDATE seat_availability SET purchased = purchased + 1 WHERE account_id = 'acme' AND product = 'WEBINAR'");
    const { code, stdout } = await replay('--verify');
    expect(stdout).toMatch(/seat_availability: 2 rows differ/);
    expect(stdout).toContain('rebuilt: ["acme","WEBINAR",3,1,0]');
    // and the counters disagree with the subscription decider's fold of the stream itself
    expect(stdout).toContain('seat counters of 3 subscriptions with the fold of their streams: 1 differ');
    expect(stdout).toContain(
      'seat_availability acme WEBINAR: 4 purchased, 1 assigned, 0 reserved; the fold of its stream says 3 purchased, 1 assigned, 0 reserved',
    );
    expect(stdout).toContain('FAILED');
    expect(code).toBe(1);
  });

  it('fails on a row the log never produced', async () => {
    await followLog();
    tamper("DELETE FROM license_history WHERE type = 'LicenseRevoked'", path.join(ws.dir, historyFile.file));
    const { code, stdout } = await replay('--verify');
    expect(stdout).toMatch(/license_history: 1 rows differ \(rebuilt 20 rows, live 19 rows\)/);
    expect(code).toBe(1);
  });

  it('fails when the log itself breaks an invariant, even if the read models agree with it', async () => {
    await ws.log.assign('globex', 'VIDEO_MEETING', 'video-business', 'ghost', { actorId: 'gus' });
    await ws.log.assign('globex', 'VIDEO_MEETING', 'video-business', 'bob', { actorId: 'gus' });
    await followLog();
    const { code, stdout } = await replay('--verify');
    expect(stdout).toContain('0 differ');
    expect(stdout).toContain('licence for unknown user ghost');
    expect(stdout).toContain('licence for user bob of another account');
    expect(stdout).toContain('2 seats assigned, only 1 purchased');
    expect(code).toBe(1);
  });

  it('compares the seat counters with the fold at the position the live read models have reached', async () => {
    // given live read models, and then the log moving on without them (a server between two batches)
    await followLog();
    await ws.log.purchase('acme', 'WEBINAR', 'webinar-100', 7, { actorId: 'ann' });
    const { code, stdout } = await replay('--verify');
    // then the fold stops where they stand: nothing differs
    expect(stdout).toContain('with the fold of their streams: 0 differ');
    expect(code).toBe(0);
  });

  it('compares each live file at its own position: the history lane may stand behind the others', async () => {
    // given both files caught up, then the log moving on and only readmodels.db following it
    await followLog();
    const before = await ws.store.headPosition();
    await ws.log.purchase('acme', 'WEBINAR', 'webinar-100', 7, { actorId: 'ann' });
    const head = await ws.store.headPosition();
    await followLog([readModelsFile]);
    const { code, stdout } = await replay('--verify');
    expect(stdout).toContain(`up to ${before} (history.db) and ${head} (readmodels.db)`);
    expect(stdout).toMatch(/compared 9 tables of 6 read models row for row: 0 differ/);
    expect(code).toBe(0);
  });

  it('fails when a read-model file is missing, naming it', async () => {
    await followLog([readModelsFile]);
    const { code, stdout } = await replay('--verify');
    expect(stdout).toContain('history.db: missing (start the server once to create it)');
    expect(code).toBe(1);
  });

  it('flags a change to a subscription before its first purchase, which the decider’s fold ignores', async () => {
    await ws.log.assign('initech', 'WEBINAR', 'webinar-100', 'gus', { accountId: 'initech', actorId: 'gus' });
    await followLog();
    const { code, stdout } = await replay('--verify');
    expect(stdout).toMatch(/\(LicenseAssigned, account initech, WEBINAR\): before any purchase/);
    // the read model counted the seat the fold does not have
    expect(stdout).toContain(
      'seat_availability initech WEBINAR: 0 purchased, 1 assigned, 0 reserved; the fold of its stream says 0',
    );
    expect(code).toBe(1);
  });

  it('without --verify replaces the read models with the rebuilt ones', async () => {
    await followLog();
    tamper("UPDATE users SET name = 'Mallory' WHERE user_id = 'bob'");
    const { code, stdout } = await replay();
    expect(code).toBe(0);
    expect(stdout).toContain(`replaced ${path.join(ws.dir, 'readmodels.db')} and ${path.join(ws.dir, 'history.db')}`);
    const db = new Database(ws.readModelsFile, { readonly: true });
    expect(db.prepare("SELECT name FROM users WHERE user_id = 'bob'").pluck().get()).toBe('Bob Builder');
    db.close();
    expect((await replay('--verify')).code).toBe(0);
  });

  it('refuses bad arguments with exit 2 and a missing log with exit 1', async () => {
    const bad = await replay('--verfy');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Unknown option '--verfy'");
    expect(bad.stderr).toContain('usage: seatledger replay');
    const out = capture(ws.dir);
    expect(await runReplay(['--data-dir', path.join(ws.dir, 'nowhere')], out.io)).toBe(1);
    expect(out.stderr()).toContain('no event log at');
    const help = await replay('--help');
    expect(help.stdout).toContain('Only while no server runs');
  });
});
