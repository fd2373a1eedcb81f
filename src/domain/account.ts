// The account stream `account-<id>`: the company that buys seats, opened by sign-up with its owner.
import { assertNever, type Command, type Decider, type Event } from './decider';
import { AlreadyExists, InvalidInput } from './errors';

export type AccountOpened = Event<'AccountOpened', { accountId: string; name: string; ownerUserId: string }>;
export type AccountEvent = AccountOpened;

/** Sign-up: the owner-to-be is the actor (their user id is chosen by the caller with the account id). */
export type OpenAccount = Command<'OpenAccount', { accountId: string; name: string; ownerUserId: string }>;
type AccountCommand = OpenAccount;

type AccountState =
  | { readonly status: 'absent' }
  | { readonly status: 'open'; readonly accountId: string; readonly name: string; readonly ownerUserId: string };

const MAX_ACCOUNT_NAME_LENGTH = 200;

export const accountDecider: Decider<AccountState, AccountCommand, AccountEvent> = {
  initialState: () => ({ status: 'absent' }),

  decide: (command, state) => {
    switch (command.type) {
      case 'OpenAccount': {
        const { accountId, ownerUserId } = command.data;
        if (state.status !== 'absent') throw new AlreadyExists(`account ${accountId} exists already`);
        // Named as the sign-up input names it, so the message points at the field the person typed.
        const name = command.data.name.trim();
        if (name.length === 0) throw new InvalidInput('accountName', 'must not be empty', 'notBlank');
        if (name.length > MAX_ACCOUNT_NAME_LENGTH) {
          throw new InvalidInput('accountName', `must be at most ${MAX_ACCOUNT_NAME_LENGTH} characters`, 'maxLength');
        }
        return [{ type: 'AccountOpened', data: { accountId, name, ownerUserId } }];
      }
      default:
        return assertNever(command.type);
    }
  },

  evolve: (_state, event) => {
    switch (event.type) {
      case 'AccountOpened':
        return { status: 'open', ...event.data };
      default:
        return assertNever(event.type);
    }
  },
};
