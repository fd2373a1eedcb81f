// The log consumer against the real SQLite log: the read models and other processors catch up and follow live from
// their own checkpoints, read-your-writes, a failing or slow processor that holds nobody back, stops and restarts.
import fs from 'node:fs';
import type Database from 'better-sqlite3';
import type { Position, RecordedEvent } from '../../src/eventstore/port';
import { ConsumerStopped, ReadModelTimeout } from '../../src/processing/errors';
import { LogConsumer } from '../../src/processing/log-consumer';
import type { Processor } from '../../src/processing/processor';
import { defineProjection, type ProjectionDefinition } from '../../src/projection-runtime/define';
import { openReadModels } from '../../src/projection-runtime/read-models';
import { readModelsProcessor } from '../../src/projection-runtime/read-models-processor';
import { type EventLog, openWorkspace, seatCount, type Workspace } from '../support/projection-world';

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

/** A processor that keeps what it is handed in memory, optionally slowly. */
function collector(name: string, options: { delayMs?: number; from?: Position | null } = {}) {
  const seen: RecordedEvent[] = [];
  let position: Position | null = options.from ?? null;
  const processor: Processor = {
    name,
    checkpoint: () => position,
    async handle(events, through) {
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      seen.push(...events);
      position = through;
    },
  };
  return { processor, seen };
}

const rows = (db: Database.Database, sql: string) => db.prepare(sql).all();

async function appendPurchases(log: EventLog, count: number) {
  let last = '';
  for (let i = 0; i < count; i++) last = await log.purchase(`acc-${i % 3}`, 'VIDEO_MEETING', 'video-standard', 1);
  return last;
}

async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('log consumer', () => {
  let ws: Workspace;
  let consumers: LogConsumer[];
  let closers: (() => void)[];
  /** A consumer with the read models as its processor (plus any others given). */
  const follow = (
    projections: ProjectionDefinition[],
    options: { batchSize?: number; windowSize?: number; others?: Processor[] } = {},
  ) => {
    const consumer = new LogConsumer({
      store: ws.store,
      retry: { baseMs: 10, maxMs: 50 },
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      ...(options.windowSize ? { windowSize: options.windowSize } : {}),
    });
    const readModels = readModelsProcessor({ file: ws.readModelsFile, projections });
    void consumer.add(readModels);
    for (const other of options.others ?? []) void consumer.add(other);
    consumers.push(consumer);
    closers.push(() => readModels.close());
    return { consumer, readModels, db: readModels.db };
  };

  beforeEach(() => {
    ws = openWorkspace();
    consumers = [];
    closers = [];
  });
  afterEach(async () => {
    for (const consumer of consumers) await consumer.stop();
    for (const close of closers) close();
    await ws.close();
  });

  it('catches up with the log found at start, skipping secret streams, then says it is ready', async () => {
    // given
    await appendPurchases(ws.log, 5);
    const head = await ws.log.storeCredentials('acc-0', 'ann');
    const { consumer, db } = follow([ledger(), seatCount]);
    expect(consumer.isReady()).toBe(false);
    // when
    await consumer.start();
    // then
    expect(consumer.isReady()).toBe(true);
    expect(rows(db, 'SELECT type, count(*) AS n FROM ledger GROUP BY type')).toEqual([
      { type: 'LicensePurchased', n: 5 },
    ]);
    expect(rows(db, 'SELECT * FROM seat_count ORDER BY account_id')).toEqual([
      { account_id: 'acc-0', purchased: 2 },
      { account_id: 'acc-1', purchased: 2 },
      { account_id: 'acc-2', purchased: 1 },
    ]);
    expect(consumer.status()).toEqual([
      { name: 'read-models', gatesReadiness: true, state: 'live', position: head, failures: 0, lastError: null },
    ]);
  });

  it('starts on an empty log and follows live appends; a writer waits for its own position', async () => {
    const { consumer, db } = follow([seatCount]);
    await consumer.start();
    // when
    const position = await ws.log.purchase('acc-9', 'WEBINAR', 'webinar-100', 7);
    await consumer.waitFor(position, 2000);
    // then
    expect(rows(db, 'SELECT * FROM seat_count')).toEqual([{ account_id: 'acc-9', purchased: 7 }]);
  });

  it('lets a writer whose last event is on a secret stream read its write', async () => {
    const { consumer } = follow([seatCount]);
    await consumer.start();
    const position = await ws.log.storeCredentials('acc-1', 'ann');
    await expect(consumer.waitFor(position, 2000)).resolves.toBeUndefined();
  });

  it('rejects a wait that outlasts its timeout with a clear error', async () => {
    const position = await appendPurchases(ws.log, 1);
    const { consumer } = follow([seatCount]); // never started: it cannot reach the position
    const wait = consumer.waitFor(position, 50);
    await expect(wait).rejects.toBeInstanceOf(ReadModelTimeout);
    await expect(wait).rejects.toThrow(`read models did not reach position ${position} within 50 ms`);
  });

  it('answers a write without the read models writes do not wait for; their readers wait until they show it', async () => {
    // given: a history-like processor that gates readiness but no write waits for, held on its first live batch
    const held = collector('history');
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const history: Processor = {
      ...held.processor,
      gatesReadiness: true,
      awaitedByWrites: false,
      async handle(events, through) {
        await released;
        await held.processor.handle(events, through);
      },
    };
    const { consumer, db } = follow([seatCount], { others: [history] });
    await consumer.start();
    // when: a write, while the history is held
    const position = await ws.log.purchase('acc-1', 'WEBINAR', 'webinar-100', 3);
    await consumer.waitFor(position, 2000);
    // then: the write's wait ended on the read models alone; a reader of the history waits, and times out clearly
    expect(rows(db, 'SELECT * FROM seat_count')).toEqual([{ account_id: 'acc-1', purchased: 3 }]);
    expect(held.seen).toEqual([]);
    await expect(consumer.fence('history', 50)).rejects.toBeInstanceOf(ReadModelTimeout);
    // when: a reader fences and the history is let go
    let fenced = false;
    const fence = consumer.fence('history', 2000).then(() => {
      fenced = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fenced).toBe(false);
    release();
    await fence;
    // then: by the time the reader goes on, the history shows the write
    expect(held.seen.map((e) => e.position)).toEqual([position]);
    // and a fence on a processor that does not gate readiness (or on none) is refused
    await expect(consumer.fence('nothing', 10)).rejects.toThrow(/no processor named nothing gates readiness/);
  });

  it('ends the coalescing wait of a lane writes do not wait for when a reader fences on it', async () => {
    // given: a history-like lane whose batches, once caught up, wait 10 s for more
    const history = collector('history');
    const { consumer } = follow([seatCount], {
      others: [{ ...history.processor, gatesReadiness: true, awaitedByWrites: false, coalesceMs: 10_000 }],
    });
    await consumer.start();
    await consumer.waitFor(await ws.log.purchase('acc-1', 'WEBINAR', 'webinar-100', 1), 2000);
    await consumer.fence('history', 2000);
    // when: the next write comes during its wait, and a reader fences
    const position = await ws.log.purchase('acc-2', 'WEBINAR', 'webinar-100', 1);
    await consumer.waitFor(position, 2000);
    const started = Date.now();
    await consumer.fence('history', 2000);
    // then: it was handed the write at once, not after its wait
    expect(Date.now() - started).toBeLessThan(1000);
    expect(history.seen.at(-1)?.position).toBe(position);
  });

  it('rejects pending waits when it stops', async () => {
    const { consumer } = follow([seatCount]);
    const wait = consumer.waitFor('9999999999999999', 5000);
    await consumer.stop();
    await expect(wait).rejects.toBeInstanceOf(ConsumerStopped);
  });

  it('loses and duplicates nothing when stopped between batches and started again', async () => {
    // given a log of 40 licence events and a consumer that stops after the read models' second batch of 5
    await appendPurchases(ws.log, 40);
    const first = follow([ledger(), seatCount], { batchSize: 5 });
    let batches = 0;
    first.readModels.onApplied(() => {
      batches += 1;
      if (batches === 2) void first.consumer.stop();
    });
    void first.consumer.start();
    await eventually(() => first.consumer.status()[0]?.state === 'stopped');
    await first.consumer.stop();
    first.readModels.close();
    const midway = openReadModels({ file: ws.readModelsFile, projections: [ledger(), seatCount] });
    const checkpoint = midway.lowestPosition();
    const applied = rows(midway.db, 'SELECT count(*) AS n FROM ledger');
    midway.close();
    expect(applied).toEqual([{ n: 10 }]);
    // when
    const second = follow([ledger(), seatCount], { batchSize: 5 });
    await second.consumer.start();
    // then every event is there once (the ledger's primary key would have refused a second time)
    expect(checkpoint).not.toBeNull();
    expect(rows(second.db, 'SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM ledger')).toEqual([
      { n: 40, d: 40 },
    ]);
    expect(rows(second.db, 'SELECT sum(purchased) AS total FROM seat_count')).toEqual([{ total: 40 }]);
  });

  it('retries a failing processor alone, from its last committed batch, while the others go on', async () => {
    await appendPurchases(ws.log, 12);
    await ws.log.deactivate('acc-0', 'ann');
    await appendPurchases(ws.log, 3);
    const others = collector('others');
    // when the read models break on the 13th event, inside their third batch of 5, three times in a row
    const { consumer, db } = follow([ledger(1, { type: 'UserDeactivated', times: 3 }), seatCount], {
      batchSize: 5,
      others: [others.processor],
    });
    const wait = consumer.waitFor(await ws.log.purchase('acc-1', 'WEBINAR', 'webinar-100', 1), 5000);
    void consumer.start();
    // then the other processor has everything while the read models still retry
    await eventually(() => others.seen.length === 17);
    // and the read models get there once the handler stops failing, every event once
    await wait;
    expect(consumer.isReady()).toBe(true);
    expect(rows(db, 'SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM ledger')).toEqual([{ n: 17, d: 17 }]);
    expect(rows(db, 'SELECT sum(purchased) AS total FROM seat_count')).toEqual([{ total: 16 }]);
  });

  it('hands a failing processor its events again from its checkpoint when that went back behind what it took', async () => {
    await appendPurchases(ws.log, 12);
    // given a processor that commits every second batch and, once, loses the batch it had not committed yet
    const kept: RecordedEvent[] = [];
    let uncommitted: RecordedEvent[] = [];
    let committed: Position | null = null;
    let batches = 0;
    let rollBackOnce = true;
    const forgetful: Processor = {
      name: 'forgetful',
      checkpoint: () => committed,
      handle(events, through) {
        if (rollBackOnce && uncommitted.length > 0 && kept.length >= 6) {
          rollBackOnce = false;
          uncommitted = [];
          throw new Error('rolled back');
        }
        uncommitted.push(...events);
        if (++batches % 2 === 0) {
          kept.push(...uncommitted);
          uncommitted = [];
          committed = through;
        }
      },
    };
    const { consumer } = follow([seatCount], { batchSize: 3, others: [forgetful] });
    // when
    await consumer.start();
    await eventually(() => kept.length + uncommitted.length === 12);
    // then the lost batch came again: every event once, in log order
    expect(rollBackOnce).toBe(false);
    expect([...kept, ...uncommitted].map((e) => e.position)).toEqual(
      [...(await ws.log.recorded())].map((e) => e.position),
    );
  });

  it('shows a failing processor in its status and keeps the service unready while the read models fail', async () => {
    await appendPurchases(ws.log, 2);
    await ws.log.deactivate('acc-0', 'ann');
    const { consumer } = follow([ledger(1, { type: 'UserDeactivated', times: 1_000 })]);
    void consumer.start();
    await eventually(() => (consumer.status()[0]?.failures ?? 0) >= 2);
    const [status] = consumer.status();
    expect(status).toMatchObject({ name: 'read-models', state: 'retrying', lastError: 'handler broke' });
    expect(consumer.isReady()).toBe(false);
  });

  it('reports a failing processor that does not gate readiness without making the service unready', async () => {
    await appendPurchases(ws.log, 3);
    const mailer: Processor = {
      name: 'mailer',
      checkpoint: () => null,
      handle() {
        throw new Error('SMTP is down');
      },
    };
    const { consumer } = follow([seatCount], { others: [mailer] });
    await consumer.start();
    await eventually(() => (consumer.status()[1]?.failures ?? 0) >= 2);
    expect(consumer.isReady()).toBe(true);
    expect(consumer.status()[1]).toMatchObject({ name: 'mailer', state: 'retrying', lastError: 'SMTP is down' });
    // and read-your-writes does not wait for it
    await consumer.waitFor(await appendPurchases(ws.log, 1), 2000);
  });

  it('lets a slow processor fall behind the window and catch up by reading the log on its own', async () => {
    await appendPurchases(ws.log, 30);
    const slow = collector('slow', { delayMs: 20 });
    const { consumer } = follow([seatCount], { batchSize: 5, windowSize: 5, others: [slow.processor] });
    await consumer.start();
    // the read models are ready long before the slow processor has seen anything much
    expect(slow.seen.length).toBeLessThan(30);
    const last = await appendPurchases(ws.log, 10);
    await eventually(() => slow.seen.at(-1)?.position === last);
    const positions = slow.seen.map((e) => e.position);
    expect(positions).toEqual([...(await ws.log.recorded())].map((e) => e.position));
  });

  it('hands a processor with coalesceMs a backlog at once, then what arrives during its wait as one batch', async () => {
    // given a backlog of 30 events, handed over in batches of 10
    await appendPurchases(ws.log, 30);
    const WAIT_MS = 2000;
    const batches: { size: number; at: number }[] = [];
    let position: Position | null = null;
    const mailer: Processor = {
      name: 'mailer',
      coalesceMs: WAIT_MS,
      checkpoint: () => position,
      handle(events, through) {
        batches.push({ size: events.length, at: performance.now() });
        position = through;
      },
    };
    const { consumer } = follow([seatCount], { batchSize: 10, others: [mailer] });
    await consumer.start();
    await eventually(() => batches.length === 3);
    // then the backlog came without a wait between its batches
    expect(batches.map((b) => b.size)).toEqual([10, 10, 10]);
    expect((batches[2]?.at ?? 0) - (batches[0]?.at ?? 0)).toBeLessThan(WAIT_MS);

    // when one more is written: handed over at once, and the wait starts
    const one = await ws.log.purchase('acc-0', 'WEBINAR', 'webinar-100', 1);
    await eventually(() => position === one);
    // and five more during that wait, each its own append
    const written = await Promise.all(
      [1, 2, 3, 4, 5].map((i) => ws.log.purchase(`acc-${i}`, 'WEBINAR', 'webinar-100', 1)),
    );
    const last = written.sort().at(-1) as Position;
    // then the read models have them at once, and the mailer after its wait, as one batch
    await consumer.waitFor(last, 2000);
    expect(position).toBe(one);
    await eventually(() => position === last);
    expect(batches.slice(3).map((b) => b.size)).toEqual([1, 5]);
    expect((batches[4]?.at ?? 0) - (batches[3]?.at ?? 0)).toBeGreaterThanOrEqual(WAIT_MS - 1);
  });

  it('refuses a wait before the batches of a processor that gates readiness', () => {
    const consumer = new LogConsumer({ store: ws.store });
    const gating: Processor = {
      name: 'models',
      gatesReadiness: true,
      coalesceMs: 10,
      checkpoint: () => null,
      handle() {},
    };
    expect(() => consumer.add(gating)).toThrow(/models is awaited by writes/);
  });

  it('hands a processor catching up on its own nothing until it is done, holds nobody back, then goes on from its checkpoint', async () => {
    // given
    await appendPurchases(ws.log, 4);
    const head = (await ws.store.headPosition()) as Position;
    const alone = collector('alone');
    let finish: (through: Position) => void = () => {};
    const askedWith: (Position | null)[] = [];
    const processor: Processor = {
      ...alone.processor,
      gatesReadiness: true,
      catchUpAlone(at) {
        askedWith.push(at);
        // As a worker would: it reaches the head on its own, handed nothing by the consumer meanwhile.
        return new Promise<void>((resolve) => {
          finish = (through) => {
            void alone.processor.handle([], through);
            resolve();
          };
        });
      },
    };
    const { consumer, db } = follow([seatCount], { others: [processor] });
    const started = consumer.start();
    await eventually(() => rows(db, 'SELECT * FROM seat_count').length === 3);
    // then: the others went on; it was asked with the head, was handed nothing, and keeps readiness back
    expect(askedWith).toEqual([head]);
    expect(alone.seen).toEqual([]);
    expect(consumer.isReady()).toBe(false);
    expect(consumer.status().find((s) => s.name === 'alone')).toMatchObject({ state: 'catching-up', position: null });
    // when: it is done, and the log grows meanwhile
    const later = await ws.log.purchase('acc-7', 'WEBINAR', 'webinar-100', 1);
    finish(head);
    await started;
    await consumer.waitFor(later, 2000);
    // then: only what came after its own checkpoint
    expect(alone.seen.map((e) => e.position)).toEqual([later]);
    expect(consumer.isReady()).toBe(true);
  });

  it('lets a processor whose own catch-up failed catch up here from its checkpoint', async () => {
    await appendPurchases(ws.log, 3);
    const alone = collector('alone');
    const processor: Processor = {
      ...alone.processor,
      gatesReadiness: true,
      catchUpAlone: () => Promise.reject(new Error('the worker could not start')),
    };
    const { consumer } = follow([seatCount], { others: [processor] });
    await consumer.start();
    expect(alone.seen.map((e) => e.type)).toEqual(['LicensePurchased', 'LicensePurchased', 'LicensePurchased']);
  });

  it('aborts a catch-up on its own when it stops, and waits for it to end', async () => {
    await appendPurchases(ws.log, 1);
    let aborted = false;
    let ended = false;
    const processor: Processor = {
      ...collector('alone').processor,
      catchUpAlone: (_head, signal) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            // A worker commits what it has before it ends.
            setTimeout(() => {
              ended = true;
              resolve();
            }, 50);
          });
        }),
    };
    const { consumer } = follow([seatCount], { others: [processor] });
    await consumer.start();
    expect(aborted).toBe(false);
    await consumer.stop();
    expect(aborted).toBe(true);
    expect(ended).toBe(true);
  });

  it('starts a processor added while live from its own checkpoint', async () => {
    const early = await appendPurchases(ws.log, 4);
    const { consumer } = follow([seatCount]);
    await consumer.start();
    await appendPurchases(ws.log, 2);
    // when a processor joins that has handled everything up to the 4th event
    const late = collector('late', { from: early });
    await consumer.add(late.processor);
    // then it is handed the 5th and 6th only, and live events after them
    expect(late.seen).toHaveLength(2);
    await appendPurchases(ws.log, 1);
    await eventually(() => late.seen.length === 3);
  });

  it('rebuilds only the projection whose version changed, from the start of the log', async () => {
    await appendPurchases(ws.log, 6);
    const v1 = follow([ledger(1), seatCount]);
    await v1.consumer.start();
    v1.db.prepare("UPDATE seat_count SET purchased = 1000 WHERE account_id = 'acc-0'").run();
    v1.db.prepare("INSERT INTO ledger VALUES ('stale', '0', 'Stale')").run();
    await v1.consumer.stop();
    v1.readModels.close();
    // when
    const v2 = follow([ledger(2), seatCount]);
    await v2.consumer.start();
    // then the ledger is rebuilt (the stale row is gone), the untouched projection is not
    expect(rows(v2.db, 'SELECT count(*) AS n FROM ledger')).toEqual([{ n: 6 }]);
    expect(rows(v2.db, "SELECT purchased FROM seat_count WHERE account_id = 'acc-0'")).toEqual([{ purchased: 1000 }]);
    expect(rows(v2.db, "SELECT name FROM sqlite_schema WHERE name = 'ledger_by_type'")).toEqual([
      { name: 'ledger_by_type' },
    ]);
  });

  it('drops a projection no longer listed for the file, its tables and checkpoint with it (moved to a file of its own)', async () => {
    // given a file holding two projections (as readmodels.db held the licence history before history.db)
    await appendPurchases(ws.log, 3);
    const before = follow([ledger(), seatCount]);
    await before.consumer.start();
    before.db.prepare("UPDATE seat_count SET purchased = 1000 WHERE account_id = 'acc-0'").run();
    await before.consumer.stop();
    before.readModels.close();
    // when it is opened with one of them
    const after = follow([seatCount]);
    await after.consumer.start();
    // then nothing of the other is left, and the one kept was not rebuilt
    expect(rows(after.db, "SELECT name FROM sqlite_schema WHERE name LIKE 'ledger%'")).toEqual([]);
    expect(rows(after.db, 'SELECT name FROM projections')).toEqual([{ name: 'seat-count' }]);
    expect(rows(after.db, "SELECT purchased FROM seat_count WHERE account_id = 'acc-0'")).toEqual([
      { purchased: 1000 },
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
    const { consumer, db } = follow([seatCount]);
    await consumer.start();
    expect(rows(db, 'SELECT sum(purchased) AS total FROM seat_count')).toEqual([{ total: 3 }]);
  });

  it('refuses two projections that create the same table, and two processors of one name', () => {
    const clash = defineProjection({ ...seatCount, name: 'clash' });
    expect(() => openReadModels({ file: ws.readModelsFile, projections: [seatCount, clash] })).toThrow(
      'seat_count is created by both seat-count and clash',
    );
    const consumer = new LogConsumer({ store: ws.store });
    void consumer.add(collector('twice').processor);
    expect(() => consumer.add(collector('twice').processor)).toThrow('a processor named twice is already added');
  });
});
