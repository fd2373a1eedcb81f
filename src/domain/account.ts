// The account stream `account-<id>`: the company that buys seats, opened by sign-up with its owner.
import type { Command, Decider, Event } from './decider';

export type AccountOpened = Event<'AccountOpened', { accountId: string; name: string; ownerUserId: string }>;
export type AccountEvent = AccountOpened;

/** Sign-up: the owner-to-be is the actor (their user id is chosen by the caller with the account id). */
export type OpenAccount = Command<'OpenAccount', { accountId: string; name: string; ownerUserId: string }>;
export type AccountCommand = OpenAccount;

export type AccountState =
  | { readonly status: 'absent' }
  | { readonly status: 'open'; readonly accountId: string; readonly name: string; readonly ownerUserId: string };

export const accountDecider: Decider<AccountState, AccountCommand, AccountEvent> = {
  initialState: () => ({ status: 'absent' }),
  decide: () => {
    throw new Error('TODO: accountDecider.decide');
  },
  evolve: (state) => state,
};
