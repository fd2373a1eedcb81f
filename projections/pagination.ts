// Cursor pagination shared by the read models' queries: opaque cursors, `first` + `after`, one row more to know if more.
import { InvalidInput } from '../src/domain/errors';

export interface PageArgs {
  readonly first?: number | null;
  readonly after?: string | null;
}

export interface Edge<T> {
  readonly cursor: string;
  readonly node: T;
}

export interface Page<T> {
  readonly edges: Edge<T>[];
  readonly nodes: T[];
  readonly hasNextPage: boolean;
  readonly endCursor: string | null;
}

const MAX_PAGE_SIZE = 1000;

export function pageSize(first: number | null | undefined, fallback: number): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) {
    throw new InvalidInput('first', `must be a whole number from 0 to ${MAX_PAGE_SIZE}`);
  }
  return size;
}

/** Sort keys → an opaque cursor; clients pass it back untouched. */
export function encodeCursor(keys: readonly string[]): string {
  return Buffer.from(JSON.stringify(keys)).toString('base64url');
}

export function decodeCursor(cursor: string, arity: number): string[] {
  try {
    const keys: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(keys) && keys.length === arity && keys.every((key) => typeof key === 'string')) return keys;
  } catch {
    // falls through to the refusal below
  }
  throw new InvalidInput('after', 'is not a cursor from this list');
}

/** `rows` were fetched with a limit of `size + 1`: the extra row only says that there is a next page. */
export function toPage<R, T>(rows: R[], size: number, node: (row: R) => T, cursor: (row: R) => string): Page<T> {
  const hasNextPage = rows.length > size;
  const kept = hasNextPage ? rows.slice(0, size) : rows;
  const edges = kept.map((row) => ({ cursor: cursor(row), node: node(row) }));
  return {
    edges,
    nodes: edges.map((edge) => edge.node),
    hasNextPage,
    endCursor: edges.length > 0 ? (edges[edges.length - 1] as Edge<T>).cursor : null,
  };
}
