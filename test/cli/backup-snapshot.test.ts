// `seatledger backup` copies the log's files under a read snapshot (src/eventstore/sqlite/snapshot-copy.ts). This
// checks that copy where it could go wrong: a writer commits in a tight loop on the real store adapter while a second
// connection checkpoints the WAL as fast as it can (pages move from the WAL into the file, the WAL starts over) and
// backups run one after another. Each backup, restored, must be a log whose every event verifies (positions 1..N
// without a gap, each stream's revisions in order, each payload's checksum right) and whose head is at or after the
// log's head when the backup started.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteEventStore } from '../../src/eventstore/sqlite';
import { runCli, sleep } from '../reliability/support';
import { makeTempDir } from '../support/temp-dir';

jest.setTimeout(120_000);

const STREAMS = 7;
const PREFILL = 20_000;
const BACKUPS = 3;
// Filler so the log is some MB and the copy takes long enough for commits to land during it.
const PAD = 'x'.repeat(400);

const checksum = (n: number) => createHash('sha256').update(`event ${n}`).digest('hex');
// Runs of BLOCK events share a stream, so the prefill appends a run at once.
const BLOCK = 100;
const streamOf = (n: number) => `loop-${Math.floor((n - 1) / BLOCK) % STREAMS}`;

function eventNumber(n: number) {
  return {
    id: randomUUID(),
    type: 'LoopCommitted',
    data: { n, checksum: checksum(n), pad: PAD },
    metadata: {
      accountId: 'backup-snapshot',
      actorId: 'test',
      occurredAt: new Date().toISOString(),
      correlationId: randomUUID(),
      causationId: randomUUID(),
      schemaVersion: 1,
    },
  };
}

/** Every problem of a restored log: a gap, a revision out of order, a payload whose checksum is wrong. */
function problemsOf(file: string): { problems: string[]; events: number } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const problems: string[] = [];
    const revisions = new Map<string, number>();
    let expected = 1;
    for (const row of db
      .prepare('SELECT position, stream, revision, data FROM events ORDER BY position')
      .iterate() as Iterable<{ position: number; stream: string; revision: number; data: string }>) {
      const data = JSON.parse(row.data) as { n: number; checksum: string };
      if (row.position !== expected || data.n !== expected) problems.push(`position ${row.position}: n ${data.n}`);
      if (data.checksum !== checksum(data.n)) problems.push(`position ${row.position}: checksum`);
      if (row.stream !== streamOf(data.n)) problems.push(`position ${row.position}: stream ${row.stream}`);
      const revision = revisions.get(row.stream) ?? 0;
      if (row.revision !== revision) problems.push(`position ${row.position}: revision ${row.revision}`);
      revisions.set(row.stream, revision + 1);
      expected++;
      if (problems.length > 10) break;
    }
    return { problems, events: expected - 1 };
  } finally {
    db.close();
  }
}

test('backups taken while a writer commits in a loop and the WAL is checkpointed restore to whole logs, at or past their start', async () => {
  const temp = makeTempDir('seatledger-backup-snapshot-');
  const dataDir = path.join(temp.dir, 'data');
  fs.mkdirSync(dataDir, { mode: 0o700 });
  const file = path.join(dataDir, 'events.db');
  const store = openSqliteEventStore({ file });
  const checkpointer = new Database(file, { fileMustExist: true });
  let committed = 0;
  let stopped = false;
  try {
    const revisions = Array.from({ length: STREAMS }, () => -1);
    /** Appends events committed+1 .. committed+count, all in one stream (count never crosses a run of BLOCK). */
    const append = async (count = 1) => {
      const first = committed + 1;
      const index = Math.floor((first - 1) / BLOCK) % STREAMS;
      const expectedRevision = revisions[index] as number;
      const events = Array.from({ length: count }, (_, i) => eventNumber(first + i));
      await store.appendToStream(streamOf(first), events, {
        expectedRevision: expectedRevision < 0 ? 'no_stream' : expectedRevision,
      });
      revisions[index] = expectedRevision + count;
      committed = first + count - 1;
    };
    while (committed < PREFILL) await append(BLOCK);
    const writer = (async () => {
      while (!stopped) {
        await append();
        // Let the backup's child and the checkpoints have the machine now and then: commits keep landing throughout.
        if (committed % 50 === 0) await sleep(1);
      }
    })();
    const checkpoints = setInterval(() => checkpointer.pragma('wal_checkpoint(PASSIVE)'), 2);

    const results: { atStart: number; restored: { problems: string[]; events: number } }[] = [];
    for (let i = 0; i < BACKUPS; i++) {
      const atStart = committed;
      const target = path.join(temp.dir, `backup-${i}`);
      const backup = await runCli(['backup', target, '--data-dir', dataDir]);
      expect(backup.stderr).toBe('');
      expect(backup.code).toBe(0);
      // One file, no WAL beside it.
      expect(fs.readdirSync(target).sort()).toEqual(['events.db', 'manifest.json']);
      const restoredDir = path.join(temp.dir, `restored-${i}`);
      const restore = await runCli(['restore', target, '--data-dir', restoredDir]);
      expect(restore.stderr).toBe('');
      expect(restore.code).toBe(0);
      results.push({ atStart, restored: problemsOf(path.join(restoredDir, 'events.db')) });
    }
    stopped = true;
    clearInterval(checkpoints);
    await writer;

    for (const { atStart, restored } of results) {
      expect(restored.problems).toEqual([]);
      expect(restored.events).toBeGreaterThanOrEqual(atStart);
      expect(restored.events).toBeLessThanOrEqual(committed);
    }
    // The writer was served while the backups ran.
    expect(committed).toBeGreaterThan((results.at(-1)?.atStart ?? 0) + 10);
  } finally {
    stopped = true;
    checkpointer.close();
    await store.close();
    temp.cleanup();
  }
});
