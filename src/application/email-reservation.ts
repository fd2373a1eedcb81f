// E-mail uniqueness across user streams: the e-mail's reservation stream is created ("no stream") before the
// user stream, so of two sign-ups with one address exactly one wins, whatever process each runs in.
import { createHash } from 'node:crypto';
import type { Event } from '../domain/decider';
import { EmailTaken } from '../domain/errors';
import { emailReservationStream } from '../domain/streams';
import { normalizeEmail, type UserState } from '../domain/user';
import { type RecordedEvent, WrongExpectedRevision } from '../eventstore/port';
import type { CommandHandler, EventContext } from './handle-command';

/** The e-mail (by its hash) belongs to this user. A later one replaces an orphaned reservation. */
export type EmailReserved = Event<'EmailReserved', { userId: string; accountId: string }>;

/**
 * A reservation whose user stream is still absent this long after it was made is an orphan (the process died
 * between the two appends): it may be taken over, so a crash does not lock an address out for ever.
 */
export const ORPHANED_RESERVATION_MS = 60_000;

export const emailStreamOf = (email: string): string =>
  emailReservationStream(createHash('sha256').update(normalizeEmail(email)).digest('hex'));

export interface EmailReservations {
  /** Reserves `email` for the user, or refuses with EmailTaken. */
  reserve(email: string, owner: { userId: string; accountId: string }, context: EventContext): Promise<void>;
  /** The user the e-mail is reserved for, if that user exists. */
  find(email: string): Promise<{ userId: string; accountId: string } | null>;
}

export function emailReservations(
  handler: CommandHandler,
  loadUser: (userId: string) => Promise<UserState>,
  now: () => Date,
): EmailReservations {
  const store = handler.store;

  async function latest(stream: string): Promise<RecordedEvent | null> {
    let last: RecordedEvent | null = null;
    for await (const event of store.readStream(stream)) last = event;
    return last;
  }

  async function isOrphan(reservation: RecordedEvent): Promise<boolean> {
    const age = now().getTime() - Date.parse(reservation.metadata.occurredAt);
    if (!(age > ORPHANED_RESERVATION_MS)) return false;
    const user = await loadUser(String(reservation.data.userId));
    return user.status === 'absent';
  }

  return {
    async reserve(email, owner, context) {
      const stream = emailStreamOf(email);
      const reserved: EmailReserved = { type: 'EmailReserved', data: owner };
      const append = (expectedRevision: 'no_stream' | number) =>
        store.appendToStream(stream, [handler.toAppend(reserved, context)], { expectedRevision });
      try {
        await append('no_stream');
        return;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevision)) throw error;
      }
      const current = await latest(stream);
      if (current && (await isOrphan(current))) {
        try {
          // At its revision: of two takers of one orphan, one wins and the other hears EMAIL_TAKEN.
          await append(current.revision);
          return;
        } catch (error) {
          if (!(error instanceof WrongExpectedRevision)) throw error;
        }
      }
      // The address itself stays out of the message: it is the caller's own input, and errors get logged.
      throw new EmailTaken('a user with this e-mail exists already');
    },

    async find(email) {
      const reservation = await latest(emailStreamOf(email));
      if (!reservation) return null;
      const user = await loadUser(String(reservation.data.userId));
      return user.status === 'absent' ? null : { userId: user.userId, accountId: user.accountId };
    },
  };
}
