// The e-mail reservation stream `email-<sha256 of the lowercase e-mail>`: what makes an address unique across user
// streams. It is appended to ("no stream") before the user stream, so of two sign-ups with one address exactly one
// wins, whatever process each runs in; a reservation whose user never came may be taken over once it is old.
import { assertNever, type Command, type Decider, type Event } from './decider';
import { EmailTaken } from './errors';
import type { UserState } from './user';

/** The e-mail (by its hash) belongs to this user. A later one replaces an orphaned reservation. */
export type EmailReserved = Event<'EmailReserved', { userId: string; accountId: string }>;
export type EmailEvent = EmailReserved;

/**
 * `holder` is the user the address is reserved for, with their state as the caller read it (null when the caller
 * saw no reservation): a reservation is an orphan only when its user's stream is still absent.
 */
export type ReserveEmail = Command<
  'ReserveEmail',
  { userId: string; accountId: string; holder: { readonly userId: string; readonly state: UserState } | null }
>;
type EmailCommand = ReserveEmail;

type EmailState =
  | { readonly status: 'free' }
  | {
      readonly status: 'reserved';
      readonly userId: string;
      readonly accountId: string;
      /** Epoch milliseconds the reservation occurred at (NaN when the log did not say). */
      readonly reservedAt: number;
    };

/**
 * A reservation whose user stream is still absent this long after it was made is an orphan (the process died
 * between the two appends): it may be taken over, so a crash does not lock an address out for ever.
 */
export const ORPHANED_RESERVATION_MS = 60_000;

/** The reservation was made long enough ago and its user was never created. */
function isOrphan(
  state: Extract<EmailState, { status: 'reserved' }>,
  holder: ReserveEmail['data']['holder'],
  now: Date,
) {
  // No word on the holder, or on another user (the stream moved on since the caller read it): not an orphan.
  if (holder === null || holder.userId !== state.userId || holder.state.status !== 'absent') return false;
  return now.getTime() - state.reservedAt > ORPHANED_RESERVATION_MS;
}

export const emailDecider: Decider<EmailState, EmailCommand, EmailEvent> = {
  initialState: () => ({ status: 'free' }),

  decide: (command, state) => {
    switch (command.type) {
      case 'ReserveEmail': {
        const { userId, accountId, holder } = command.data;
        // The address itself stays out of the message: it is the caller's own input, and errors get logged.
        if (state.status === 'reserved' && !isOrphan(state, holder, command.metadata.now)) {
          throw new EmailTaken('a user with this e-mail exists already');
        }
        return [{ type: 'EmailReserved', data: { userId, accountId } }];
      }
      default:
        return assertNever(command.type);
    }
  },

  evolve: (_state, event) => {
    switch (event.type) {
      case 'EmailReserved':
        return {
          status: 'reserved',
          userId: event.data.userId,
          accountId: event.data.accountId,
          reservedAt: event.metadata ? Date.parse(event.metadata.occurredAt) : Number.NaN,
        };
      default:
        return assertNever(event.type);
    }
  },
};
