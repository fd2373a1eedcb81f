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
  run(sql: string, ...params: SqlValue[]): void;
  get<T = Record<string, unknown>>(sql: string, ...params: SqlValue[]): T | undefined;
  all<T = Record<string, unknown>>(sql: string, ...params: SqlValue[]): T[];
  readonly connection: Database.Database;
}

export function projectionDb(connection: Database.Database): ProjectionDb {
  return {
    connection,
    run: (sql, ...params) => {
      prepared(connection, sql).run(...params);
    },
    get: <T>(sql: string, ...params: SqlValue[]) => prepared(connection, sql).get(...params) as T | undefined,
    all: <T>(sql: string, ...params: SqlValue[]) => prepared(connection, sql).all(...params) as T[],
  };
}
