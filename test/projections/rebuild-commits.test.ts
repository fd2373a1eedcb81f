// A rebuild from scratch commits several batches at once: checkpoints still commit every 10,000 events, a failing
// batch undoes only itself, and after batches SQLite rolls back on its own the checkpoints go back to the last commit.
import Database from 'better-sqlite3';
import type { RecordedEvent } from '../../src/eventstore/port';
import { defineProjection } from '../../src/projection-runtime/define';
import { openReadModels, type ReadModels } from '../../src/projection-runtime/read-models';
import { recordedPurchase } from '../support/projection-world';
import { makeTempDir } from '../support/temp-dir';

/** Every event under its position; a deferred index makes an empty file a rebuild from scratch. */
const ledger = (breakOn?: { position: string; rollBack: boolean }) =>
  defineProjection({
    name: 'ledger',
    version: 1,
    tables: [
      'CREATE TABLE ledger (position TEXT PRIMARY KEY, account_id TEXT NOT NULL)',
      'CREATE INDEX ledger_by_account ON ledger (account_id)',
    ],
    handlers: {
      '*': (db, e) => {
        if (breakOn && e.position === breakOn.position) {
          // As SQLite does on a full disk or an I/O error: the whole transaction goes, not just the statement.
          if (breakOn.rollBack) db.connection.exec('ROLLBACK');
          throw new Error('handler broke');
        }
        db.run('INSERT INTO ledger (position, account_id) VALUES (?, ?)', e.position, e.data.accountId as string);
      },
    },
  });

const positionOf = (n: number) => String(n).padStart(16, '0');

/** Events `from`..`to` (1-based positions) of a licence stream. */
function events(from: number, to: number): RecordedEvent[] {
  const batch: RecordedEvent[] = [];
  for (let n = from; n <= to; n++) batch.push(recordedPurchase(n, 'acc-1', 1));
  return batch;
}

describe('a rebuild from scratch, a batch of 1,000 events at a time', () => {
  const temp = makeTempDir('seatledger-rebuild-commits-');
  let file: string;
  let models: ReadModels;
  /** What another process sees in the file: the committed checkpoint and row count. */
  const committed = () => {
    const reader = new Database(file, { readonly: true });
    try {
      return {
        position: reader.prepare("SELECT position FROM projections WHERE name = 'ledger'").pluck().get(),
        rows: reader.prepare('SELECT count(*) FROM ledger').pluck().get(),
      };
    } finally {
      reader.close();
    }
  };
  const applyBatches = (from: number, count: number) => {
    for (let b = from; b < from + count; b++) models.apply(events(b * 1000 + 1, (b + 1) * 1000));
  };

  beforeEach(() => {
    file = `${temp.dir}/readmodels-${Math.random().toString(36).slice(2)}.db`;
  });
  afterEach(() => models.close());
  afterAll(() => temp.cleanup());

  it('commits ten batches together: a checkpoint every 10,000 events, rows and checkpoint as one', () => {
    // given
    models = openReadModels({ file, projections: [ledger()] });
    expect(models.rebuilding).toBe(true);
    // when nine batches are applied, then nothing is committed yet
    applyBatches(0, 9);
    expect(committed()).toEqual({ position: null, rows: 0 });
    // when the tenth is, then all ten are
    applyBatches(9, 1);
    expect(committed()).toEqual({ position: positionOf(10_000), rows: 10_000 });
    // and the next commit comes ten batches later
    applyBatches(10, 9);
    expect(committed()).toEqual({ position: positionOf(10_000), rows: 10_000 });
    applyBatches(19, 1);
    expect(committed()).toEqual({ position: positionOf(20_000), rows: 20_000 });
  });

  it('commits what it has applied when closed mid-rebuild, and the next open goes on from there', () => {
    // given
    models = openReadModels({ file, projections: [ledger()] });
    applyBatches(0, 3);
    // when
    models.close();
    models = openReadModels({ file, projections: [ledger()] });
    // then
    expect(models.lowestPosition()).toBe(positionOf(3000));
    expect(committed()).toEqual({ position: positionOf(3000), rows: 3000 });
  });

  it('undoes only the failing batch; the same batch applies on the next try, every event once', () => {
    // given two batches applied, uncommitted, and a third whose 500th event breaks its handler once
    const failing = { position: positionOf(2500), rollBack: false };
    models = openReadModels({ file, projections: [ledger(failing)] });
    applyBatches(0, 2);
    // when
    expect(() => applyBatches(2, 1)).toThrow('handler broke');
    // then the first two batches stand and the third left nothing
    expect(models.lowestPosition()).toBe(positionOf(2000));
    expect(models.db.prepare('SELECT count(*) FROM ledger').pluck().get()).toBe(2000);
    // when it is handed over again (the handler works now)
    failing.position = 'none';
    applyBatches(2, 8);
    // then
    expect(committed()).toEqual({ position: positionOf(10_000), rows: 10_000 });
  });

  it('goes back to its last commit when SQLite rolls back batches it had applied; handed them again, takes them', () => {
    // given a commit at 10,000 and two more batches applied, when the third makes SQLite roll everything back
    const failing = { position: positionOf(12_500), rollBack: true };
    models = openReadModels({ file, projections: [ledger(failing)] });
    applyBatches(0, 12);
    expect(() => applyBatches(12, 1)).toThrow('handler broke');
    // then the checkpoint is the committed one again (what the log consumer resumes from)
    expect(models.lowestPosition()).toBe(positionOf(10_000));
    expect(committed()).toEqual({ position: positionOf(10_000), rows: 10_000 });
    // when the lost batches and the rest are handed over again, then every event is there once
    failing.position = 'none';
    applyBatches(10, 10);
    expect(committed()).toEqual({ position: positionOf(20_000), rows: 20_000 });
  });
});
