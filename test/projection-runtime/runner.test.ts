// The projection runner against the real SQLite log: catch-up, live, read-your-writes, crashes, version bumps.
import fs from 'node:fs';
import type Database from 'better-sqlite3';
import { defineProjection, type ProjectionDefinition } from '../../src/projection-runtime/define';
import { openReadModels } from '../../src/projection-runtime/read-models';
import {
  createProjectionRunner,
  type ProjectionRunner,
  ProjectionRunnerStopped,
  ReadModelTimeout,
} from '../../src/projection-runtime/runner';
import { EventLog, openWorkspace, seatCount, type Workspace } from '../support/projection-world';

/** Records every event it sees under a primary key: applying one twice would fail the batch. */
const ledger = (version = 1, failOn?: { type: string; times: number }) =>
  defineProjection({
    name: 'ledger',
    version,
    tables: [
      'CREATE TABLE ledger (event_id TEXT PRIMARY KEY, position TEXT NOT NULL, type TEXT NOT NULL)',
      'CREATE INDEX ledger_by_type ON ledger (type)',
    ],
    handlers: {
      '*': (db, e) => {
        if (failOn && e.type === failOn.type && failOn.times-- > 0) throw new Error('handler broke');
        db.run('INSERT INTO ledger (event_id, position, type) VALUES (?, ?, ?)', e.id, e.position, e.type);
      },
    },
  });

const rows = (db: Database.Database, sql: string) => db.prepare(sql).all();

async function appendPurchases(log: EventLog, count: number) {
  let last = '';
  for (let i = 0; i < count; i++) last = await log.purchase(`acc-${i % 3}`, 'VIDEO_MEETING', 'video-standard', 1);
  return last;
}

describe('projection runner', () => {
  let ws: Workspace;
  let runners: ProjectionRunner[];
  const run = (projections: ProjectionDefinition[], batchSize?: number) => {
    const runner = createProjectionRunner({
      store: ws.store,
      file: ws.readModelsFile,
      projections,
      ...(batchSize ? { batchSize } : {}),
    });
    runners.push(runner);
    return runner;
  };

  beforeEach(() => {
    ws = openWorkspace();
    runners = [];
  });
  afterEach(async () => {
    for (const runner of runners) await runner.stop();
    await ws.close();
  });

  it('catches up with the log found at start, skipping secret streams, then says it is caught up', async () => {
    // given
    await appendPurchases(ws.log, 5);
    await ws.log.storeCredentials('acc-0', 'ann');
    const runner = run([ledger(), seatCount]);
    expect(runner.isCaughtUp()).toBe(false);
    // when
    await runner.start();
    // then
    expect(runner.isCaughtUp()).toBe(true);
    expect(rows(runner.db, 'SELECT type, count(*) AS n FROM ledger GROUP BY type')).toEqual([
      { type: 'LicensePurchased', n: 5 },
    ]);
    expect(rows(runner.db, 'SELECT * FROM seat_count ORDER BY account_id')).toEqual([
      { account_id: 'acc-0', purchased: 2 },
      { account_id: 'acc-1', purchased: 2 },
      { account_id: 'acc-2', purchased: 1 },
    ]);
    const lag = await runner.lag();
    expect(lag.map((l) => [l.name, l.behind])).toEqual([
      ['ledger', 0],
      ['seat-count', 0],
    ]);
  });

  it('starts on an empty log and follows live appends; a writer waits for its own position', async () => {
    const runner = run([seatCount]);
    await runner.start();
    // when
    const position = await ws.log.purchase('acc-9', 'WEBINAR', 'webinar-100', 7);
    await runner.waitForPosition(position, 2000);
    // then
    expect(rows(runner.db, 'SELECT * FROM seat_count')).toEqual([{ account_id: 'acc-9', purchased: 7 }]);
  });

  it('lets a writer whose last event is on a secret stream read its write', async () => {
    const runner = run([seatCount]);
    await runner.start();
    const position = await ws.log.storeCredentials('acc-1', 'ann');
    await expect(runner.waitForPosition(position, 2000)).resolves.toBeUndefined();
  });

  it('rejects a wait that outlasts its timeout with a clear error', async () => {
    const position = await appendPurchases(ws.log, 1);
    const runner = run([seatCount]); // never started: it cannot reach the position
    const wait = runner.waitForPosition(position, 50);
    await expect(wait).rejects.toBeInstanceOf(ReadModelTimeout);
    await expect(wait).rejects.toThrow(`read models did not reach position ${position} within 50 ms`);
  });

  it('rejects pending waits when it stops', async () => {
    const runner = run([seatCount]);
    const wait = runner.waitForPosition('9999999999999999', 5000);
    await runner.stop();
    await expect(wait).rejects.toBeInstanceOf(ProjectionRunnerStopped);
  });

  it('loses and duplicates nothing when stopped between batches and started again', async () => {
    // given a log of 40 licence events and a runner that stops after its second batch of 5
    await appendPurchases(ws.log, 40);
    const first = run([ledger(), seatCount], 5);
    let batches = 0;
    first.onApplied(() => {
      batches += 1;
      if (batches === 2) void first.stop();
    });
    await expect(first.start()).rejects.toBeInstanceOf(ProjectionRunnerStopped);
    const midway = openReadModels({ file: ws.readModelsFile, projections: [ledger(), seatCount] });
    const checkpoint = midway.lowestPosition();
    const applied = rows(midway.db, 'SELECT count(*) AS n FROM ledger');
    midway.close();
    expect(applied).toEqual([{ n: 10 }]);
    // when
    const second = run([ledger(), seatCount], 5);
    await second.start();
    // then every event is there once (the ledger's primary key would have refused a second time)
    expect(checkpoint).not.toBeNull();
    expect(rows(second.db, 'SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM ledger')).toEqual([
      { n: 40, d: 40 },
    ]);
    expect(rows(second.db, 'SELECT sum(purchased) AS total FROM seat_count')).toEqual([{ total: 40 }]);
  });

  it('rolls a failing batch back whole and resumes from the last committed checkpoint', async () => {
    await appendPurchases(ws.log, 12);
    await ws.log.deactivate('acc-0', 'ann');
    await appendPurchases(ws.log, 3);
    // when the handler breaks on the 13th event, inside the third batch of 5
    const broken = run([ledger(1, { type: 'UserDeactivated', times: 1 }), seatCount], 5);
    await expect(broken.start()).rejects.toThrow('handler broke');
    expect(broken.status()).toBe('failed');
    await broken.stop();
    const after = openReadModels({ file: ws.readModelsFile, projections: [ledger(), seatCount] });
    expect(rows(after.db, 'SELECT count(*) AS n FROM ledger')).toEqual([{ n: 10 }]);
    expect(rows(after.db, 'SELECT sum(purchased) AS total FROM seat_count')).toEqual([{ total: 10 }]);
    after.close();
    // then a fixed runner finishes the job
    const fixed = run([ledger(), seatCount], 5);
    await fixed.start();
    expect(rows(fixed.db, 'SELECT count(*) AS n FROM ledger')).toEqual([{ n: 16 }]);
    expect(rows(fixed.db, 'SELECT sum(purchased) AS total FROM seat_count')).toEqual([{ total: 15 }]);
  });

  it('rebuilds only the projection whose version changed, from the start of the log', async () => {
    await appendPurchases(ws.log, 6);
    const v1 = run([ledger(1), seatCount]);
    await v1.start();
    v1.db.prepare("UPDATE seat_count SET purchased = 1000 WHERE account_id = 'acc-0'").run();
    v1.db.prepare("INSERT INTO ledger VALUES ('stale', '0', 'Stale')").run();
    await v1.stop();
    // when
    const v2 = run([ledger(2), seatCount]);
    await v2.start();
    // then the ledger is rebuilt (the stale row is gone), the untouched projection is not
    expect(rows(v2.db, 'SELECT count(*) AS n FROM ledger')).toEqual([{ n: 6 }]);
    expect(rows(v2.db, "SELECT purchased FROM seat_count WHERE account_id = 'acc-0'")).toEqual([{ purchased: 1000 }]);
    expect(rows(v2.db, "SELECT name FROM sqlite_schema WHERE name = 'ledger_by_type'")).toEqual([
      { name: 'ledger_by_type' },
    ]);
  });

  it('applies nothing at or below a checkpoint when given the same events twice', async () => {
    await appendPurchases(ws.log, 4);
    const events = await ws.log.recorded();
    const models = openReadModels({ file: ws.readModelsFile, projections: [ledger(), seatCount] });
    try {
      expect(models.apply(events)).toBe(4);
      const before = rows(models.db, 'SELECT * FROM seat_count ORDER BY account_id');
      expect(models.apply(events)).toBe(0);
      expect(rows(models.db, 'SELECT * FROM seat_count ORDER BY account_id')).toEqual(before);
    } finally {
      models.close();
    }
  });

  it('starts over from the log when the read-model file is damaged', async () => {
    await appendPurchases(ws.log, 3);
    fs.writeFileSync(ws.readModelsFile, 'this is not a database, it was cut off by a power failure'.repeat(100));
    const runner = run([seatCount]);
    await runner.start();
    expect(rows(runner.db, 'SELECT sum(purchased) AS total FROM seat_count')).toEqual([{ total: 3 }]);
  });

  it('refuses two projections that create the same table', () => {
    const clash = defineProjection({ ...seatCount, name: 'clash' });
    expect(() => openReadModels({ file: ws.readModelsFile, projections: [seatCount, clash] })).toThrow(
      'seat_count is created by both seat-count and clash',
    );
  });
});
