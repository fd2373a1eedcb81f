// One-time invitation links: `<invitationId>.<secret>`, the secret HMAC-SHA256(server key, invitation id + the
// link's issue), so the writer (which stores only its SHA-256) and the mail (which recomputes it) agree without a
// plaintext token ever being stored. The same scheme and the same key as activation links (activation-token.ts).
import { createHash, createHmac } from 'node:crypto';

interface InvitationToken {
  /** Goes into the mail's link, and nowhere else. */
  readonly token: string;
  readonly tokenHash: string;
}

const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

export function deriveInvitationToken(invitationId: string, key: Uint8Array, issue: number): InvitationToken {
  const secret = createHmac('sha256', key)
    .update(`seatledger-invitation\0${invitationId}\0${issue}`)
    .digest()
    .toString('base64url');
  return { token: `${invitationId}.${secret}`, tokenHash: hashSecret(secret) };
}

/** Splits a token from a link (cheap: one SHA-256, before any password is hashed); null when not of our shape. */
export function parseInvitationToken(token: string): { invitationId: string; tokenHash: string } | null {
  const dot = token.lastIndexOf('.');
  if (dot <= 0 || token.length > 200) return null;
  const invitationId = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  if (!/^[A-Za-z0-9_-]{43}$/.test(secret) || !/^[A-Za-z0-9-]{1,64}$/.test(invitationId)) return null;
  return { invitationId, tokenHash: hashSecret(secret) };
}
