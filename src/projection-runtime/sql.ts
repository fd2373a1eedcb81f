// Prepared statements cached per connection: handlers and queries name their SQL inline and pay to prepare it once.
import type Database from 'better-sqlite3';

/** What better-sqlite3 binds: booleans and Dates must be converted by the caller. */
export type SqlValue = string | number | bigint | Buffer | null;

const cache = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** The statement for `sql` on `db`, prepared on first use. */
export function prepared(db: Database.Database, sql: string): Database.Statement {
  let statements = cache.get(db);
  if (statements === undefined) {
    statements = new Map();
    cache.set(db, statements);
  }
  let statement = statements.get(sql);
  if (statement === undefined) {
    statement = db.prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
}

/** What a projection's handlers write through: the runner's connection, inside the batch's transaction. */
export interface ProjectionDb {
  /** Answers how many rows the statement changed. */
  run(sql: string, ...params: SqlValue[]): number;
  get<T = Record<string, unknown>>(sql: string, ...params: SqlValue[]): T | undefined;
  all<T = Record<string, unknown>>(sql: string, ...params: SqlValue[]): T[];
  /**
   * Adds `deltas` to counter columns of the row of `table` with `key` (its primary key; the row is created with
   * the key if missing, so every counter column needs DEFAULT 0). The sums of a whole batch are written once per
   * row before its checkpoint: a counter moved by most events costs one statement per batch, not one per event.
   * So no handler may read a tallied row back within the batch.
   */
  tally(table: string, key: Readonly<Record<string, SqlValue>>, deltas: Readonly<Record<string, number>>): void;
  readonly connection: Database.Database;
}

/** The runner's side of a ProjectionDb: the batch's tallies are written, or forgotten when the batch rolls back. */
export interface BatchWriter extends ProjectionDb {
  flushTallies(): void;
  discardTallies(): void;
}

interface Tally {
  readonly table: string;
  readonly key: Readonly<Record<string, SqlValue>>;
  readonly sums: Record<string, number>;
}

export function projectionDb(connection: Database.Database): BatchWriter {
  let tallies = new Map<string, Tally>();
  return {
    connection,
    run: (sql, ...params) => prepared(connection, sql).run(...params).changes,
    get: <T>(sql: string, ...params: SqlValue[]) => prepared(connection, sql).get(...params) as T | undefined,
    all: <T>(sql: string, ...params: SqlValue[]) => prepared(connection, sql).all(...params) as T[],

    tally(table, key, deltas) {
      let id = table;
      for (const column in key) id += `\u0000${String(key[column])}`;
      let tally = tallies.get(id);
      if (tally === undefined) {
        tally = { table, key, sums: {} };
        tallies.set(id, tally);
      }
      for (const column in deltas) tally.sums[column] = (tally.sums[column] ?? 0) + (deltas[column] as number);
    },

    flushTallies() {
      // In the order the rows were first tallied: a rebuild writes the same file every time.
      for (const { table, key, sums } of tallies.values()) {
        const keyColumns = Object.keys(key);
        const sumColumns = Object.keys(sums);
        const columns = [...keyColumns, ...sumColumns];
        const sql =
          `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ` +
          `ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET ` +
          sumColumns.map((column) => `${column} = ${column} + excluded.${column}`).join(', ');
        prepared(connection, sql).run(...Object.values(key), ...Object.values(sums));
      }
      tallies = new Map();
    },

    discardTallies() {
      tallies = new Map();
    },
  };
}
