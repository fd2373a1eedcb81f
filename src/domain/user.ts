// The user stream `user-<id>`: a person of an account, their role and whether they are active. An invited user is
// created with their invitation (UserCreated, then UserInvited): active, searchable, holding their e-mail, and
// INVITED until they accept (UserActivated); an invitation that lapses or is cancelled deactivates them.
import {
  type Actor,
  assertNever,
  type Command,
  type Decider,
  type Event,
  isSystemActor,
  type ReactorCommandMetadata,
  type Role,
  requireRole,
} from './decider';
import { AlreadyExists, Forbidden, InvalidInput, InvitationExpired, NotFound } from './errors';

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
/** The user was created by an invitation: INVITED until they accept it. Always right after their UserCreated. */
export type UserInvited = Event<'UserInvited', { userId: string; invitationId: string }>;
/** The invited user accepted their invitation: ACTIVE from now on. */
export type UserActivated = Event<'UserActivated', { userId: string; invitationId: string }>;
export type UserEvent = UserCreated | UserRoleChanged | UserDeactivated | UserInvited | UserActivated;

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
/** "Invite User" by an OWNER or ADMIN: a CreateUser whose user waits for their invitation to be accepted. */
export type InviteUser = Command<
  'InviteUser',
  { userId: string; accountId: string; email: string; name: string; role: Role; invitationId: string }
>;
/** The invited user (the actor) accepts the invitation. */
export type ActivateInvitedUser = Command<'ActivateInvitedUser', { userId: string; invitationId: string }>;
/** The invitation was cancelled (by an OWNER or ADMIN) or lapsed (the system): a user still waiting on it is deactivated. */
export type EndUserInvitation = Command<
  'EndUserInvitation',
  { userId: string; invitationId: string },
  ReactorCommandMetadata
>;
export type UserCommand =
  | RegisterOwner
  | CreateUser
  | ChangeUserRole
  | DeactivateUser
  | InviteUser
  | ActivateInvitedUser
  | EndUserInvitation;

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
      /** Set while the user waits to accept this invitation (status INVITED). */
      readonly invitationId?: string;
    };

/** The status the API shows: INVITED until the invitation is accepted; an invited user is active. */
export type UserStatus = 'INVITED' | 'ACTIVE' | 'DEACTIVATED';

export function userStatus(state: Exclude<UserState, { status: 'absent' }>): UserStatus {
  if (state.status === 'inactive') return 'DEACTIVATED';
  return state.invitationId === undefined ? 'ACTIVE' : 'INVITED';
}

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

/** The role a new user may get from this actor, in the actor's own account only. */
function newUsersRole(actor: Actor, accountId: string, wanted: Role, verb: 'create' | 'invite'): Role {
  requireRole(actor, `${verb} users`, 'OWNER', 'ADMIN');
  if (actor.accountId !== accountId) throw new Forbidden(`users are ${verb}d in your own account only`);
  const role = validRole(wanted);
  if (role === 'OWNER') throw new Forbidden('an account has one owner');
  if (role === 'ADMIN' && actor.role !== 'OWNER') throw new Forbidden(`only OWNER may ${verb} an ADMIN`);
  return role;
}

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
        const role = newUsersRole(command.metadata.actor, command.data.accountId, command.data.role, 'create');
        const event = userCreated({ ...command.data, role });
        if (state.status !== 'absent') throw new AlreadyExists(`user ${command.data.userId} exists already`);
        return [event];
      }
      case 'InviteUser': {
        const role = newUsersRole(command.metadata.actor, command.data.accountId, command.data.role, 'invite');
        const event = userCreated({ ...command.data, role });
        if (state.status !== 'absent') throw new AlreadyExists(`user ${command.data.userId} exists already`);
        const { userId, invitationId } = command.data;
        return [event, { type: 'UserInvited', data: { userId, invitationId } }];
      }
      case 'ActivateInvitedUser': {
        const { userId, invitationId } = command.data;
        const { actor } = command.metadata;
        if (state.status === 'absent' || actor.userId !== userId || actor.accountId !== state.accountId) {
          throw new NotFound('user', `user ${userId} not found`);
        }
        // Deactivated meanwhile, or waiting on another invitation (a newer one): this one has lapsed for them.
        if (state.status === 'inactive' || state.invitationId !== invitationId) {
          throw new InvitationExpired('this invitation no longer applies to its user');
        }
        return [{ type: 'UserActivated', data: { userId, invitationId } }];
      }
      case 'EndUserInvitation': {
        const { userId, invitationId } = command.data;
        const { actor } = command.metadata;
        if (!isSystemActor(actor)) requireRole(actor, 'cancel invitations', 'OWNER', 'ADMIN');
        // Only a user still waiting on this invitation: one who accepted it, or was deactivated, stays as they are.
        if (state.status !== 'active' || state.invitationId !== invitationId) return [];
        if (!isSystemActor(actor) && actor.accountId !== state.accountId)
          throw new NotFound('user', `user ${userId} not found`);
        return [{ type: 'UserDeactivated', data: { userId } }];
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
      case 'UserInvited':
        return state.status === 'absent' ? state : { ...state, invitationId: event.data.invitationId };
      case 'UserActivated': {
        if (state.status === 'absent') return state;
        const { invitationId: _accepted, ...active } = state;
        return active;
      }
      default:
        return assertNever(event);
    }
  },
};
