// The SQLite event log: the shared contract on a temp dir, then what only the embedded adapter promises
// (pruning, group commit, reopening, a second writer on the same file, disk failures).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { EventStoreUnavailable, WrongExpectedRevision } from '../../src/eventstore/port';
import { openSqliteEventStore, type SqliteEventStore } from '../../src/eventstore/sqlite';
import { makeTempDir } from '../support/temp-dir';
import { anEvent, collect, describeEventStoreContract, SubscriptionReader, streamName, uniquePrefix } from './contract';

describeEventStoreContract('sqlite', async () => {
  const temp = makeTempDir();
  const store = openSqliteEventStore({ file: path.join(temp.dir, 'events.db') });
  return {
    store,
    close: async () => {
      await store.close();
      temp.cleanup();
    },
  };
});

/** Counts the log's page reads (`SELECT … FROM events WHERE position > ?`) on any connection while `work` runs. */
async function logReadsDuring(work: () => Promise<void>): Promise<number> {
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as { all: (...args: unknown[]) => unknown };
  probe.close();
  const all = proto.all;
  let reads = 0;
  proto.all = function (this: Database.Statement, ...args: unknown[]) {
    if (/FROM events WHERE position > \?/.test(this.source)) reads += 1;
    return all.apply(this, args);
  };
  try {
    await work();
  } finally {
    proto.all = all;
  }
  return reads;
}

describe('SQLite event log', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let file: string;
  const opened: SqliteEventStore[] = [];
  const open = (options: Partial<Parameters<typeof openSqliteEventStore>[0]> = {}) => {
    const store = openSqliteEventStore({ file, ...options });
    opened.push(store);
    return store;
  };

  beforeEach(() => {
    temp = makeTempDir();
    file = path.join(temp.dir, 'events.db');
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    temp.cleanup();
  });

  describe('an empty log', () => {
    it('has no head, reads nothing and catches up at null', async () => {
      const store = open();
      const subscription = store.subscribeToAll();

      try {
        expect(await store.headPosition()).toBeNull();
        expect(await collect(store.readAll())).toEqual([]);
        expect(await new SubscriptionReader(subscription).eventsUntilCaughtUp()).toEqual({
          events: [],
          position: null,
        });
      } finally {
        await subscription.unsubscribe();
      }
    });
  });

  describe('positions', () => {
    it('are 16 zero-padded digits', async () => {
      const store = open();

      const { position } = await store.appendToStream(streamName(), [anEvent()], { expectedRevision: 'no_stream' });

      expect(position).toBe('0000000000000001');
    });

    it('refuses a malformed position with a clear error', async () => {
      const store = open();

      await expect(collect(store.readAll({ after: '12' }))).rejects.toThrow(/malformed position "12"/);
      expect(() => store.subscribeToAll({ after: 'not-a-position' })).toThrow(/malformed position/);
    });
  });

  describe('maxCount', () => {
    it('keeps only the latest events of the stream, and its revisions go on counting', async () => {
      const store = open();
      const credentials = `credentials-${streamName()}`;
      for (const [i, expectedRevision] of (['no_stream', 0, 1] as const).entries()) {
        await store.appendToStream(credentials, [anEvent(`Secret${i}`)], { expectedRevision, maxCount: 1 });
      }

      const left = await collect(store.readStream(credentials));
      const inLog = await collect(store.readAll({ filter: { streamPrefixes: ['credentials-'] } }));
      const conflict = store.appendToStream(credentials, [anEvent()], { expectedRevision: 1, maxCount: 1 });

      expect(left.map((e) => [e.revision, e.type])).toEqual([[2, 'Secret2']]);
      expect(inLog.map((e) => e.type)).toEqual(['Secret2']);
      await expect(conflict).rejects.toBeInstanceOf(WrongExpectedRevision);
    });

    it('keeps the latest N when N > 1', async () => {
      const store = open();
      const stream = streamName();

      await store.appendToStream(stream, [anEvent('a'), anEvent('b'), anEvent('c'), anEvent('d')], {
        expectedRevision: 'no_stream',
        maxCount: 2,
      });

      expect((await collect(store.readStream(stream))).map((e) => e.type)).toEqual(['c', 'd']);
    });
  });

  describe('group commit', () => {
    it('writes 32 concurrent appends in fewer transactions', async () => {
      const store = open();
      const before = store.groupCommitStats;

      await Promise.all(
        Array.from({ length: 32 }, () =>
          store.appendToStream(streamName(), [anEvent()], { expectedRevision: 'no_stream' }),
        ),
      );

      const after = store.groupCommitStats;
      expect(after.appends - before.appends).toBe(32);
      expect(after.transactions - before.transactions).toBeLessThanOrEqual(2);
    });

    it('a conflict in the batch fails only that append', async () => {
      const store = open();
      const contested = streamName();
      await store.appendToStream(contested, [anEvent()], { expectedRevision: 'no_stream' });
      const before = store.groupCommitStats;

      const outcomes = await Promise.allSettled([
        store.appendToStream(streamName(), [anEvent()], { expectedRevision: 'no_stream' }),
        store.appendToStream(contested, [anEvent('stale')], { expectedRevision: 'no_stream' }),
        store.appendToStream(contested, [anEvent('fresh')], { expectedRevision: 0 }),
        store.appendToStream(streamName(), [anEvent()], { expectedRevision: 'no_stream' }),
      ]);

      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      expect(store.groupCommitStats.transactions - before.transactions).toBe(1);
      expect((await collect(store.readStream(contested))).map((e) => e.type)).toEqual(['SomethingHappened', 'fresh']);
    });

    it('two appends at one revision in one transaction: the first wins, the second conflicts', async () => {
      const store = open();
      const stream = streamName();
      const before = store.groupCommitStats;

      const outcomes = await Promise.allSettled([
        store.appendToStream(stream, [anEvent('first')], { expectedRevision: 'no_stream' }),
        store.appendToStream(stream, [anEvent('second')], { expectedRevision: 'no_stream' }),
      ]);

      expect(store.groupCommitStats.transactions - before.transactions).toBe(1);
      expect(outcomes[0]).toMatchObject({ status: 'fulfilled', value: { nextRevision: 0 } });
      expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: expect.any(WrongExpectedRevision) });
      expect((await collect(store.readStream(stream))).map((e) => e.type)).toEqual(['first']);
    });

    it('an append of several events failing half-way writes none of them, and its neighbours all of theirs', async () => {
      const store = open();
      const taken = anEvent('elsewhere');
      await store.appendToStream(streamName(), [taken], { expectedRevision: 'no_stream' });
      const [left, failing, right] = [streamName(), streamName(), streamName()];

      const outcomes = await Promise.allSettled([
        store.appendToStream(left, [anEvent('l1'), anEvent('l2')], { expectedRevision: 'no_stream' }),
        // Its second event's id is already in the log, on another stream: found only once the first is inserted.
        store.appendToStream(failing, [anEvent('f1'), { ...anEvent('f2'), id: taken.id }, anEvent('f3')], {
          expectedRevision: 'no_stream',
        }),
        store.appendToStream(right, [anEvent('r1')], { expectedRevision: 'no_stream' }),
      ]);

      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(await collect(store.readStream(failing))).toEqual([]);
      const written = [...(await collect(store.readStream(left))), ...(await collect(store.readStream(right)))];
      expect(written.map((e) => [e.type, e.revision])).toEqual([
        ['l1', 0],
        ['l2', 1],
        ['r1', 0],
      ]);
      // Each caller is answered with its own last event's position, as the log holds it.
      const answered = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value.position] : []));
      expect(answered).toEqual([written[1]?.position, written[2]?.position]);
      // The failed append can be made again as it was: nothing of it is in the way.
      await expect(
        store.appendToStream(failing, [anEvent('f1'), anEvent('f2')], { expectedRevision: 'no_stream' }),
      ).resolves.toMatchObject({ nextRevision: 1 });
    });
  });

  describe('durability and sharing the file', () => {
    it('keeps everything across a reopen', async () => {
      const first = open();
      const stream = streamName();
      const { position } = await first.appendToStream(stream, [anEvent('A'), anEvent('B')], {
        expectedRevision: 'no_stream',
      });
      await first.close();

      const reopened = open();

      expect((await collect(reopened.readStream(stream))).map((e) => e.type)).toEqual(['A', 'B']);
      expect(await reopened.headPosition()).toBe(position);
      await expect(reopened.appendToStream(stream, [anEvent()], { expectedRevision: 1 })).resolves.toMatchObject({
        nextRevision: 2,
      });
    });

    it('close writes the appends already accepted', async () => {
      const store = open();
      const stream = streamName();

      const appending = store.appendToStream(stream, [anEvent()], { expectedRevision: 'no_stream' });
      await store.close();

      await expect(appending).resolves.toMatchObject({ nextRevision: 0 });
      expect(await collect(open().readStream(stream))).toHaveLength(1);
      await expect(store.appendToStream(stream, [anEvent()], { expectedRevision: 0 })).rejects.toBeInstanceOf(
        EventStoreUnavailable,
      );
    });

    it('a second instance on the same file sees the appends and their revisions', async () => {
      const mine = open();
      const theirs = open();
      const stream = streamName();
      await mine.appendToStream(stream, [anEvent('A')], { expectedRevision: 'no_stream' });

      const read = await collect(theirs.readStream(stream));
      const conflict = theirs.appendToStream(stream, [anEvent()], { expectedRevision: 'no_stream' });
      await theirs.appendToStream(stream, [anEvent('B')], { expectedRevision: 0 });

      expect(read.map((e) => e.type)).toEqual(['A']);
      await expect(conflict).rejects.toBeInstanceOf(WrongExpectedRevision);
      expect((await collect(mine.readAll())).map((e) => e.type)).toEqual(['A', 'B']);
      expect(await mine.headPosition()).toBe(await theirs.headPosition());
    });

    it('a subscription sees live what another instance on the file appends', async () => {
      const mine = open();
      const theirs = open();
      const subscription = mine.subscribeToAll();
      const reader = new SubscriptionReader(subscription);

      try {
        await reader.eventsUntilCaughtUp();
        const live = reader.events(1, 3000);
        await new Promise((resolve) => setTimeout(resolve, 300)); // the subscription is asleep, waiting for a commit
        await theirs.appendToStream(streamName(), [anEvent('theirs')], { expectedRevision: 'no_stream' });
        const [event] = await live;
        expect(event?.type).toBe('theirs');
      } finally {
        await subscription.unsubscribe();
      }
    });

    it('another process appending to the file is seen by the next read', async () => {
      const store = open();
      const stream = streamName();
      await store.appendToStream(stream, [anEvent('mine')], { expectedRevision: 'no_stream' });
      const script = `
        const { openSqliteEventStore } = require('./src/eventstore/sqlite');
        const store = openSqliteEventStore({ file: process.argv[1] });
        const event = { id: require('node:crypto').randomUUID(), type: 'theirs', data: {}, metadata: {} };
        store.appendToStream(process.argv[2], [event], { expectedRevision: 0 }).then(() => store.close());
      `;

      await promisify(execFile)(process.execPath, ['-r', './bench/register.js', '-e', script, file, stream], {
        cwd: path.resolve(__dirname, '../..'),
      });

      expect((await collect(store.readStream(stream))).map((e) => e.type)).toEqual(['mine', 'theirs']);
    }, 60_000);
  });

  describe('when the disk fails', () => {
    it('a read-only log refuses appends as unavailable, without SQL in the message, and writes nothing', async () => {
      const writer = open();
      const stream = streamName();
      await writer.appendToStream(stream, [anEvent('A')], { expectedRevision: 'no_stream' });
      await writer.close();
      const readOnly = open({ readonly: true });

      const error = await readOnly.appendToStream(stream, [anEvent('B')], { expectedRevision: 0 }).catch((e) => e);

      expect(error).toBeInstanceOf(EventStoreUnavailable);
      expect(error.message).toMatch(/read-only/);
      expect(error.message).not.toMatch(/INSERT|SELECT|BEGIN|events/i);
      expect((await collect(readOnly.readStream(stream))).map((e) => e.type)).toEqual(['A']);
    });

    it('a full disk fails the whole batch as unavailable and leaves nothing half-written', async () => {
      const store = open({ maxSizeBytes: 200 * 1024 });
      const big = { blob: 'x'.repeat(20_000) };
      const stream = streamName();
      let revision: number | 'no_stream' = 'no_stream';
      let error: unknown;
      for (let i = 0; i < 100 && error === undefined; i++) {
        try {
          const result = await store.appendToStream(stream, [anEvent('Big', big)], { expectedRevision: revision });
          revision = result.nextRevision;
        } catch (e) {
          error = e;
        }
      }
      const written = await collect(store.readStream(stream));

      const batch = await Promise.allSettled([
        store.appendToStream(streamName(), [anEvent('small')], { expectedRevision: 'no_stream' }),
        store.appendToStream(stream, [anEvent('Big', big), anEvent('Big', big)], { expectedRevision: revision }),
      ]);

      expect(error).toBeInstanceOf(EventStoreUnavailable);
      expect((error as Error).message).toMatch(/full/);
      expect(written.length).toBe(typeof revision === 'number' ? revision + 1 : 0);
      expect(batch.map((o) => o.status)).toEqual(['rejected', 'rejected']);
      expect(await collect(store.readAll())).toHaveLength(written.length);
      await store.close();
      const roomier = open();
      await expect(roomier.appendToStream(stream, [anEvent()], { expectedRevision: revision })).resolves.toBeDefined();
    });

    it('a file that is not a log cannot be opened, and says so', () => {
      fs.writeFileSync(file, 'this is not a database, just text long enough to have a header of its own');

      expect(() => openSqliteEventStore({ file })).toThrow(EventStoreUnavailable);
    });
  });

  describe('subscriptions', () => {
    it('sends a checkpoint when live events were filtered out', async () => {
      const store = open();
      const subscription = store.subscribeToAll({ filter: { streamPrefixes: [uniquePrefix()] } });
      const iterator = subscription[Symbol.asyncIterator]();

      try {
        expect((await iterator.next()).value).toEqual({ kind: 'caughtUp', position: null });
        const { position } = await store.appendToStream(streamName(), [anEvent()], { expectedRevision: 'no_stream' });
        expect((await iterator.next()).value).toEqual({ kind: 'checkpoint', position });
      } finally {
        await subscription.unsubscribe();
      }
    });

    it('a subscription catching up over many pages delivers every event once', async () => {
      const store = open({ pageSize: 50 });
      const stream = streamName();
      await store.appendToStream(
        stream,
        Array.from({ length: 1234 }, (_, i) => anEvent(`E${i}`)),
        { expectedRevision: 'no_stream' },
      );
      const subscription = store.subscribeToAll();

      try {
        const { events } = await new SubscriptionReader(subscription).eventsUntilCaughtUp();
        expect(events.map((e) => e.revision)).toEqual(Array.from({ length: 1234 }, (_, i) => i));
        expect(await collect(store.readStream(stream, { fromRevision: 1000 }))).toHaveLength(234);
      } finally {
        await subscription.unsubscribe();
      }
    });

    // What it just committed is handed to a caught-up subscription without being read back; these show the same
    // events arrive as from SQLite (order, filters, pruning, another writer), and that nothing was read.
    it('hands a caught-up subscription what it committed without reading the log back', async () => {
      const store = open();
      const prefix = uniquePrefix();
      const all = new SubscriptionReader(store.subscribeToAll());
      const filtered = new SubscriptionReader(store.subscribeToAll({ filter: { streamPrefixes: [prefix] } }));
      await all.eventsUntilCaughtUp();
      await filtered.eventsUntilCaughtUp();

      const reads = logReadsDuring(async () => {
        // One transaction of three appends, then one more.
        await Promise.all([
          store.appendToStream(`${prefix}a`, [anEvent('A1'), anEvent('A2')], { expectedRevision: 'no_stream' }),
          store.appendToStream(streamName(), [anEvent('X')], { expectedRevision: 'no_stream' }),
          store.appendToStream(`${prefix}b`, [anEvent('B1')], { expectedRevision: 'no_stream' }),
        ]);
        await store.appendToStream(`${prefix}a`, [anEvent('A3')], { expectedRevision: 1 });
        expect((await all.events(5)).map((e) => e.type)).toEqual(['A1', 'A2', 'X', 'B1', 'A3']);
        expect((await filtered.events(4)).map((e) => e.type)).toEqual(['A1', 'A2', 'B1', 'A3']);
      });

      expect(await reads).toBe(0);
      const fromLog = await collect(store.readAll());
      expect(fromLog.map((e) => e.type)).toEqual(['A1', 'A2', 'X', 'B1', 'A3']);
    });

    it('does not hand over an event pruned in the same transaction or a later one, as SQLite would not', async () => {
      const store = open();
      const credentials = `credentials-${streamName()}`;
      const reader = new SubscriptionReader(store.subscribeToAll({ filter: { streamPrefixes: [credentials] } }));
      await reader.eventsUntilCaughtUp();

      await Promise.all([
        store.appendToStream(credentials, [anEvent('Old')], { expectedRevision: 'no_stream', maxCount: 1 }),
        store.appendToStream(credentials, [anEvent('New')], { expectedRevision: 0, maxCount: 1 }),
      ]);

      expect((await reader.events(1)).map((e) => e.type)).toEqual(['New']);
      expect(await reader.nothingMoreWithin(200)).toBe(true);

      // Pruned by a later commit, before a subscription asked for it: not handed over either.
      const before = await store.headPosition();
      await store.appendToStream(credentials, [anEvent('Newer')], { expectedRevision: 1, maxCount: 1 });
      await store.appendToStream(credentials, [anEvent('Newest')], { expectedRevision: 2, maxCount: 1 });
      const late = store.subscribeToAll({ after: before as string, filter: { streamPrefixes: [credentials] } });
      try {
        const { events } = await new SubscriptionReader(late).eventsUntilCaughtUp();
        expect(events.map((e) => e.type)).toEqual(['Newest']);
      } finally {
        await late.unsubscribe();
      }
    });

    it('reads the log again when another instance committed between its own commits', async () => {
      const mine = open();
      const theirs = open();
      const reader = new SubscriptionReader(mine.subscribeToAll());
      await reader.eventsUntilCaughtUp();

      await mine.appendToStream(streamName(), [anEvent('Mine1')], { expectedRevision: 'no_stream' });
      await theirs.appendToStream(streamName(), [anEvent('Theirs')], { expectedRevision: 'no_stream' });
      await mine.appendToStream(streamName(), [anEvent('Mine2')], { expectedRevision: 'no_stream' });

      expect((await reader.events(3, 3000)).map((e) => e.type)).toEqual(['Mine1', 'Theirs', 'Mine2']);
    });
  });
});
