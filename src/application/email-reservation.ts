// E-mail uniqueness across user streams: the address's reservation stream (src/domain/email.ts) is appended to
// through the command handler before the user stream. Here only what the decider cannot do itself: hash the
// address into its stream name and read the state of the user a reservation names.
import { createHash } from 'node:crypto';
import type { Actor } from '../domain/decider';
import { emailDecider, type ReserveEmail } from '../domain/email';
import { emailReservationStream } from '../domain/streams';
import { normalizeEmail, type UserState } from '../domain/user';
import type { CommandHandler, EventContext } from './handle-command';

export const emailStreamOf = (email: string): string =>
  emailReservationStream(createHash('sha256').update(normalizeEmail(email)).digest('hex'));

export interface EmailReservations {
  /** Reserves `email` for the user, or refuses with EmailTaken. */
  reserve(
    email: string,
    owner: { userId: string; accountId: string },
    command: { actor: Actor; now: Date },
    context: EventContext,
  ): Promise<void>;
  /** The user the e-mail is reserved for, if that user exists. */
  find(email: string): Promise<{ userId: string; accountId: string } | null>;
}

export function emailReservations(
  handler: CommandHandler,
  loadUser: (userId: string) => Promise<UserState>,
): EmailReservations {
  return {
    async reserve(email, owner, { actor, now }, context) {
      const stream = emailStreamOf(email);
      // The current holder's state, for the decider to tell a taken address from an orphaned reservation. Read
      // before the decision; if the stream moves on meanwhile, the decider sees another holder and refuses.
      const { state } = await handler.load(emailDecider, stream);
      const holder = state.status === 'reserved' ? { userId: state.userId, state: await loadUser(state.userId) } : null;
      const command: ReserveEmail = { type: 'ReserveEmail', data: { ...owner, holder }, metadata: { actor, now } };
      await handler.handle(emailDecider, stream, command, context);
    },

    async find(email) {
      const { state } = await handler.load(emailDecider, emailStreamOf(email));
      if (state.status !== 'reserved') return null;
      const user = await loadUser(state.userId);
      return user.status === 'absent' ? null : { userId: user.userId, accountId: user.accountId };
    },
  };
}
