// Cursor pagination shared by the read models' queries (Relay's connection model): opaque cursors, `first` + `after`
// forward or `last` + `before` backward, keyset SQL over a unique sort key, one row more to know if more.
import type Database from 'better-sqlite3';
import { InvalidInput } from '../src/domain/errors';
import { prepared } from '../src/projection-runtime/sql';

export interface PageArgs {
  readonly first?: number | null;
  readonly after?: string | null;
  readonly last?: number | null;
  readonly before?: string | null;
}

export interface Edge<T> {
  readonly cursor: string;
  readonly node: T;
}

export interface Page<T> {
  readonly edges: Edge<T>[];
  readonly nodes: T[];
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;
  readonly startCursor: string | null;
  readonly endCursor: string | null;
}

/** Which slice a page is: the first `size` edges after `after`, or (backward) the last `size` before `before`. */
export interface PageWindow {
  readonly size: number;
  readonly backward: boolean;
}

const MAX_PAGE_SIZE = 1000;

function checkedSize(field: 'first' | 'last', size: number): number {
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) {
    throw new InvalidInput(field, `must be a whole number from 0 to ${MAX_PAGE_SIZE}`);
  }
  return size;
}

export function pageSize(first: number | null | undefined, fallback: number): number {
  return checkedSize('first', first ?? fallback);
}

/** `first` and `last` together have no single meaning (the spec discourages it): refused, not guessed. */
export function pageWindow(args: PageArgs, fallback: number): PageWindow {
  if (args.first != null && args.last != null) {
    throw new InvalidInput(
      'last',
      'cannot be combined with first: page forward with first/after or backward with last/before',
    );
  }
  if (args.last != null) return { size: checkedSize('last', args.last), backward: true };
  return { size: pageSize(args.first, fallback), backward: false };
}

/** Sort keys → an opaque cursor; clients pass it back untouched. */
export function encodeCursor(keys: readonly string[]): string {
  return Buffer.from(JSON.stringify(keys)).toString('base64url');
}

export function decodeCursor(cursor: string, arity: number, field: 'after' | 'before' = 'after'): string[] {
  try {
    const keys: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(keys) && keys.length === arity && keys.every((key) => typeof key === 'string')) return keys;
  } catch {
    // falls through to the refusal below
  }
  throw new InvalidInput(field, 'is not a cursor from this list');
}

/** `rows` were fetched with a limit of `size + 1`: the extra row only says that there is a next page. */
export function toPage<R, T>(rows: R[], size: number, node: (row: R) => T, cursor: (row: R) => string): Page<T> {
  const hasNextPage = rows.length > size;
  return pageOf(hasNextPage ? rows.slice(0, size) : rows, node, cursor, hasNextPage, false);
}

function pageOf<R, T>(
  rows: readonly R[],
  node: (row: R) => T,
  cursor: (row: R) => string,
  hasNextPage: boolean,
  hasPreviousPage: boolean,
): Page<T> {
  const edges = rows.map((row) => ({ cursor: cursor(row), node: node(row) }));
  return {
    edges,
    nodes: edges.map((edge) => edge.node),
    hasNextPage,
    hasPreviousPage,
    startCursor: edges[0]?.cursor ?? null,
    endCursor: edges.at(-1)?.cursor ?? null,
  };
}

/** One keyset-paged list: its rows are `SELECT select from`, ordered by `keys` (unique together). */
export interface KeysetQuery<R, T> {
  readonly select: string;
  /** `FROM ... WHERE <filters>`: the bounds are appended with AND. */
  readonly from: string;
  readonly params: readonly unknown[];
  /** The sort key, in the list's own order (ascending unless `descending`). */
  readonly keys: readonly string[];
  readonly descending?: boolean;
  /** The decoded cursors: the sort-key values of the edges the page starts after or ends before. */
  readonly after: readonly string[] | null;
  readonly before: readonly string[] | null;
  readonly node: (row: R) => T;
  readonly cursor: (row: R) => string;
}

/**
 * A page of a keyset-paged list. Forward, `hasNextPage` comes from the extra row; backward, `hasPreviousPage` does.
 * The other flag says whether anything lies beyond the cursor the page started from (one indexed probe): Relay
 * lets a server answer false there, but a client paging back to the start must learn that it can go forward again.
 */
export function keysetPage<R, T>(db: Database.Database, window: PageWindow, query: KeysetQuery<R, T>): Page<T> {
  const tuple = query.keys.length === 1 ? (query.keys[0] as string) : `(${query.keys.join(', ')})`;
  const marks = query.keys.length === 1 ? '?' : `(${query.keys.map(() => '?').join(', ')})`;
  // In the list's own order, "after" is greater when ascending and smaller when descending.
  const [later, earlier] = query.descending ? ['<', '>'] : ['>', '<'];
  let bounds = '';
  const boundParams: unknown[] = [];
  if (query.after) {
    bounds += ` AND ${tuple} ${later} ${marks}`;
    boundParams.push(...query.after);
  }
  if (query.before) {
    bounds += ` AND ${tuple} ${earlier} ${marks}`;
    boundParams.push(...query.before);
  }
  const ascending = (query.descending ?? false) === window.backward;
  const order = query.keys.map((key) => `${key} ${ascending ? 'ASC' : 'DESC'}`).join(', ');
  const rows = prepared(db, `SELECT ${query.select} ${query.from}${bounds} ORDER BY ${order} LIMIT ?`).all(
    ...query.params,
    ...boundParams,
    window.size + 1,
  ) as R[];
  const more = rows.length > window.size;
  const kept = more ? rows.slice(0, window.size) : rows;
  if (window.backward) kept.reverse();
  const start = window.backward ? query.before : query.after;
  const beyond =
    start !== null &&
    prepared(
      db,
      `SELECT 1 ${query.from} AND ${tuple} ${window.backward ? `${later}=` : `${earlier}=`} ${marks} LIMIT 1`,
    ).get(...query.params, ...start) !== undefined;
  return window.backward
    ? pageOf(kept, query.node, query.cursor, beyond, more)
    : pageOf(kept, query.node, query.cursor, more, beyond);
}
