// Counters tallied per batch (ProjectionDb.tally): a batch's sums land once per row before its checkpoint, the same
// rows whatever the batch sizes, and a batch that fails leaves no sum behind for its retry to count twice.
import type { RecordedEvent } from '../../src/eventstore/port';
import { defineProjection } from '../../src/projection-runtime/define';
import { openReadModels, type ReadModels } from '../../src/projection-runtime/read-models';
import { recordedPurchase } from '../support/projection-world';
import { makeTempDir } from '../support/temp-dir';

/** Seats bought per account, and how many purchases; the purchase at `breakOn.position` breaks its handler. */
const bought = (breakOn = { position: 'none' }) =>
  defineProjection({
    name: 'bought',
    version: 1,
    tables: [
      `CREATE TABLE bought (
        account_id TEXT NOT NULL,
        product TEXT NOT NULL,
        seats INTEGER NOT NULL DEFAULT 0,
        purchases INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (account_id, product)
      ) WITHOUT ROWID`,
    ],
    handlers: {
      LicensePurchased: (db, e) => {
        if (e.position === breakOn.position) throw new Error('handler broke');
        db.tally('bought', { account_id: e.data.accountId, product: e.data.product }, { seats: e.data.quantity });
        db.tally('bought', { account_id: e.data.accountId, product: e.data.product }, { purchases: 1 });
      },
    },
  });

const positionOf = (n: number) => String(n).padStart(16, '0');

/** Purchases 1..count: account acc-(n % 3), quantity n. */
const purchases = (count: number): RecordedEvent[] =>
  Array.from({ length: count }, (_, i) => recordedPurchase(i + 1, `acc-${(i + 1) % 3}`, i + 1));

const expected = [
  { account_id: 'acc-0', product: 'WEBINAR', seats: 3 + 6 + 9, purchases: 3 },
  { account_id: 'acc-1', product: 'WEBINAR', seats: 1 + 4 + 7 + 10, purchases: 4 },
  { account_id: 'acc-2', product: 'WEBINAR', seats: 2 + 5 + 8, purchases: 3 },
];

describe('counters tallied per batch', () => {
  const temp = makeTempDir('seatledger-tally-');
  let models: ReadModels;
  const open = (projection = bought()) => {
    models = openReadModels({
      file: `${temp.dir}/${Math.random().toString(36).slice(2)}.db`,
      projections: [projection],
    });
    return models;
  };
  const rows = () => models.db.prepare('SELECT * FROM bought ORDER BY account_id').all();
  afterEach(() => models.close());
  afterAll(() => temp.cleanup());

  it('writes the same rows whether the events come one per batch or all in one', () => {
    // given ten purchases over three accounts, when applied one batch per event
    open();
    for (const event of purchases(10)) models.apply([event]);
    const onePerBatch = rows();
    models.close();
    // and when applied in one batch
    open();
    models.apply(purchases(10));
    // then both give the sums, each row created at zero by its first tally
    expect(onePerBatch).toEqual(expected);
    expect(rows()).toEqual(expected);
  });

  it('leaves nothing of a failed batch: handed over again, every purchase counts once', () => {
    // given a batch whose 8th event breaks its handler after 7 tallies
    const breakOn = { position: positionOf(8) };
    open(bought(breakOn));
    models.apply(purchases(2));
    // when
    expect(() => models.apply(purchases(10).slice(2))).toThrow('handler broke');
    // then the rows are those of the first batch
    expect(rows()).toEqual([
      { account_id: 'acc-1', product: 'WEBINAR', seats: 1, purchases: 1 },
      { account_id: 'acc-2', product: 'WEBINAR', seats: 2, purchases: 1 },
    ]);
    // when the handler works again and the batch is handed over again
    breakOn.position = 'none';
    models.apply(purchases(10).slice(2));
    // then
    expect(rows()).toEqual(expected);
  });
});
