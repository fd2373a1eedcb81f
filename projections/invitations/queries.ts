// Queries over `invitations`: an account's invitations, oldest first, optionally of one status, a page at a time;
// and by id (one query per DataLoader batch).
import type Database from 'better-sqlite3';
import type { InvitationStatus } from '../../src/domain/invitation';
import type { Product } from '../../src/domain/plans';
import { prepared } from '../../src/projection-runtime/sql';
import { decodeCursor, encodeCursor, type Page, type PageArgs, pageSize, toPage } from '../pagination';

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
  const size = pageSize(args.first, 20);
  const [afterCreated, afterId] = args.after ? decodeCursor(args.after, 2) : ['', ''];
  const where = args.status ? 'account_id = ? AND status = ?' : 'account_id = ?';
  const params = args.status ? [accountId, args.status] : [accountId];
  const rows = prepared(
    db,
    `SELECT ${COLUMNS} FROM invitations WHERE ${where} AND (created_at, invitation_id) > (?, ?)
     ORDER BY created_at, invitation_id LIMIT ?`,
  ).all(...params, afterCreated, afterId, size + 1) as SqlInvitation[];
  const totalCount = prepared(db, `SELECT count(*) FROM invitations WHERE ${where}`)
    .pluck()
    .get(...params) as number;
  return {
    ...toPage(rows, size, toInvitation, (row) => encodeCursor([row.created_at, row.invitation_id])),
    totalCount,
  };
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
