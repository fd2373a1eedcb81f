// Who may read an account's notification deliveries (who got which licence mail, which failed and why): the
// same people who assign and revoke the licences those mails are about.
import { type Actor, requireRole } from './decider';

/** Refuses (FORBIDDEN) unless the actor is the account's OWNER or an ADMIN. */
export function requireDeliveryReader(actor: Actor): void {
  requireRole(actor, 'see notification deliveries', 'OWNER', 'ADMIN');
}
