// The log is the truth: delete readmodels.db, start again, and every query answers byte for byte as before.
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { allProjections } from '../../projections';
import { history } from '../../projections/license-history/queries';
import { forAccount } from '../../projections/seat-availability/queries';
import { assignees, listForAccount } from '../../projections/subscriptions/queries';
import { getAccount, licensesByUserIds, searchUsers, usersByIds } from '../../projections/users/queries';
import { followReadModels } from '../support/followed-read-models';
import { openWorkspace, seedAcme, type Workspace } from '../support/projection-world';

function answers(db: Database.Database): string {
  const everyone = ['ann', 'bob', 'cat', 'dan', 'gus'];
  return JSON.stringify([
    ['acme', 'globex'].map((account) => [
      getAccount(db, account),
      forAccount(db, account),
      listForAccount(db, account),
      listForAccount(db, account).map((s) => assignees(db, account, s.product, { first: 1 })),
      searchUsers(db, account, { first: 2 }),
      searchUsers(db, account, { search: 'smith' }),
      history(db, account, { first: 7 }),
      history(db, account, { userId: 'bob' }),
    ]),
    [...usersByIds(db, everyone)],
    [...licensesByUserIds(db, everyone)],
  ]);
}

describe('rebuilding the read models from the log', () => {
  let ws: Workspace;
  beforeEach(() => {
    ws = openWorkspace();
  });
  afterEach(() => ws.close());

  it('gives the same answers, byte for byte, after readmodels.db is deleted', async () => {
    // given read models that followed the log live
    const live = followReadModels({ store: ws.store, file: ws.readModelsFile, projections: allProjections });
    await live.start();
    const position = await seedAcme(ws.log);
    await live.waitForPosition(position, 5000);
    const before = answers(live.db);
    await live.stop();
    // when the file is deleted and the read models are followed again
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${ws.readModelsFile}${suffix}`, { force: true });
    const rebuilt = followReadModels({ store: ws.store, file: ws.readModelsFile, projections: allProjections });
    await rebuilt.start();
    // then
    const after = answers(rebuilt.db);
    await rebuilt.stop();
    expect(after).toBe(before);
    expect(before).toContain('Cátia Smith');
  });

  it('creates a new file with 8 KiB pages; a file made with 4 KiB pages keeps them and answers the same', async () => {
    // given a file of an earlier version, made with SQLite's default pages
    const position = await seedAcme(ws.log);
    const older = `${ws.readModelsFile}.older`;
    const made = new Database(older);
    made.pragma('page_size = 4096');
    made.pragma('journal_mode = WAL');
    made.exec('CREATE TABLE earlier (x)');
    made.close();
    // when the read models are built into a new file and into that one
    const fresh = followReadModels({ store: ws.store, file: ws.readModelsFile, projections: allProjections });
    const kept = followReadModels({ store: ws.store, file: older, projections: allProjections });
    await fresh.start();
    await kept.start();
    await fresh.waitForPosition(position, 5000);
    await kept.waitForPosition(position, 5000);
    // then
    expect(fresh.db.pragma('page_size', { simple: true })).toBe(8192);
    expect(kept.db.pragma('page_size', { simple: true })).toBe(4096);
    expect(answers(kept.db)).toBe(answers(fresh.db));
    expect(answers(fresh.db)).toContain('Cátia Smith');
    await fresh.stop();
    await kept.stop();
  });
});
