// The user stream `user-<id>`: a person of an account, their role and whether they are active.
import { type Actor, assertNever, type Command, type Decider, type Event, type Role, requireRole } from './decider';
import { AlreadyExists, Forbidden, InvalidInput, NotFound } from './errors';

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

export const ROLES: readonly Role[] = ['OWNER', 'ADMIN', 'MEMBER'];

/** A person as refusals name them to their account's admins: who they are, not their id. */
export const personOf = (user: { readonly name: string; readonly email: string }): string =>
  `${user.name} <${user.email}>`;
const MAX_NAME_LENGTH = 200;
/** RFC 5321's limit on a forward path. */
const MAX_EMAIL_LENGTH = 254;

// Deliberately loose: one @, no spaces, a dotted domain. Deliverability is proven by the mail, not a regex.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** The form uniqueness and login compare: trimmed, lowercase. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

function validEmail(raw: string): string {
  const email = raw.trim();
  if (email.length > MAX_EMAIL_LENGTH)
    throw new InvalidInput('email', `must be at most ${MAX_EMAIL_LENGTH} characters`, 'maxLength');
  if (!EMAIL_SHAPE.test(email))
    throw new InvalidInput('email', 'must be an e-mail address like name@example.com', 'isEmail');
  return email;
}

function validName(raw: string): string {
  const name = raw.trim();
  if (name.length === 0) throw new InvalidInput('name', 'must not be empty', 'notBlank');
  if (name.length > MAX_NAME_LENGTH)
    throw new InvalidInput('name', `must be at most ${MAX_NAME_LENGTH} characters`, 'maxLength');
  return name;
}

function validRole(role: Role): Role {
  if (!ROLES.includes(role)) throw new InvalidInput('role', `must be one of ${ROLES.join(', ')}`, 'isEnum');
  return role;
}

function userCreated(data: {
  userId: string;
  accountId: string;
  email: string;
  name: string;
  role: Role;
}): UserCreated {
  const email = validEmail(data.email);
  const name = validName(data.name);
  return {
    type: 'UserCreated',
    data: {
      userId: data.userId,
      accountId: data.accountId,
      email,
      emailNormalized: email.toLowerCase(),
      name,
      role: data.role,
    },
  };
}

type ExistingUser = Exclude<UserState, { status: 'absent' }>;

/** The target user as the actor may see it: absent and other accounts' users look the same. */
function userOfActorsAccount(state: UserState, actor: Actor, userId: string): ExistingUser {
  if (state.status === 'absent' || state.accountId !== actor.accountId)
    throw new NotFound('user', `user ${userId} not found`);
  return state;
}

export const userDecider: Decider<UserState, UserCommand, UserEvent> = {
  initialState: () => ({ status: 'absent' }),

  decide: (command, state) => {
    switch (command.type) {
      case 'RegisterOwner': {
        // Sign-up: the account is being opened with this person, so there is no role to check yet.
        if (state.status !== 'absent') throw new AlreadyExists(`user ${command.data.userId} exists already`);
        return [userCreated({ ...command.data, role: 'OWNER' })];
      }
      case 'CreateUser': {
        const { actor } = command.metadata;
        requireRole(actor, 'create users', 'OWNER', 'ADMIN');
        if (actor.accountId !== command.data.accountId)
          throw new Forbidden('users are created in your own account only');
        const role = validRole(command.data.role);
        if (role === 'OWNER') throw new Forbidden('an account has one owner');
        if (role === 'ADMIN' && actor.role !== 'OWNER') throw new Forbidden('only OWNER may create an ADMIN');
        const event = userCreated({ ...command.data, role });
        if (state.status !== 'absent') throw new AlreadyExists(`user ${command.data.userId} exists already`);
        return [event];
      }
      case 'ChangeUserRole': {
        const { actor } = command.metadata;
        requireRole(actor, 'change roles', 'OWNER');
        const role = validRole(command.data.role);
        const user = userOfActorsAccount(state, actor, command.data.userId);
        if (role === 'OWNER') throw new Forbidden('an account has one owner');
        if (user.role === 'OWNER') throw new Forbidden(`${personOf(user)} is the owner: that role cannot change`);
        if (user.role === role) return [];
        return [{ type: 'UserRoleChanged', data: { userId: user.userId, role, previousRole: user.role } }];
      }
      case 'DeactivateUser': {
        const { actor } = command.metadata;
        requireRole(actor, 'deactivate users', 'OWNER', 'ADMIN');
        const user = userOfActorsAccount(state, actor, command.data.userId);
        if (user.userId === actor.userId) throw new Forbidden('you cannot deactivate yourself');
        if (user.role === 'OWNER') throw new Forbidden(`${personOf(user)} is the owner and cannot be deactivated`);
        if (user.role === 'ADMIN' && actor.role !== 'OWNER')
          throw new Forbidden(`${personOf(user)} is an ADMIN: only OWNER may deactivate an ADMIN`);
        if (user.status === 'inactive') return [];
        return [{ type: 'UserDeactivated', data: { userId: user.userId } }];
      }
      default:
        return assertNever(command);
    }
  },

  evolve: (state, event) => {
    switch (event.type) {
      case 'UserCreated':
        return { status: 'active', ...event.data };
      case 'UserRoleChanged':
        return state.status === 'absent' ? state : { ...state, role: event.data.role };
      case 'UserDeactivated':
        return state.status === 'absent' ? state : { ...state, status: 'inactive' };
      default:
        return assertNever(event);
    }
  },
};
