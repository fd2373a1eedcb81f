// Specs of the user decider: sign-up's owner, Add New User, role changes and deactivation, every refusal.
import type { Actor, Role } from '../../src/domain/decider';
import { AlreadyExists, Forbidden, InvalidInput, NotFound } from '../../src/domain/errors';
import {
  type ChangeUserRole,
  type CreateUser,
  type DeactivateUser,
  type RegisterOwner,
  type UserCreated,
  userDecider,
} from '../../src/domain/user';
import { given } from '../support/given';
import { ACCOUNT, actor, admin, by, member, OTHER_ACCOUNT, otherOwner, owner } from './fixtures';

const registerOwner = (data: Partial<RegisterOwner['data']> = {}): RegisterOwner => ({
  type: 'RegisterOwner',
  data: { userId: owner.userId, accountId: ACCOUNT, email: 'Ann@Example.com', name: 'Ann', ...data },
  metadata: by(owner),
});
const createUser = (who: Actor, data: Partial<CreateUser['data']> = {}): CreateUser => ({
  type: 'CreateUser',
  data: { userId: 'bob', accountId: ACCOUNT, email: 'Bob@Example.com', name: 'Bob', role: 'MEMBER', ...data },
  metadata: by(who),
});
const changeRole = (who: Actor, userId: string, role: Role): ChangeUserRole => ({
  type: 'ChangeUserRole',
  data: { userId, role },
  metadata: by(who),
});
const deactivate = (who: Actor, userId: string): DeactivateUser => ({
  type: 'DeactivateUser',
  data: { userId },
  metadata: by(who),
});
const userCreated = (userId: string, role: Role, accountId = ACCOUNT): UserCreated => ({
  type: 'UserCreated',
  data: {
    userId,
    accountId,
    email: `${userId}@Example.com`,
    emailNormalized: `${userId}@example.com`,
    name: userId,
    role,
  },
});

describe('user decider: RegisterOwner (sign-up)', () => {
  it('creates the OWNER with e-mail trimmed and normalised, name trimmed, no role check', () => {
    given(userDecider)
      .when(registerOwner({ email: '  Ann@Example.com ', name: ' Ann  ' }))
      .then([
        {
          type: 'UserCreated',
          data: {
            userId: owner.userId,
            accountId: ACCOUNT,
            email: 'Ann@Example.com',
            emailNormalized: 'ann@example.com',
            name: 'Ann',
            role: 'OWNER',
          },
        },
      ]);
  });

  it('refuses a user id that exists', () => {
    given(userDecider, userCreated(owner.userId, 'OWNER')).when(registerOwner()).thenThrows(AlreadyExists);
  });

  it('validates the e-mail and the name', () => {
    given(userDecider)
      .when(registerOwner({ email: 'nope' }))
      .thenThrows(InvalidInput, /^email:/);
    given(userDecider)
      .when(registerOwner({ name: ' ' }))
      .thenThrows(InvalidInput, /^name:/);
  });
});

describe('user decider: CreateUser (Add New User)', () => {
  it.each([
    ['OWNER', 'MEMBER'],
    ['OWNER', 'ADMIN'],
    ['ADMIN', 'MEMBER'],
  ] as const)('lets an %s create a %s', (actorRole, role) => {
    given(userDecider)
      .when(createUser(actor(actorRole), { role }))
      .then([
        {
          type: 'UserCreated',
          data: {
            userId: 'bob',
            accountId: ACCOUNT,
            email: 'Bob@Example.com',
            emailNormalized: 'bob@example.com',
            name: 'Bob',
            role,
          },
        },
      ]);
  });

  it('refuses a MEMBER', () => {
    given(userDecider)
      .when(createUser(member))
      .thenThrows(Forbidden, /OWNER or ADMIN/);
  });

  it('refuses an actor of another account', () => {
    given(userDecider)
      .when(createUser(otherOwner))
      .thenThrows(Forbidden, /own account/);
  });

  it('refuses an ADMIN creating an ADMIN: only OWNER creates admins', () => {
    given(userDecider)
      .when(createUser(admin, { role: 'ADMIN' }))
      .thenThrows(Forbidden, /only OWNER may create an ADMIN/);
  });

  it.each(['OWNER', 'ADMIN'] as const)('refuses a second OWNER, even from the %s', (role) => {
    given(userDecider)
      .when(createUser(actor(role), { role: 'OWNER' }))
      .thenThrows(Forbidden, /an account has one owner/);
  });

  it('refuses an unknown role', () => {
    given(userDecider)
      .when(createUser(owner, { role: 'ROOT' as Role }))
      .thenThrows(InvalidInput, /^role:/);
  });

  it.each([
    '',
    'bob',
    'bob@',
    '@example.com',
    'bob@example',
    'bob @example.com',
    'a@b@example.com',
    'bob@example..com',
  ])('refuses the e-mail %j', (email) => {
    given(userDecider)
      .when(createUser(owner, { email }))
      .thenThrows(InvalidInput, /^email:/);
  });

  it('refuses an e-mail over 254 characters', () => {
    const email = `${'a'.repeat(243)}@example.com`;
    given(userDecider)
      .when(createUser(owner, { email }))
      .thenThrows(InvalidInput, /^email: must be at most 254/);
  });

  it.each([
    ['empty', '  '],
    ['over 200 characters', 'x'.repeat(201)],
  ])('refuses a name that is %s', (_, name) => {
    given(userDecider)
      .when(createUser(owner, { name }))
      .thenThrows(InvalidInput, /^name:/);
  });

  it('accepts a name of exactly 200 characters', () => {
    const name = 'x'.repeat(200);
    given(userDecider)
      .when(createUser(owner, { name: ` ${name} ` }))
      .then([
        {
          type: 'UserCreated',
          data: {
            userId: 'bob',
            accountId: ACCOUNT,
            email: 'Bob@Example.com',
            emailNormalized: 'bob@example.com',
            name,
            role: 'MEMBER',
          },
        },
      ]);
  });

  it('refuses a user id that exists', () => {
    given(userDecider, userCreated('bob', 'MEMBER')).when(createUser(owner)).thenThrows(AlreadyExists);
  });
});

describe('user decider: ChangeUserRole', () => {
  it('lets the OWNER promote a MEMBER to ADMIN and demote an ADMIN to MEMBER', () => {
    given(userDecider, userCreated('bob', 'MEMBER'))
      .when(changeRole(owner, 'bob', 'ADMIN'))
      .then([{ type: 'UserRoleChanged', data: { userId: 'bob', role: 'ADMIN', previousRole: 'MEMBER' } }]);
    given(userDecider, userCreated('bob', 'ADMIN'))
      .when(changeRole(owner, 'bob', 'MEMBER'))
      .then([{ type: 'UserRoleChanged', data: { userId: 'bob', role: 'MEMBER', previousRole: 'ADMIN' } }]);
  });

  it.each([admin, member])('refuses anyone but the OWNER ($role)', (who) => {
    given(userDecider, userCreated('bob', 'MEMBER'))
      .when(changeRole(who, 'bob', 'ADMIN'))
      .thenThrows(Forbidden);
  });

  it('answers NOT_FOUND for an unknown user', () => {
    given(userDecider)
      .when(changeRole(owner, 'bob', 'ADMIN'))
      .thenThrows(NotFound);
  });

  it("answers NOT_FOUND for another account's user: never reveal it exists", () => {
    given(userDecider, userCreated('bob', 'MEMBER', OTHER_ACCOUNT))
      .when(changeRole(owner, 'bob', 'ADMIN'))
      .thenThrows(NotFound);
  });

  it('refuses making anyone OWNER', () => {
    given(userDecider, userCreated('bob', 'ADMIN'))
      .when(changeRole(owner, 'bob', 'OWNER'))
      .thenThrows(Forbidden, /one owner/);
  });

  it("refuses changing the OWNER's role", () => {
    given(userDecider, userCreated(owner.userId, 'OWNER'))
      .when(changeRole(owner, owner.userId, 'MEMBER'))
      .thenThrows(Forbidden, /is the owner: that role cannot change/);
  });

  it('records nothing when the role is already that role', () => {
    given(userDecider, userCreated('bob', 'ADMIN'))
      .when(changeRole(owner, 'bob', 'ADMIN'))
      .then([]);
  });
});

describe('user decider: DeactivateUser', () => {
  const deactivated = { type: 'UserDeactivated', data: { userId: 'bob' } } as const;

  it.each([owner, admin])('lets the $role deactivate a MEMBER', (who) => {
    given(userDecider, userCreated('bob', 'MEMBER')).when(deactivate(who, 'bob')).then([deactivated]);
  });

  it('lets the OWNER deactivate an ADMIN', () => {
    given(userDecider, userCreated('bob', 'ADMIN')).when(deactivate(owner, 'bob')).then([deactivated]);
  });

  it('refuses a MEMBER', () => {
    given(userDecider, userCreated('bob', 'MEMBER')).when(deactivate(member, 'bob')).thenThrows(Forbidden);
  });

  it('refuses an ADMIN deactivating another ADMIN', () => {
    given(userDecider, userCreated('bob', 'ADMIN'))
      .when(deactivate(admin, 'bob'))
      .thenThrows(Forbidden, /only OWNER may deactivate an ADMIN/);
  });

  it('refuses deactivating the OWNER', () => {
    given(userDecider, userCreated(owner.userId, 'OWNER'))
      .when(deactivate(actor('OWNER', 'someone-else'), owner.userId))
      .thenThrows(Forbidden, /is the owner and cannot be deactivated/);
  });

  it('refuses deactivating yourself', () => {
    given(userDecider, userCreated(admin.userId, 'ADMIN'))
      .when(deactivate(admin, admin.userId))
      .thenThrows(Forbidden, /yourself/);
  });

  it("answers NOT_FOUND for an unknown user and another account's user", () => {
    given(userDecider).when(deactivate(owner, 'bob')).thenThrows(NotFound);
    given(userDecider, userCreated('bob', 'MEMBER', OTHER_ACCOUNT))
      .when(deactivate(owner, 'bob'))
      .thenThrows(NotFound);
  });

  it('records nothing for a user already inactive', () => {
    given(userDecider, userCreated('bob', 'MEMBER'), deactivated).when(deactivate(owner, 'bob')).then([]);
  });
});

describe('user decider: evolve', () => {
  it('starts absent, becomes active on creation, takes role changes, becomes inactive', () => {
    given(userDecider).thenState({ status: 'absent' });
    const created = userCreated('bob', 'MEMBER');
    given(userDecider, created).thenState({ status: 'active', ...created.data });
    given(
      userDecider,
      created,
      { type: 'UserRoleChanged', data: { userId: 'bob', role: 'ADMIN', previousRole: 'MEMBER' } },
      { type: 'UserDeactivated', data: { userId: 'bob' } },
    ).thenState({ status: 'inactive', ...created.data, role: 'ADMIN' });
  });
});
