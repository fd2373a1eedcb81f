// A read-model file written by a thread of its own (the server's licence history): each batch commits in the thread
// with its checkpoints before handle() resolves, the main thread's connection reads it then, a batch the thread
// refuses leaves none of its rows and the checkpoint where it was, and close() ends the thread with the file closed.
import fs from 'node:fs';
import path from 'node:path';
import { historyFile } from '../../projections';
import type { RecordedEvent } from '../../src/eventstore/port';
import { type ReadModelsProcessor, readModelsProcessor } from '../../src/projection-runtime/read-models-processor';
import { recordedPurchase } from '../support/projection-world';
import { makeTempDir } from '../support/temp-dir';

describe('a read-model file written by a thread of its own', () => {
  const temp = makeTempDir('seatledger-writer-thread-');
  let file: string;
  let lane: ReadModelsProcessor;
  const historyRows = () =>
    lane.db.prepare('SELECT event_id FROM license_history ORDER BY seq').pluck().all() as string[];
  const handle = (events: readonly RecordedEvent[]) => lane.handle(events, (events.at(-1) as RecordedEvent).position);

  beforeEach(() => {
    file = path.join(temp.dir, `${Math.random().toString(36).slice(2)}.db`);
    lane = readModelsProcessor({
      name: historyFile.processor,
      file,
      projections: historyFile.projections,
      writerThread: true,
    });
    // Caught up on an empty log: from here on the thread writes.
    lane.caughtUp?.();
  });
  afterEach(() => lane.close());
  afterAll(() => temp.cleanup());

  it('commits each batch in the thread before answering, and only then tells the listeners', async () => {
    const seen: string[][] = [];
    lane.onApplied((events) => seen.push(events.map((event) => event.id)));

    // when a batch of two purchases is handed over
    const handled = handle([recordedPurchase(1, 'acc-1', 5), recordedPurchase(2, 'acc-2', 3)]);

    // then the answer is a promise: nothing is written on the main thread meanwhile
    expect(handled).toBeInstanceOf(Promise);
    expect(historyRows()).toEqual([]);
    expect(seen).toEqual([]);
    await handled;
    // and once it resolves the main thread's connection reads both rows, and the checkpoint moved with them
    expect(historyRows()).toEqual(['event-1', 'event-2']);
    expect(seen).toEqual([['event-1', 'event-2']]);
    expect(lane.checkpoint()).toBe(recordedPurchase(2, 'acc-2', 3).position);
    expect(lane.checkpoints()).toEqual([{ name: 'license-history', version: 2, position: '0000000000000002' }]);
  });

  it('refuses a batch that breaks in the thread as a whole, and takes the next one', async () => {
    await handle([recordedPurchase(1, 'acc-1', 5)]);
    // given a batch whose second event has no occurredAt (license_history.occurred_at is NOT NULL)
    const broken = recordedPurchase(3, 'acc-1', 1);
    const poisoned = { ...broken, metadata: { ...broken.metadata, occurredAt: undefined } } as unknown as RecordedEvent;

    // when it is handed over, then it fails with SQLite's code, and nothing of it is in the file
    await expect(handle([recordedPurchase(2, 'acc-1', 2), poisoned])).rejects.toMatchObject({
      name: 'WriterThreadFailed',
      code: 'SQLITE_CONSTRAINT_NOTNULL',
    });
    expect(historyRows()).toEqual(['event-1']);
    expect(lane.checkpoint()).toBe('0000000000000001');

    // and the batch handed over again without the broken event commits
    await handle([recordedPurchase(2, 'acc-1', 2), recordedPurchase(3, 'acc-1', 1)]);
    expect(historyRows()).toEqual(['event-1', 'event-2', 'event-3']);
  });

  it('refuses a batch that cannot be copied to the thread, and takes the next one', async () => {
    // given an event whose data holds a function, which no thread can be handed
    const purchase = recordedPurchase(1, 'acc-1', 5);
    const uncopyable = { ...purchase, data: { ...purchase.data, note: () => 'no' } } as RecordedEvent;

    await expect(handle([uncopyable])).rejects.toMatchObject({ name: 'DataCloneError' });

    // then nothing waits on it: the same position handed over again as data commits
    await handle([purchase]);
    expect(historyRows()).toEqual(['event-1']);
  });

  it('closes the file in the thread on close(): no connection is left holding its WAL', async () => {
    await handle([recordedPurchase(1, 'acc-1', 5)]);
    expect(fs.existsSync(`${file}-wal`)).toBe(true);

    await lane.close();

    // SQLite removes the WAL when the file's last connection closes; a thread still holding it would keep it.
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
  });
});
