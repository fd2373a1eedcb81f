// Specs of the e-mail reservation decider: a free address is reserved, a taken one refused, an orphaned
// reservation (its user never created) taken over once it is old.
import { type EmailReserved, emailDecider, ORPHANED_RESERVATION_MS, type ReserveEmail } from '../../src/domain/email';
import { EmailTaken } from '../../src/domain/errors';
import type { UserState } from '../../src/domain/user';
import { given } from '../support/given';
import { ACCOUNT, NOW, owner } from './fixtures';

const ABSENT: UserState = { status: 'absent' };
const existing = (userId: string): UserState => ({
  status: 'active',
  userId,
  accountId: ACCOUNT,
  email: 'sam@example.com',
  emailNormalized: 'sam@example.com',
  name: 'Sam',
  role: 'MEMBER',
});

/** A reservation as read back from the log, `ageMs` before NOW. */
const reserved = (userId: string, ageMs: number): EmailReserved => ({
  type: 'EmailReserved',
  data: { userId, accountId: ACCOUNT },
  metadata: { occurredAt: new Date(NOW.getTime() - ageMs).toISOString() },
});

const reserve = (userId: string, holder: ReserveEmail['data']['holder']): ReserveEmail => ({
  type: 'ReserveEmail',
  data: { userId, accountId: ACCOUNT, holder },
  metadata: { actor: owner, now: NOW },
});

describe('e-mail reservation decider', () => {
  it('reserves a free address', () => {
    given(emailDecider)
      .when(reserve('ann', null))
      .then([{ type: 'EmailReserved', data: { userId: 'ann', accountId: ACCOUNT } }]);
  });

  it('refuses an address reserved for a user who exists', () => {
    given(emailDecider, reserved('sam', ORPHANED_RESERVATION_MS * 10))
      .when(reserve('ann', { userId: 'sam', state: existing('sam') }))
      .thenThrows(EmailTaken, /exists already/);
  });

  it('refuses a fresh reservation whose user is not created yet: that sign-up is still under way', () => {
    given(emailDecider, reserved('sam', ORPHANED_RESERVATION_MS))
      .when(reserve('ann', { userId: 'sam', state: ABSENT }))
      .thenThrows(EmailTaken);
  });

  it('takes over a reservation whose user never came once it is older than ORPHANED_RESERVATION_MS', () => {
    given(emailDecider, reserved('lost', ORPHANED_RESERVATION_MS + 1))
      .when(reserve('ann', { userId: 'lost', state: ABSENT }))
      .then([{ type: 'EmailReserved', data: { userId: 'ann', accountId: ACCOUNT } }]);
  });

  it('refuses when the caller read another holder than the stream has now (the stream moved on)', () => {
    given(emailDecider, reserved('lost', ORPHANED_RESERVATION_MS + 1), reserved('bob', ORPHANED_RESERVATION_MS + 1))
      .when(reserve('ann', { userId: 'lost', state: ABSENT }))
      .thenThrows(EmailTaken);
  });

  it('refuses when the caller saw no reservation but there is one', () => {
    given(emailDecider, reserved('lost', ORPHANED_RESERVATION_MS + 1))
      .when(reserve('ann', null))
      .thenThrows(EmailTaken);
  });

  it('never takes over a reservation whose time the log did not say', () => {
    given(emailDecider, { type: 'EmailReserved', data: { userId: 'lost', accountId: ACCOUNT } })
      .when(reserve('ann', { userId: 'lost', state: ABSENT }))
      .thenThrows(EmailTaken);
  });

  it('folds the latest reservation, with when it occurred', () => {
    given(emailDecider, reserved('lost', 5_000), reserved('ann', 1_000)).thenState({
      status: 'reserved',
      userId: 'ann',
      accountId: ACCOUNT,
      reservedAt: NOW.getTime() - 1_000,
    });
  });
});
