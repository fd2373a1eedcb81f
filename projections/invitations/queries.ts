// Queries over `invitations`: an account's invitations, oldest first, optionally of one status, a page at a time;
// and by id (one query per DataLoader batch).
import type Database from 'better-sqlite3';
import type { InvitationStatus } from '../../src/domain/invitation';
import type { Product } from '../../src/domain/plans';
import { prepared } from '../../src/projection-runtime/sql';
import { decodeCursor, encodeCursor, keysetPage, type Page, type PageArgs, pageWindow } from '../pagination';

export interface InvitationRow {
  readonly id: string;
  readonly accountId: string;
  readonly userId: string;
  readonly products: readonly Product[];
  readonly status: InvitationStatus;
  /** ISO-8601. */
  readonly expiresAt: string;
  /** ISO-8601, when InvitationSent occurred. */
  readonly createdAt: string;
  /** Who sent it. */
  readonly invitedById: string;
}

interface InvitationArgs extends PageArgs {
  readonly status?: InvitationStatus | null;
}

interface SqlInvitation {
  invitation_id: string;
  account_id: string;
  user_id: string;
  products: string;
  status: InvitationStatus;
  expires_at: string;
  created_at: string;
  invited_by: string;
}

const COLUMNS = 'invitation_id, account_id, user_id, products, status, expires_at, created_at, invited_by';

const toInvitation = (row: SqlInvitation): InvitationRow => ({
  id: row.invitation_id,
  accountId: row.account_id,
  userId: row.user_id,
  products: JSON.parse(row.products) as Product[],
  status: row.status,
  expiresAt: row.expires_at,
  createdAt: row.created_at,
  invitedById: row.invited_by,
});

/** The account's invitations (of `status` when given) in the order they were sent, with their count. */
export function invitationsPage(
  db: Database.Database,
  accountId: string,
  args: InvitationArgs = {},
): Page<InvitationRow> & { readonly totalCount: number } {
  const window = pageWindow(args, 20);
  const from = args.status
    ? 'FROM invitations WHERE account_id = ? AND status = ?'
    : 'FROM invitations WHERE account_id = ?';
  const params = args.status ? [accountId, args.status] : [accountId];
  const page = keysetPage(db, window, {
    select: COLUMNS,
    from,
    params,
    keys: ['created_at', 'invitation_id'],
    after: args.after ? decodeCursor(args.after, 2) : null,
    before: args.before ? decodeCursor(args.before, 2, 'before') : null,
    node: toInvitation,
    cursor: (row: SqlInvitation) => encodeCursor([row.created_at, row.invitation_id]),
  });
  const totalCount = prepared(db, `SELECT count(*) ${from}`)
    .pluck()
    .get(...params) as number;
  return { ...page, totalCount };
}

/** One query for a whole DataLoader batch; only the account's own invitations (others' ids read as unknown). */
export function invitationsByIds(
  db: Database.Database,
  accountId: string,
  ids: readonly string[],
): Map<string, InvitationRow> {
  const rows = prepared(
    db,
    `SELECT ${COLUMNS} FROM invitations WHERE account_id = ? AND invitation_id IN (SELECT value FROM json_each(?))`,
  ).all(accountId, JSON.stringify(ids)) as SqlInvitation[];
  return new Map(rows.map((row) => [row.invitation_id, toInvitation(row)]));
}
