// Row-for-row comparison of two read-model files: what `replay --verify` and the rebuild specs rely on.
import type Database from 'better-sqlite3';
import { type ProjectionDefinition, schemaObject } from './define';

/** The projection's plain tables: indexes, triggers and search indexes are derived from them. */
export function projectionTables(projection: ProjectionDefinition): string[] {
  return projection.tables
    .map((ddl) => schemaObject(ddl))
    .filter((object) => object !== undefined && object.kind === 'table' && !object.virtual)
    .map((object) => object?.name as string);
}

/** Every row of the table, ordered by all its columns, read lazily. */
export function orderedRows(db: Database.Database, table: string): IterableIterator<unknown[]> {
  const columns = (db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]).map(
    (name) => `"${name}"`,
  );
  if (columns.length === 0) throw new Error(`no table ${table} in the read models`);
  return db
    .prepare(`SELECT ${columns.join(', ')} FROM "${table}" ORDER BY ${columns.join(', ')}`)
    .raw()
    .iterate() as IterableIterator<unknown[]>;
}

export interface TableDifference {
  readonly table: string;
  readonly expectedRows: number;
  readonly actualRows: number;
  /** The first few rows that differ (expected vs actual; null where one side has no row). */
  readonly samples: { expected: unknown[] | null; actual: unknown[] | null }[];
  readonly differingRows: number;
}

/** Compares one table of two connections row by row; null when identical. Streams both sides. */
export function compareTable(
  expected: Database.Database,
  actual: Database.Database,
  table: string,
  maxSamples = 3,
): TableDifference | null {
  const left = orderedRows(expected, table);
  const right = orderedRows(actual, table);
  let expectedRows = 0;
  let actualRows = 0;
  let differingRows = 0;
  const samples: TableDifference['samples'] = [];
  // Both sides are sorted the same way: walk them like a merge, so an inserted row counts once, not as a shift.
  let a = left.next();
  let b = right.next();
  while (!a.done || !b.done) {
    const order = a.done ? 1 : b.done ? -1 : compareRows(a.value, b.value);
    if (order === 0) {
      expectedRows++;
      actualRows++;
      a = left.next();
      b = right.next();
      continue;
    }
    differingRows++;
    if (order < 0) {
      expectedRows++;
      if (samples.length < maxSamples) samples.push({ expected: a.value as unknown[], actual: null });
      a = left.next();
    } else {
      actualRows++;
      if (samples.length < maxSamples) samples.push({ expected: null, actual: b.value as unknown[] });
      b = right.next();
    }
  }
  return differingRows === 0 ? null : { table, expectedRows, actualRows, samples, differingRows };
}

/** SQLite's own order for the values a row holds: NULL < numbers < text < blobs. */
function compareRows(x: unknown[], y: unknown[]): number {
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const order = compareValues(x[i], y[i]);
    if (order !== 0) return order;
  }
  return 0;
}

function rank(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number' || typeof value === 'bigint') return 1;
  if (typeof value === 'string') return 2;
  return 3;
}

function compareValues(x: unknown, y: unknown): number {
  const byRank = rank(x) - rank(y);
  if (byRank !== 0) return byRank;
  if (typeof x === 'number' || typeof x === 'bigint') return x < (y as number) ? -1 : x > (y as number) ? 1 : 0;
  if (typeof x === 'string') {
    // SQLite's BINARY collation compares UTF-8 bytes; Buffer.compare does the same.
    return Buffer.compare(Buffer.from(x), Buffer.from(y as string));
  }
  if (Buffer.isBuffer(x)) return Buffer.compare(x, y as Buffer);
  return 0;
}
