// A reactor as a processor of the log consumer (the SQLite log, no consumer groups): what it records about one batch
// commits once, with its checkpoint; an event that throws mid-batch leaves what the events before it recorded
// committed, and the retry starts after them, so every event is recorded exactly once.
import type { NotificationsDb } from '../../src/notifications/db';
import { openNotificationsDb, readCheckpoint } from '../../src/notifications/db';
import { startReactor } from '../../src/notifications/reactor';
import type { Logger } from '../../src/notifications/transports';
import { LogConsumer } from '../../src/processing/log-consumer';
import { openWorkspace, type Workspace } from '../support/projection-world';

const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/** What the reactor's own database shows at one moment: the events recorded, and the checkpoint. */
const snapshot = (db: NotificationsDb) => ({
  recorded: (db.prepare('SELECT position FROM seen ORDER BY position').all() as { position: string }[]).map(
    (row) => row.position,
  ),
  checkpoint: readCheckpoint(db, 'batch-test') ?? null,
});

describe('a reactor following the log consumer', () => {
  let ws: Workspace;
  let db: NotificationsDb;
  let consumer: LogConsumer;

  beforeEach(() => {
    ws = openWorkspace();
    db = openNotificationsDb(ws.dir);
    db.exec('CREATE TABLE seen (event_id TEXT PRIMARY KEY, position TEXT NOT NULL)');
    consumer = new LogConsumer({ store: ws.store, retry: { baseMs: 20, maxMs: 20 } });
  });

  afterEach(async () => {
    await consumer.stop();
    db.close();
    await ws.close();
  });

  it('commits a batch once; after a throw mid-batch it keeps what came before and records the rest once', async () => {
    // Written before the consumer starts: handed to the reactor as one batch.
    const positions = [
      await ws.log.purchase('acc-1', 'VIDEO_MEETING', 'video-standard', 1),
      await ws.log.purchase('acc-2', 'VIDEO_MEETING', 'video-standard', 1),
      await ws.log.purchase('acc-3', 'VIDEO_MEETING', 'video-standard', 1),
    ];
    const [first, second, third] = positions as [string, string, string];
    const seenAt: Record<string, ReturnType<typeof snapshot>[]> = { [second]: [], [third]: [] };
    let failures = 1;

    const running = startReactor(
      {
        name: 'batch-test',
        filter: { streamPrefixes: ['subscription-'] },
        group: 'batch-test',
        async handle(event) {
          seenAt[event.position]?.push(snapshot(db));
          if (event.position === second && failures-- > 0) throw new Error('broke once');
          return (tx) => {
            tx.prepare('INSERT INTO seen (event_id, position) VALUES (?, ?)').run(event.id, event.position);
          };
        },
      },
      { store: ws.store, consumer, db, logger: quiet },
    );
    await consumer.start();
    await running.started;

    expect(snapshot(db)).toEqual({ recorded: positions, checkpoint: third });
    // First pass: nothing of the batch committed while it was handled. The retry: the first event's record and
    // checkpoint were committed before the throw, and it starts at the second event.
    expect(seenAt[second]).toEqual([
      { recorded: [], checkpoint: null },
      { recorded: [first], checkpoint: first },
    ]);
    // The rest of the retried batch is committed together once it is handled.
    expect(seenAt[third]).toEqual([{ recorded: [first], checkpoint: first }]);
    await running.stop();
  });
});
