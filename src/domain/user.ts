// The user stream `user-<id>`: a person of an account, their role and whether they are active.
import type { Command, Decider, Event, Role } from './decider';

export type UserCreated = Event<
  'UserCreated',
  {
    userId: string;
    accountId: string;
    /** As given (trimmed). */
    email: string;
    /** Lowercase: what uniqueness and login compare. */
    emailNormalized: string;
    name: string;
    role: Role;
  }
>;
export type UserRoleChanged = Event<'UserRoleChanged', { userId: string; role: Role; previousRole: Role }>;
export type UserDeactivated = Event<'UserDeactivated', { userId: string }>;
export type UserEvent = UserCreated | UserRoleChanged | UserDeactivated;

/** Sign-up's owner: no actor role to check, the account is being opened with them. */
export type RegisterOwner = Command<
  'RegisterOwner',
  { userId: string; accountId: string; email: string; name: string }
>;
/** "Add New User" by an OWNER or ADMIN. */
export type CreateUser = Command<
  'CreateUser',
  { userId: string; accountId: string; email: string; name: string; role: Role }
>;
export type ChangeUserRole = Command<'ChangeUserRole', { userId: string; role: Role }>;
export type DeactivateUser = Command<'DeactivateUser', { userId: string }>;
export type UserCommand = RegisterOwner | CreateUser | ChangeUserRole | DeactivateUser;

export type UserState =
  | { readonly status: 'absent' }
  | {
      readonly status: 'active' | 'inactive';
      readonly userId: string;
      readonly accountId: string;
      readonly email: string;
      readonly emailNormalized: string;
      readonly name: string;
      readonly role: Role;
    };

export const userDecider: Decider<UserState, UserCommand, UserEvent> = {
  initialState: () => ({ status: 'absent' }),
  decide: () => {
    throw new Error('TODO: userDecider.decide');
  },
  evolve: (state) => state,
};
