// Specs of the invitation stream, its links' hashes and the invited user: sent by an OWNER or ADMIN, resent with a
// new link (the old one spent), accepted once by the invited user, cancelled, expired by the system when due; and
// expiresIn from PT1M to P30D.
import { type Actor, systemActor } from '../../src/domain/decider';
import { Forbidden, InvalidInput, InvitationExpired, InvitationRefused, NotFound } from '../../src/domain/errors';
import {
  type InvitationCommand,
  type InvitationSent,
  invitationDecider,
  invitationValidityMs,
} from '../../src/domain/invitation';
import { invitationTokenDecider, tokenVerdict } from '../../src/domain/invitation-token';
import {
  type ActivateInvitedUser,
  type EndUserInvitation,
  type InviteUser,
  type UserCreated,
  userDecider,
  userStatus,
} from '../../src/domain/user';
import { given } from '../support/given';
import { ACCOUNT, actor, admin, by, member, NOW, otherOwner, owner } from './fixtures';

const ID = 'inv-1';
const IVY = actor('MEMBER', 'ivy');
const LATER = new Date(NOW.getTime() + 3_600_000).toISOString();
const system = systemActor('admin-1');

const sent = (expiresAt = LATER): InvitationSent => ({
  type: 'InvitationSent',
  data: {
    invitationId: ID,
    accountId: ACCOUNT,
    userId: 'ivy',
    email: 'ivy@example.com',
    name: 'Ivy',
    role: 'MEMBER',
    products: ['VIDEO_MEETING', 'WEBINAR'],
    expiresAt,
  },
});
const keys = { invitationId: ID, accountId: ACCOUNT, userId: 'ivy' };
const send = (who: Actor = owner, products = sent().data.products): InvitationCommand => ({
  type: 'SendInvitation',
  data: { ...sent().data, products },
  metadata: by(who),
});
const on = (type: 'ResendInvitation' | 'CancelInvitation', who: Actor = owner): InvitationCommand => ({
  type,
  data: { invitationId: ID },
  metadata: by(who),
});
const accept = (issue = 1, who: Actor = IVY): InvitationCommand => ({
  type: 'AcceptInvitation',
  data: { invitationId: ID, issue },
  metadata: by(who),
});
const expire = (who: Actor | typeof system = system, now = NOW): InvitationCommand => ({
  type: 'ExpireInvitation',
  data: { invitationId: ID },
  metadata: { actor: who, now },
});

describe('invitation decider', () => {
  it.each([owner, admin])('the $role sends an invitation', (who) => {
    given(invitationDecider).when(send(who)).then([sent()]);
  });

  it('refuses a MEMBER, and a product twice', () => {
    given(invitationDecider).when(send(member)).thenThrows(Forbidden);
    given(invitationDecider)
      .when(send(owner, ['WEBINAR', 'WEBINAR']))
      .thenThrows(InvalidInput, /^products:/);
  });

  it('a resend issues the next link and keeps the expiry', () => {
    given(invitationDecider, sent())
      .when(on('ResendInvitation'))
      .then([{ type: 'InvitationResent', data: { ...keys, issue: 2 } }]);
  });

  it('answers NOT_FOUND to another account, FORBIDDEN to a MEMBER', () => {
    given(invitationDecider, sent()).when(on('CancelInvitation', otherOwner)).thenThrows(NotFound);
    given(invitationDecider, sent()).when(on('ResendInvitation', member)).thenThrows(Forbidden);
  });

  it('the invited user accepts with the current link', () => {
    given(invitationDecider, sent())
      .when(accept(1))
      .then([{ type: 'InvitationAccepted', data: keys }]);
  });

  it('a replaced link: INVITATION_EXPIRED', () => {
    given(invitationDecider, sent(), { type: 'InvitationResent', data: { ...keys, issue: 2 } })
      .when(accept(1))
      .thenThrows(InvitationExpired, /newer link/);
  });

  it('a cancelled, expired or lapsed invitation: INVITATION_EXPIRED', () => {
    given(invitationDecider, sent(), { type: 'InvitationCancelled', data: keys })
      .when(accept(1))
      .thenThrows(InvitationExpired, /cancelled/);
    given(invitationDecider, sent(), { type: 'InvitationExpired', data: { ...keys, expiresAt: LATER } })
      .when(accept(1))
      .thenThrows(InvitationExpired, /expired/);
    given(invitationDecider, sent(NOW.toISOString()))
      .when(accept(1))
      .thenThrows(InvitationExpired, /expired/);
  });

  it('an accepted invitation, with any of its links: UNAUTHENTICATED', () => {
    given(invitationDecider, sent(), { type: 'InvitationAccepted', data: keys })
      .when(accept(1))
      .thenThrows(InvitationRefused);
    given(invitationDecider, sent(), { type: 'InvitationAccepted', data: keys })
      .when(accept(0))
      .thenThrows(InvitationRefused);
  });

  it('cancelling: pending ones are cancelled, lapsed ones record nothing, accepted ones are refused', () => {
    given(invitationDecider, sent())
      .when(on('CancelInvitation'))
      .then([{ type: 'InvitationCancelled', data: keys }]);
    given(invitationDecider, sent(), { type: 'InvitationCancelled', data: keys }).when(on('CancelInvitation')).then([]);
    given(invitationDecider, sent(), { type: 'InvitationAccepted', data: keys })
      .when(on('CancelInvitation'))
      .thenThrows(InvalidInput);
  });

  it('the system expires it at or after expiresAt, never before; nobody else expires it', () => {
    given(invitationDecider, sent(NOW.toISOString()))
      .when(expire())
      .then([{ type: 'InvitationExpired', data: { ...keys, expiresAt: NOW.toISOString() } }]);
    given(invitationDecider, sent()).when(expire()).then([]);
    given(invitationDecider, sent(NOW.toISOString())).when(expire(owner)).thenThrows(InvalidInput);
  });

  it('a lapsed invitation cannot be resent', () => {
    given(invitationDecider, sent(NOW.toISOString())).when(on('ResendInvitation')).thenThrows(InvitationExpired);
  });
});

describe('expiresIn', () => {
  it.each([
    ['PT1M', 60_000],
    ['PT1H', 3_600_000],
    ['P7D', 7 * 86_400_000],
    ['P2W', 14 * 86_400_000],
    ['P30D', 30 * 86_400_000],
    ['P1DT12H', 36 * 3_600_000],
  ])('%s is %p ms', (text, ms) => {
    expect(invitationValidityMs(text)).toBe(ms);
  });

  it.each(['PT59S', 'P31D', 'P30DT1S', 'P1M', 'P1Y', '7 days', 'P', 'PT', '', 'p7d', 'P-1D'])(
    'refuses %p as BAD_USER_INPUT on expiresIn',
    (text) => {
      expect(() => invitationValidityMs(text)).toThrow(InvalidInput);
      expect(() => invitationValidityMs(text)).toThrow(/^expiresIn:/);
    },
  );
});

describe("invitation links' hashes", () => {
  const issue = (n: number, tokenHash: string) => ({
    type: 'IssueInvitationToken' as const,
    data: { invitationId: ID, issue: n, tokenHash },
    metadata: by(owner),
  });

  it('a new link spends the old one; a retry of the same issue records nothing', () => {
    const first = {
      type: 'InvitationTokenIssued' as const,
      data: { invitationId: ID, issue: 1, tokenHash: 'a', spentHashes: [] },
    };
    given(invitationTokenDecider, first)
      .when(issue(2, 'b'))
      .then([
        { type: 'InvitationTokenIssued', data: { invitationId: ID, issue: 2, tokenHash: 'b', spentHashes: ['a'] } },
      ]);
    given(invitationTokenDecider, first).when(issue(1, 'a')).then([]);
    const state = invitationTokenDecider.evolve(invitationTokenDecider.initialState(), {
      type: 'InvitationTokenIssued',
      data: { invitationId: ID, issue: 2, tokenHash: 'b', spentHashes: ['a'] },
    });
    expect(tokenVerdict(state, 'b')).toEqual({ kind: 'current', issue: 2 });
    expect(tokenVerdict(state, 'a')).toEqual({ kind: 'spent' });
    expect(tokenVerdict(state, 'z')).toEqual({ kind: 'unknown' });
  });
});

describe('the invited user', () => {
  const created: UserCreated = {
    type: 'UserCreated',
    data: {
      userId: 'ivy',
      accountId: ACCOUNT,
      email: 'ivy@example.com',
      emailNormalized: 'ivy@example.com',
      name: 'Ivy',
      role: 'MEMBER',
    },
  };
  const invited = { type: 'UserInvited' as const, data: { userId: 'ivy', invitationId: ID } };
  const invite = (who: Actor): InviteUser => ({
    type: 'InviteUser',
    data: {
      userId: 'ivy',
      accountId: ACCOUNT,
      email: 'ivy@example.com',
      name: 'Ivy',
      role: 'MEMBER',
      invitationId: ID,
    },
    metadata: by(who),
  });
  const activate = (who: Actor = IVY, invitationId = ID): ActivateInvitedUser => ({
    type: 'ActivateInvitedUser',
    data: { userId: 'ivy', invitationId },
    metadata: by(who),
  });
  const end = (who: Actor | typeof system = system): EndUserInvitation => ({
    type: 'EndUserInvitation',
    data: { userId: 'ivy', invitationId: ID },
    metadata: { actor: who, now: NOW },
  });

  it('is created INVITED: UserCreated then UserInvited, by an OWNER or ADMIN only', () => {
    given(userDecider).when(invite(admin)).then([created, invited]);
    given(userDecider).when(invite(member)).thenThrows(Forbidden);
  });

  it('is active and INVITED, then ACTIVE once they accept', () => {
    const state = [created, invited].reduce((s, e) => userDecider.evolve(s, e), userDecider.initialState());
    expect(state.status === 'active' && userStatus(state)).toBe('INVITED');
    given(userDecider, created, invited)
      .when(activate())
      .then([{ type: 'UserActivated', data: { userId: 'ivy', invitationId: ID } }]);
    const accepted = userDecider.evolve(state, { type: 'UserActivated', data: { userId: 'ivy', invitationId: ID } });
    expect(accepted.status === 'active' && userStatus(accepted)).toBe('ACTIVE');
  });

  it('accepting for another user, or a user deactivated meanwhile, is refused', () => {
    given(userDecider, created, invited).when(activate(owner)).thenThrows(NotFound);
    given(userDecider, created, invited, { type: 'UserDeactivated', data: { userId: 'ivy' } })
      .when(activate())
      .thenThrows(InvitationExpired);
  });

  it('a cancelled or lapsed invitation deactivates a user still waiting on it, and nobody else', () => {
    given(userDecider, created, invited)
      .when(end())
      .then([{ type: 'UserDeactivated', data: { userId: 'ivy' } }]);
    given(userDecider, created, invited, { type: 'UserActivated', data: { userId: 'ivy', invitationId: ID } })
      .when(end())
      .then([]);
    given(userDecider, created).when(end()).then([]);
    given(userDecider, created, invited).when(end(member)).thenThrows(Forbidden);
  });
});
