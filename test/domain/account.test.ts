// Specs of the account decider: opening an account with its owner.
import { type AccountEvent, accountDecider, type OpenAccount } from '../../src/domain/account';
import { AlreadyExists, InvalidInput } from '../../src/domain/errors';
import { given } from '../support/given';
import { ACCOUNT, by, owner } from './fixtures';

const openAccount = (name = 'Acme Ltd'): OpenAccount => ({
  type: 'OpenAccount',
  data: { accountId: ACCOUNT, name, ownerUserId: owner.userId },
  metadata: by(owner),
});
const accountOpened: AccountEvent = {
  type: 'AccountOpened',
  data: { accountId: ACCOUNT, name: 'Acme Ltd', ownerUserId: owner.userId },
};

describe('account decider', () => {
  it('opens an account with its owner, name trimmed', () => {
    given(accountDecider).when(openAccount('  Acme Ltd ')).then([accountOpened]);
  });

  it('refuses to open an account that exists (CONFLICT: only an id clash gets here)', () => {
    given(accountDecider, accountOpened).when(openAccount()).thenThrows(AlreadyExists);
  });

  it.each([
    ['empty', '   ', /accountName: must not be empty/],
    ['too long', 'x'.repeat(201), /accountName: must be at most 200/],
  ])('refuses an account name that is %s', (_, name, message) => {
    given(accountDecider).when(openAccount(name)).thenThrows(InvalidInput, message);
  });

  it('accepts a name of exactly 200 characters', () => {
    const name = 'x'.repeat(200);
    given(accountDecider)
      .when(openAccount(name))
      .then([{ ...accountOpened, data: { ...accountOpened.data, name } }]);
  });

  it('evolves: absent, then open with name and owner', () => {
    given(accountDecider).thenState({ status: 'absent' });
    given(accountDecider, accountOpened).thenState({
      status: 'open',
      accountId: ACCOUNT,
      name: 'Acme Ltd',
      ownerUserId: owner.userId,
      seatAlerts: {},
      webhookEndpoints: new Map(),
    });
  });
});
