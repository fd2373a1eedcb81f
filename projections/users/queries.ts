// Queries over `users`: accounts, the directory with search and cursor pages, and licences in one query per batch.
import type Database from 'better-sqlite3';
import type { Role } from '../../src/domain/decider';
import { entitlementsOf, type Feature, type Product } from '../../src/domain/plans';
import type { UserStatus } from '../../src/domain/user';
import { prepared } from '../../src/projection-runtime/sql';
import { decodeCursor, encodeCursor, keysetPage, type Page, type PageArgs, pageWindow } from '../pagination';
import { userSearch } from './search';

export interface AccountRow {
  readonly id: string;
  readonly name: string;
  readonly ownerUserId: string;
}

export interface UserRow {
  readonly id: string;
  readonly accountId: string;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly active: boolean;
  /** INVITED until their invitation is accepted, then ACTIVE; DEACTIVATED. */
  readonly status: UserStatus;
  /** ISO-8601, when the UserCreated event occurred. */
  readonly createdAt: string;
}

export interface LicenseRow {
  readonly userId: string;
  readonly accountId: string;
  readonly product: Product;
  /** The subscription's current plan: an upgrade moves every licence of the product. */
  readonly planId: string;
  readonly assignedAt: string;
  readonly assignedBy: string;
}

interface UserSearchArgs extends PageArgs {
  readonly search?: string | null;
}

type UserPage = Page<UserRow> & { readonly totalCount: number };

interface SqlUser {
  user_id: string;
  account_id: string;
  email: string;
  name: string;
  role: Role;
  active: number;
  status: UserStatus;
  created_at: string;
}

/** The columns every user query selects, aliased `u`. */
export const USER_COLUMNS = 'u.user_id, u.account_id, u.email, u.name, u.role, u.active, u.status, u.created_at';

export const toUser = (row: SqlUser): UserRow => ({
  id: row.user_id,
  accountId: row.account_id,
  email: row.email,
  name: row.name,
  role: row.role,
  active: row.active === 1,
  status: row.status,
  createdAt: row.created_at,
});

export function getAccount(db: Database.Database, accountId: string): AccountRow | null {
  const row = prepared(db, 'SELECT account_id, name, owner_user_id FROM accounts WHERE account_id = ?').get(
    accountId,
  ) as { account_id: string; name: string; owner_user_id: string } | undefined;
  return row ? { id: row.account_id, name: row.name, ownerUserId: row.owner_user_id } : null;
}

/** The account's active OWNER and ADMINs (who get its seat alert mails), oldest first. */
export function accountAdmins(db: Database.Database, accountId: string): UserRow[] {
  const rows = prepared(
    db,
    `SELECT ${USER_COLUMNS} FROM users u
      WHERE u.account_id = ? AND u.role IN ('OWNER', 'ADMIN') AND u.active = 1 AND u.status = 'ACTIVE' ORDER BY u.seq`,
  ).all(accountId) as SqlUser[];
  return rows.map(toUser);
}

/**
 * A query over a batch of ids, `$IDS` in `template` standing for "`column` is one of them", in two forms: a plain
 * comparison for a single id (the usual DataLoader batch after a write; it reads in half the time), json_each else.
 */
const idsIn = (template: string, column: string) => ({
  one: template.replace('$IDS', `${column} = ?`),
  many: template.replace('$IDS', `${column} IN (SELECT value FROM json_each(?))`),
});

/** The statement of `sql` that fits `ids`, and its one parameter. */
function byIds(db: Database.Database, sql: { one: string; many: string }, ids: readonly string[]) {
  return ids.length === 1
    ? { statement: prepared(db, sql.one), parameter: ids[0] as string }
    : { statement: prepared(db, sql.many), parameter: JSON.stringify(ids) };
}

const USERS_BY_IDS = idsIn(`SELECT ${USER_COLUMNS} FROM users u WHERE $IDS`, 'u.user_id');

/** One query for a whole DataLoader batch; ids of no user are absent from the map. */
export function usersByIds(db: Database.Database, ids: readonly string[]): Map<string, UserRow> {
  const { statement, parameter } = byIds(db, USERS_BY_IDS, ids);
  const rows = statement.all(parameter) as SqlUser[];
  return new Map(rows.map((row) => [row.user_id, toUser(row)]));
}

const USER_IN_ACCOUNT = `SELECT ${USER_COLUMNS} FROM users u WHERE u.user_id = ? AND u.account_id = ?`;

/** The user, only if they belong to the account: another account's ids read as unknown. */
export function userInAccount(db: Database.Database, accountId: string, userId: string): UserRow | null {
  const row = prepared(db, USER_IN_ACCOUNT).get(userId, accountId) as SqlUser | undefined;
  return row ? toUser(row) : null;
}

const LICENSES_BY_USER_IDS = idsIn(
  `SELECT l.user_id, l.account_id, l.product, p.plan_id, l.assigned_at, l.assigned_by
   FROM user_licenses l JOIN subscriptions p ON p.account_id = l.account_id AND p.product = l.product
   WHERE $IDS
   ORDER BY l.user_id, l.product`,
  'l.user_id',
);

/** One query for a whole DataLoader batch: every id maps to its licences (in product order), [] when none. */
export function licensesByUserIds(db: Database.Database, ids: readonly string[]): Map<string, LicenseRow[]> {
  const { statement, parameter } = byIds(db, LICENSES_BY_USER_IDS, ids);
  const rows = statement.all(parameter) as {
    user_id: string;
    account_id: string;
    product: Product;
    plan_id: string;
    assigned_at: string;
    assigned_by: string;
  }[];
  const byUser = new Map<string, LicenseRow[]>(ids.map((id) => [id, []]));
  for (const row of rows) {
    byUser.get(row.user_id)?.push({
      userId: row.user_id,
      accountId: row.account_id,
      product: row.product,
      planId: row.plan_id,
      assignedAt: row.assigned_at,
      assignedBy: row.assigned_by,
    });
  }
  return byUser;
}

/** What a user's licences let them do: the union of their plans' features. */
export const entitlements = (licenses: readonly LicenseRow[]): Feature[] =>
  entitlementsOf(licenses.map((license) => license.planId));

/**
 * The account's users matching `search` (a substring of the name or e-mail, any case; one or two characters
 * match the start of either), in the order they were created, a page at a time (forward or backward).
 */
export function searchUsers(db: Database.Database, accountId: string, args: UserSearchArgs = {}): UserPage {
  const window = pageWindow(args, 20);
  const search = userSearch(args.search);
  let from: string;
  let params: unknown[];
  let totalCount: number;
  switch (search.kind) {
    case 'all': {
      from = 'FROM users u WHERE u.account_id = ?';
      params = [accountId];
      totalCount =
        (prepared(db, 'SELECT users FROM account_user_counts WHERE account_id = ?').pluck().get(accountId) as
          | number
          | undefined) ?? 0;
      break;
    }
    case 'substring': {
      from = `FROM users_search s JOIN users u ON u.seq = s.rowid
                    WHERE users_search MATCH ? AND u.account_id = ?`;
      params = [search.match, accountId];
      totalCount = prepared(db, `SELECT count(*) ${from}`)
        .pluck()
        .get(...params) as number;
      break;
    }
    case 'prefix': {
      from = `FROM users u WHERE u.account_id = ?
                     AND ((u.name_lower >= ? AND u.name_lower < ?) OR (u.email_lower >= ? AND u.email_lower < ?))`;
      params = [accountId, search.low, search.high, search.low, search.high];
      totalCount = prepared(db, `SELECT count(*) ${from}`)
        .pluck()
        .get(...params) as number;
      break;
    }
    default: {
      const unknown: never = search;
      throw new Error(`unknown search ${JSON.stringify(unknown)}`);
    }
  }
  const page = keysetPage(db, window, {
    select: USER_COLUMNS,
    from,
    params,
    keys: ['u.created_at', 'u.user_id'],
    after: args.after ? decodeCursor(args.after, 2, 'after') : null,
    before: args.before ? decodeCursor(args.before, 2, 'before') : null,
    node: toUser,
    cursor: (row: SqlUser) => encodeCursor([row.created_at, row.user_id]),
  });
  return { ...page, totalCount };
}
