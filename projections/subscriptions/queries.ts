// Queries over `subscriptions`: the plan of each product, and the licence holders (users' user_licenses, searchable, a
// page at a time).
import type Database from 'better-sqlite3';
import { PRODUCTS, type Product } from '../../src/domain/plans';
import { subscriptionStream } from '../../src/domain/streams';
import { prepared } from '../../src/projection-runtime/sql';
import { decodeCursor, encodeCursor, keysetPage, type Page, type PageArgs, pageWindow } from '../pagination';
import { toUser, USER_COLUMNS, type UserRow } from '../users/queries';
import { userSearch } from '../users/search';

interface SubscriptionRow {
  /** The subscription's stream name: one per account and product. */
  readonly id: string;
  readonly accountId: string;
  readonly product: Product;
  readonly planId: string;
}

interface AssigneeArgs extends PageArgs {
  readonly search?: string | null;
}

/** Licence holders are users: when and by whom each licence was assigned is the user's `licenses`. */
type AssigneePage = Page<UserRow> & { readonly totalCount: number };

interface SqlSubscription {
  account_id: string;
  product: Product;
  plan_id: string;
}

const toSubscription = (row: SqlSubscription): SubscriptionRow => ({
  id: subscriptionStream(row.account_id, row.product),
  accountId: row.account_id,
  product: row.product,
  planId: row.plan_id,
});

/** The account's subscriptions in catalog order of their products. */
export function listForAccount(db: Database.Database, accountId: string): SubscriptionRow[] {
  const rows = prepared(db, 'SELECT * FROM subscriptions WHERE account_id = ?').all(accountId) as SqlSubscription[];
  return rows.sort((a, b) => PRODUCTS.indexOf(a.product) - PRODUCTS.indexOf(b.product)).map(toSubscription);
}

/** Null when the account never bought the product. */
export function get(db: Database.Database, accountId: string, product: Product): SubscriptionRow | null {
  const row = prepared(db, 'SELECT * FROM subscriptions WHERE account_id = ? AND product = ?').get(
    accountId,
    product,
  ) as SqlSubscription | undefined;
  return row ? toSubscription(row) : null;
}

type SqlAssignee = Parameters<typeof toUser>[0] & { position: string };

/**
 * The holders of the product's licences, in the order they were assigned, optionally narrowed by `search`
 * (as the users directory searches: a substring of name or e-mail, any case).
 */
export function assignees(
  db: Database.Database,
  accountId: string,
  product: Product,
  args: AssigneeArgs = {},
): AssigneePage {
  const window = pageWindow(args, 20);
  const search = userSearch(args.search);
  const columns = `${USER_COLUMNS}, h.position`;
  const holder = 'h.account_id = ? AND h.product = ?';
  // Each kind of search narrows the holders its own way; the page and its count are then read alike.
  let from: string;
  let params: unknown[];
  let countSql: string;
  switch (search.kind) {
    case 'all':
      from = `FROM user_licenses h JOIN users u ON u.user_id = h.user_id WHERE ${holder}`;
      params = [accountId, product];
      countSql = `SELECT count(*) FROM user_licenses h WHERE ${holder}`;
      break;
    case 'substring':
      from = `FROM users_search s JOIN users u ON u.seq = s.rowid
                    JOIN user_licenses h ON ${holder} AND h.user_id = u.user_id
                    WHERE users_search MATCH ? AND u.account_id = ?`;
      params = [accountId, product, search.match, accountId];
      countSql = `SELECT count(*) ${from}`;
      break;
    case 'prefix':
      from = `FROM users u JOIN user_licenses h ON ${holder} AND h.user_id = u.user_id
                    WHERE u.account_id = ?
                    AND ((u.name_lower >= ? AND u.name_lower < ?) OR (u.email_lower >= ? AND u.email_lower < ?))`;
      params = [accountId, product, accountId, search.low, search.high, search.low, search.high];
      countSql = `SELECT count(*) ${from}`;
      break;
    default: {
      const unknown: never = search;
      throw new Error(`unknown search ${JSON.stringify(unknown)}`);
    }
  }
  const page = keysetPage(db, window, {
    select: columns,
    from,
    params,
    keys: ['h.position'],
    after: args.after ? decodeCursor(args.after, 1, 'after') : null,
    before: args.before ? decodeCursor(args.before, 1, 'before') : null,
    node: toUser,
    cursor: (row: SqlAssignee) => encodeCursor([row.position]),
  });
  const totalCount = prepared(db, countSql)
    .pluck()
    .get(...params) as number;
  return { ...page, totalCount };
}
