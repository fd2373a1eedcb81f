// Per-account read-model versions over real parts (the SQLite log, the application, the log consumer keeping the
// read models): a write moves its own account's version by the time its position is applied, leaves other accounts
// alone, and past the bound every account moves (never back to a version handed out before).
import path from 'node:path';
import { allProjections } from '../../projections';
import type { Application } from '../../src/application/application';
import { createApplication } from '../../src/application/create-application';
import { openSqliteEventStore } from '../../src/eventstore/sqlite';
import { accountReadVersions } from '../../src/queries/account-read-versions';
import { followReadModels } from '../support/followed-read-models';
import { makeTempDir } from '../support/temp-dir';

async function openAccount(app: Application, name: string) {
  const opened = await app.openAccount(
    { correlationId: 'signup' },
    { accountName: name, ownerName: `${name} Owner`, ownerEmail: `owner@${name.toLowerCase()}.example` },
  );
  const owner = {
    actor: { userId: opened.ownerUserId, accountId: opened.accountId, role: 'OWNER' as const },
    correlationId: 'test',
  };
  return { accountId: opened.accountId, owner };
}

describe('account read versions', () => {
  const temp = makeTempDir('seatledger-read-versions-');
  const store = openSqliteEventStore({ file: path.join(temp.dir, 'events.db') });
  const app = createApplication({ store });
  const runner = followReadModels({ store, file: path.join(temp.dir, 'readmodels.db'), projections: allProjections });
  // Two accounts at most, so that the third one empties the map.
  const versions = accountReadVersions(runner, 2);
  beforeAll(() => runner.start());
  afterAll(async () => {
    versions.close();
    await runner.stop();
    await store.close();
    temp.cleanup();
  });

  it('moves the written account by the time its write is applied, and only that account', async () => {
    const a = await openAccount(app, 'Alpha');
    const b = await openAccount(app, 'Beta');
    const first = await app.purchaseLicenses(b.owner, { product: 'WEBINAR', planId: 'webinar-100', quantity: 1 });
    await runner.waitForPosition(first.position);
    const before = { a: versions.of(a.accountId), b: versions.of(b.accountId) };

    const bought = await app.purchaseLicenses(a.owner, { product: 'WEBINAR', planId: 'webinar-100', quantity: 2 });
    await runner.waitForPosition(bought.position);
    expect(versions.of(a.accountId)).toBeGreaterThan(before.a);
    expect(versions.of(b.accountId)).toBe(before.b);
  });

  it('moves every account once more accounts were touched than it keeps', async () => {
    const a = await openAccount(app, 'Gamma');
    const b = await openAccount(app, 'Delta');
    const last = await app.purchaseLicenses(b.owner, { product: 'WEBINAR', planId: 'webinar-100', quantity: 1 });
    await runner.waitForPosition(last.position);
    const seen = { a: versions.of(a.accountId), b: versions.of(b.accountId) };

    const c = await openAccount(app, 'Epsilon');
    const more = await app.purchaseLicenses(c.owner, { product: 'WEBINAR', planId: 'webinar-100', quantity: 1 });
    await runner.waitForPosition(more.position);
    expect(versions.of(a.accountId)).toBeGreaterThan(seen.a);
    expect(versions.of(b.accountId)).toBeGreaterThan(seen.b);
    expect(versions.of('an account never seen')).toBeGreaterThan(Math.max(seen.a, seen.b));
  });
});
