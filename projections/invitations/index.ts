// Read model `invitations`: each invitation of an account with its user, products, status and expiry, for the
// admins' list (`invitations(status:)`). The seats they hold are counted by seat-availability.
import { defineProjection } from '../../src/projection-runtime/define';

const setStatus = 'UPDATE invitations SET status = ? WHERE invitation_id = ?';

export const invitationsProjection = defineProjection({
  name: 'invitations',
  version: 1,
  tables: [
    `CREATE TABLE invitations (
      invitation_id TEXT PRIMARY KEY,
      account_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      products TEXT NOT NULL,
      status TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      created_at TEXT NOT NULL,
      invited_by TEXT NOT NULL
    ) WITHOUT ROWID`,
    'CREATE INDEX invitations_in_order ON invitations (account_id, created_at, invitation_id)',
    'CREATE INDEX invitations_by_status ON invitations (account_id, status, created_at, invitation_id)',
  ],
  handlers: {
    InvitationSent: (db, e) =>
      db.run(
        `INSERT OR IGNORE INTO invitations
         (invitation_id, account_id, user_id, products, status, expires_at, created_at, invited_by)
         VALUES (?, ?, ?, ?, 'PENDING', ?, ?, ?)`,
        e.data.invitationId,
        e.data.accountId,
        e.data.userId,
        JSON.stringify(e.data.products),
        e.data.expiresAt,
        e.metadata.occurredAt,
        e.metadata.actorId,
      ),
    InvitationAccepted: (db, e) => db.run(setStatus, 'ACCEPTED', e.data.invitationId),
    InvitationCancelled: (db, e) => db.run(setStatus, 'CANCELLED', e.data.invitationId),
    InvitationExpired: (db, e) => db.run(setStatus, 'EXPIRED', e.data.invitationId),
  },
});
