// Idempotency keys on every state-changing mutation, over HTTP: the same key and input twice write one event and
// answer the same; another input with the key is IDEMPOTENCY_KEY_REUSED; keys are per account and per mutation;
// identical requests at once write once.
import {
  createUser,
  type Gql,
  ok,
  purchase,
  type SignedUpAccount,
  signUpAccount,
  startTestSeatledger,
  type TestSeatledger,
  uniqueEmail,
} from '../support/seatledger';

/** One keyed mutation: how to send it, and the event type one write of it appends. */
interface Case {
  readonly mutation: string;
  readonly eventType: string;
  /** `variant` 0 is the input repeated; 1 is another input with the same key. */
  input(variant: 0 | 1): Record<string, unknown>;
  /** What must be the same in both answers (ids, not counts). */
  readonly select: string;
}

const countEvents = async (gql: Gql, token: string, type: string): Promise<number> => {
  const data = ok(
    await gql<{ licenseHistory: { edges: { node: { type: string } }[] } }>(
      '{ licenseHistory(first: 500) { edges { node { type } } } }',
      undefined,
      token,
    ),
  );
  return data.licenseHistory.edges.filter((edge) => edge.node.type === type).length;
};

const send = (gql: Gql, token: string, c: Case, input: Record<string, unknown>) =>
  gql(
    `mutation ($input: ${c.mutation[0]!.toUpperCase()}${c.mutation.slice(1)}Input!) { ${c.mutation}(input: $input) { ${c.select} } }`,
    { input },
    token,
  );

describe('idempotency keys on every state-changing mutation, over HTTP', () => {
  let server: TestSeatledger;
  let owner: SignedUpAccount;
  let users: { id: string }[];
  /** Pending invitations: 0 and 1 for cancelInvitation, 2 and 3 for resendInvitation. */
  let invitations: string[];
  const email = uniqueEmail('keyed');
  const invited = uniqueEmail('invited');

  beforeAll(async () => {
    server = await startTestSeatledger();
    owner = await signUpAccount(server.gql, 'Keyed');
    await purchase(server.gql, owner.token, 10, 'VIDEO_MEETING');
    await purchase(server.gql, owner.token, 10, 'WEBINAR');
    users = [];
    for (let i = 0; i < 5; i++) users.push(await createUser(server.gql, owner.token));
    invitations = [];
    for (let i = 0; i < 4; i++) {
      const sent = ok(
        await server.gql<{ inviteUser: { invitation: { id: string } } }>(
          'mutation ($input: InviteUserInput!) { inviteUser(input: $input) { invitation { id } } }',
          { input: { email: uniqueEmail(`pending${i}`), name: `Pending ${i}`, products: ['WEBINAR'] } },
          owner.token,
        ),
      );
      invitations.push(sent.inviteUser.invitation.id);
    }
  }, 60_000);
  afterAll(() => server?.close());

  const u = (i: number) => users[i]!.id;
  // Every case uses the same key in one account: keys of different mutations never meet.
  const cases: Case[] = [
    {
      mutation: 'purchaseLicenses',
      eventType: 'LicensePurchased',
      input: (v) => ({ product: 'WEBINAR', plan: 'webinar-100', quantity: 2 + v }),
      select: 'subscription { id }',
    },
    {
      mutation: 'releaseLicenses',
      eventType: 'LicensesReleased',
      input: (v) => ({ product: 'WEBINAR', quantity: 1 + v }),
      select: 'subscription { id }',
    },
    {
      mutation: 'upgradePlan',
      eventType: 'PlanUpgraded',
      input: (v) => ({ product: 'WEBINAR', plan: v === 0 ? 'webinar-500' : 'webinar-1000' }),
      select: 'subscription { id }',
    },
    {
      mutation: 'createUser',
      eventType: 'UserCreated',
      input: (v) => ({ email, name: v === 0 ? 'Kay Keyed' : 'Someone Else' }),
      select: 'user { id email }',
    },
    {
      mutation: 'changeUserRole',
      eventType: 'UserRoleChanged',
      input: (v) => ({ userId: u(0), role: v === 0 ? 'ADMIN' : 'OWNER' }),
      select: 'user { id }',
    },
    {
      mutation: 'assignLicense',
      eventType: 'LicenseAssigned',
      input: (v) => ({ userId: u(1), product: v === 0 ? 'VIDEO_MEETING' : 'WEBINAR' }),
      select: 'license { product plan { id } assignedAt assignedBy { id } } user { id }',
    },
    {
      mutation: 'revokeLicense',
      eventType: 'LicenseRevoked',
      input: (v) => ({ userId: u(1), product: 'VIDEO_MEETING', reason: v === 0 ? 'moved on' : 'other reason' }),
      select: 'user { id }',
    },
    {
      mutation: 'deactivateUser',
      eventType: 'UserDeactivated',
      input: (v) => ({ userId: u(2 + v) }),
      select: 'user { id active }',
    },
    {
      mutation: 'inviteUser',
      eventType: 'InvitationSent',
      input: (v) => ({ email: invited, name: v === 0 ? 'Ivy Invited' : 'Someone Else', products: ['VIDEO_MEETING'] }),
      select: 'invitation { id status expiresAt createdAt user { id email } invitedBy { id } }',
    },
    {
      mutation: 'cancelInvitation',
      eventType: 'InvitationCancelled',
      input: (v) => ({ invitationId: invitations[v] }),
      select: 'invitation { id status }',
    },
    {
      mutation: 'resendInvitation',
      eventType: 'InvitationResent',
      input: (v) => ({ invitationId: invitations[2 + v] }),
      select: 'invitation { id status expiresAt }',
    },
  ];

  it.each(cases)('$mutation: the same key and input twice write one $eventType and answer the same', async (c) => {
    const { gql } = server;
    const before = await countEvents(gql, owner.token, c.eventType);
    const first = ok(await send(gql, owner.token, c, { ...c.input(0), idempotencyKey: 'k-1' }));
    const again = ok(await send(gql, owner.token, c, { ...c.input(0), idempotencyKey: 'k-1' }));
    expect(again).toEqual(first);
    expect(await countEvents(gql, owner.token, c.eventType)).toBe(before + 1);

    const reused = await send(gql, owner.token, c, { ...c.input(1), idempotencyKey: 'k-1' });
    expect(reused.codes).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    expect(await countEvents(gql, owner.token, c.eventType)).toBe(before + 1);
  });

  it('a repeat after the state moved on answers the first write, not a refusal (assign, revoked since)', async () => {
    const { gql } = server;
    const assign = cases.find((c) => c.mutation === 'assignLicense')!;
    const revoke = cases.find((c) => c.mutation === 'revokeLicense')!;
    const input = { userId: u(4), product: 'VIDEO_MEETING', idempotencyKey: 'later' };
    const first = ok(await send(gql, owner.token, assign, input));
    ok(await send(gql, owner.token, revoke, { userId: u(4), product: 'VIDEO_MEETING' }));
    // Without the key this would assign again; with it, the first licence once more.
    expect(ok(await send(gql, owner.token, assign, input))).toEqual(first);
    const holders = ok(
      await gql<{ user: { licenses: unknown[] } }>(
        'query ($id: ID!) { user(id: $id) { licenses { product } } }',
        { id: u(4) },
        owner.token,
      ),
    );
    expect(holders.user.licenses).toEqual([]);
  });

  it('keys belong to an account: another account may send the same key with another input', async () => {
    const { gql } = server;
    const other = await signUpAccount(gql, 'Other');
    const c = cases[0]!;
    ok(await send(gql, other.token, c, { ...c.input(1), idempotencyKey: 'k-1' }));
    expect(await countEvents(gql, other.token, 'LicensePurchased')).toBe(1);
  });

  it('a refused request spends no key: the same key then works with an input that is allowed', async () => {
    const { gql } = server;
    const c = cases.find((x) => x.mutation === 'assignLicense')!;
    const refused = await send(gql, owner.token, c, { userId: u(2), product: 'WEBINAR', idempotencyKey: 'not-spent' });
    expect(refused.codes).toEqual(['USER_INACTIVE']);
    ok(await send(gql, owner.token, c, { userId: u(0), product: 'WEBINAR', idempotencyKey: 'not-spent' }));
  });

  it('a refused invitation spends no key: EMAIL_TAKEN, then the same key invites someone else once', async () => {
    const { gql } = server;
    const c = cases.find((x) => x.mutation === 'inviteUser')!;
    const before = await countEvents(gql, owner.token, 'SeatReserved');
    const taken = await send(gql, owner.token, c, { email, name: 'Taken', idempotencyKey: 'invite-free' });
    expect(taken.codes).toEqual(['EMAIL_TAKEN']);
    const input = {
      email: uniqueEmail('second'),
      name: 'Second',
      products: ['WEBINAR'],
      idempotencyKey: 'invite-free',
    };
    const first = ok(await send(gql, owner.token, c, input));
    expect(ok(await send(gql, owner.token, c, input))).toEqual(first);
    // One seat held, not two: the repeat wrote nothing.
    expect(await countEvents(gql, owner.token, 'SeatReserved')).toBe(before + 1);
  });

  it('8 identical keyed requests at once: one write, one answer (assignLicense and createUser)', async () => {
    const { gql } = server;
    const assign = cases.find((c) => c.mutation === 'assignLicense')!;
    const create = cases.find((c) => c.mutation === 'createUser')!;
    const target = await createUser(gql, owner.token);
    const [assigned, created] = await Promise.all([
      countEvents(gql, owner.token, 'LicenseAssigned'),
      countEvents(gql, owner.token, 'UserCreated'),
    ]);
    const newcomer = { email: uniqueEmail('burst'), name: 'Burst Person', idempotencyKey: 'burst' };
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        i % 2 === 0
          ? send(gql, owner.token, assign, { userId: target.id, product: 'VIDEO_MEETING', idempotencyKey: 'burst' })
          : send(gql, owner.token, create, newcomer),
      ),
    );
    const answers = results.map(ok);
    expect(new Set(answers.filter((_, i) => i % 2 === 0).map((a) => JSON.stringify(a))).size).toBe(1);
    expect(new Set(answers.filter((_, i) => i % 2 === 1).map((a) => JSON.stringify(a))).size).toBe(1);
    expect(await countEvents(gql, owner.token, 'LicenseAssigned')).toBe(assigned + 1);
    expect(await countEvents(gql, owner.token, 'UserCreated')).toBe(created + 1);
  });
});
