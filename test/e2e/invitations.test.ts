// Invitations that hold a seat, over HTTP against a real server whose PUBLIC_URL is its own address: invite → the
// mail in the outbox → accept over GraphQL (signed in) → licence and counts; the /invite page; cancel; resend (the
// old link INVITATION_EXPIRED); refusals that write nothing; 200 concurrent invites and assigns on 50 seats never
// over-selling, with `replay --verify` clean over the data dir after it; and one expiry with the shortest allowed
// `expiresIn` (PT1M) and REACTOR_TICK_SECONDS=1, which waits that minute once (no clock knob: the lapse is real).
import fs from 'node:fs';
import path from 'node:path';
import { loadOrCreateSecret } from '../../src/auth/tokens';
import { runReplay } from '../../src/cli/replay';
import { capture } from '../cli/io';
import {
  ASSIGN,
  createUser,
  type Gql,
  login,
  ok,
  purchase,
  signUpAccount,
  tokenFor,
  uniqueEmail,
} from '../support/seatledger';
import { type ActivationServer, startActivationServer, waitForOutboxMail } from './activation-support';

const INVITE = `mutation ($input: InviteUserInput!) {
  inviteUser(input: $input) {
    invitation { id status products expiresAt createdAt user { id email status active } invitedBy { id } }
    seats { id product purchased assigned reserved available }
  }
}`;
const ACCEPT = `mutation ($input: AcceptInvitationInput!) {
  acceptInvitation(input: $input) { token refreshToken user { id status licenses { product } } }
}`;
const CANCEL = `mutation ($id: ID!) {
  cancelInvitation(input: { invitationId: $id }) { invitation { id status user { status } } seats { reserved available } }
}`;
const RESEND = 'mutation ($id: ID!) { resendInvitation(input: { invitationId: $id }) { invitation { id status } } }';
const SEATS = `query ($product: Product!) {
  seatAvailability(product: $product) { id purchased assigned reserved available }
}`;
const INVITATIONS = `query ($status: InvitationStatus, $first: Int, $last: Int) {
  invitations(status: $status, first: $first, last: $last) {
    totalCount edges { node { id status user { email } } } pageInfo { hasNextPage hasPreviousPage }
  }
}`;
const PASSWORD = 'chosen when accepting';

/** The token of an invitation link in the mails to `email` other than `not`, waiting for the notifier. */
async function inviteToken(server: ActivationServer, email: string, not: readonly string[] = []): Promise<string> {
  const outbox = path.join(server.dataDir, 'outbox');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const names = fs.existsSync(outbox) ? fs.readdirSync(outbox).filter((name) => name.endsWith('.eml')) : [];
    for (const name of names) {
      // Quoted-printable bodies fold long lines with `=\r\n` and escape `=` as `=3D`.
      const text = fs
        .readFileSync(path.join(outbox, name), 'utf8')
        .replace(/=\r?\n/g, '')
        .replace(/=3D/gi, '=');
      if (!text.toLowerCase().includes(email.toLowerCase()) || !/invited/.test(text)) continue;
      for (const match of text.matchAll(/\/invite\?token=([A-Za-z0-9_\-.~%]+)/g)) {
        const token = decodeURIComponent(match[1] ?? '');
        if (!not.includes(token)) return token;
      }
    }
    if (Date.now() > deadline) throw new Error(`no new invitation link to ${email} in ${outbox}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function invite(gql: Gql, token: string, input: Record<string, unknown>) {
  return gql(
    INVITE,
    { input: { name: 'Ivy Invited', products: ['VIDEO_MEETING'], expiresIn: 'PT1H', ...input } },
    token,
  );
}

describe('invitations over HTTP', () => {
  let server: ActivationServer;
  beforeAll(async () => {
    server = await startActivationServer();
  });
  afterAll(() => server.close());

  it('invite → mail → accept over GraphQL: the held seat becomes a licence, the user ACTIVE and signed in', async () => {
    const { gql } = server;
    const owner = await signUpAccount(gql);
    await purchase(gql, owner.token, 2);
    const email = uniqueEmail('ivy');

    const invited = ok(await invite(gql, owner.token, { email })).inviteUser;
    expect(invited.invitation).toMatchObject({
      status: 'PENDING',
      products: ['VIDEO_MEETING'],
      user: { email, status: 'INVITED', active: true },
      invitedBy: { id: owner.ownerId },
    });
    expect(invited.invitation.id).toMatch(/^Invitation:[0-9a-f-]{36}$/);
    expect(invited.seats).toEqual([
      {
        id: `SeatAvailability:${owner.accountId}:VIDEO_MEETING`,
        product: 'VIDEO_MEETING',
        purchased: 2,
        assigned: 0,
        reserved: 1,
        available: 1,
      },
    ]);
    // The e-mail is taken by the invitation; the invitation is listed and refetchable by its id.
    const again = await gql(
      'mutation ($input: CreateUserInput!) { createUser(input: $input) { user { id } } }',
      { input: { email, name: 'Ivy Again' } },
      owner.token,
    );
    expect(again.codes).toEqual(['EMAIL_TAKEN']);
    const pending = ok(await gql(INVITATIONS, { status: 'PENDING' }, owner.token)).invitations;
    expect(pending.totalCount).toBe(1);
    expect(pending.edges[0].node).toMatchObject({ id: invited.invitation.id, user: { email } });
    const node = ok(
      await gql(
        'query ($id: ID!) { node(id: $id) { __typename id ... on Invitation { status } } }',
        { id: invited.invitation.id },
        owner.token,
      ),
    ).node;
    expect(node).toEqual({ __typename: 'Invitation', id: invited.invitation.id, status: 'PENDING' });

    const token = await inviteToken(server, email);
    const mail = await waitForOutboxMail(server.dataDir, email, /invited/);
    expect(mail.raw.replace(/=\r?\n/g, '').replace(/=3D/gi, '=')).toContain(`${server.origin}/invite?token=`);

    const accepted = ok(await gql(ACCEPT, { input: { token, password: PASSWORD } })).acceptInvitation;
    expect(accepted.user).toEqual({
      id: invited.invitation.user.id,
      status: 'ACTIVE',
      licenses: [{ product: 'VIDEO_MEETING' }],
    });
    // Signed in: the answer's token is the user's, and the password they chose signs them in.
    expect(ok(await gql('{ me { email status } }', undefined, accepted.token)).me).toEqual({ email, status: 'ACTIVE' });
    await login(gql, email, PASSWORD);
    // Never counted twice: the held seat moved to assigned.
    expect(ok(await gql(SEATS, { product: 'VIDEO_MEETING' }, owner.token)).seatAvailability).toMatchObject({
      purchased: 2,
      assigned: 1,
      reserved: 0,
      available: 1,
    });
    expect(ok(await gql(INVITATIONS, { status: 'ACCEPTED' }, owner.token)).invitations.totalCount).toBe(1);
    // The link is spent: an accepted invitation's link is UNAUTHENTICATED.
    expect((await gql(ACCEPT, { input: { token, password: PASSWORD } })).codes).toEqual(['UNAUTHENTICATED']);
    // The licence mail that follows the acceptance carries no activation link (the invitation was the way in).
    const licence = await waitForOutboxMail(server.dataDir, email, /licence/);
    expect(licence.raw).not.toMatch(/activate\?token/);
  });

  it('a licence assigned to a user still INVITED is mailed without an activation link (the invitation is the way in)', async () => {
    const { gql } = server;
    const owner = await signUpAccount(gql);
    await purchase(gql, owner.token, 1);
    const email = uniqueEmail('pending');
    const invited = ok(await invite(gql, owner.token, { email, products: [] })).inviteUser;
    ok(await gql(ASSIGN, { userId: invited.invitation.user.id, product: 'VIDEO_MEETING' }, owner.token));
    const licence = await waitForOutboxMail(server.dataDir, email, /licence/);
    expect(licence.raw).not.toMatch(/activate\?token/);
    // The invitation's own link still works, and the licence assigned meanwhile stays.
    const accepted = ok(await gql(ACCEPT, { input: { token: await inviteToken(server, email), password: PASSWORD } }));
    expect(accepted.acceptInvitation.user).toMatchObject({
      status: 'ACTIVE',
      licenses: [{ product: 'VIDEO_MEETING' }],
    });
  });

  it('serves the /invite page like /activate: the console’s page under a strict CSP, the token never in the HTML', async () => {
    const response = await fetch(`${server.origin}/invite?token=abc.def`);
    expect(response.status).toBe(200);
    const html = await response.text();
    // The admin console (dist/console) renders the password form; the page is the console's own index.html.
    expect(html).toBe(await (await fetch(`${server.origin}/`)).text());
    expect(html).not.toContain('abc.def');
    expect(html.match(/<script(?![^>]*\bsrc=)[^>]*>/g)).toBeNull();
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('cache-control')).toBe('no-cache');
  });

  it('refuses with nothing written: no seat (NO_SEATS_AVAILABLE with the counts), a bad expiresIn, a MEMBER', async () => {
    const { gql } = server;
    const owner = await signUpAccount(gql);
    await purchase(gql, owner.token, 1);
    const holder = await createUser(gql, owner.token);
    ok(await gql(ASSIGN, { userId: holder.id, product: 'VIDEO_MEETING' }, owner.token));
    const email = uniqueEmail('nobody');

    const refused = await invite(gql, owner.token, { email });
    expect(refused.codes).toEqual(['NO_SEATS_AVAILABLE']);
    expect(refused.errors?.[0]?.extensions?.seats).toEqual({ purchased: 1, assigned: 1, reserved: 0, available: 0 });
    for (const expiresIn of ['PT30S', 'P31D', 'soon']) {
      const bad = await invite(gql, owner.token, { email, expiresIn });
      expect(bad.codes).toEqual(['BAD_USER_INPUT']);
      expect(bad.errors?.[0]?.extensions?.field).toBe('expiresIn');
    }
    // Nothing written: no invitation, the e-mail still free.
    expect(ok(await gql(INVITATIONS, {}, owner.token)).invitations.totalCount).toBe(0);
    await createUser(gql, owner.token, { email });

    const member = await createUser(gql, owner.token, { email: uniqueEmail('member') });
    // Signed in as that MEMBER with the server's own key (the data dir's auth secret), as local sign-in signs.
    const memberToken = await tokenFor(member.id, { secret: loadOrCreateSecret(server.dataDir) });
    expect((await gql(INVITATIONS, {}, memberToken)).codes).toEqual(['FORBIDDEN']);
    expect((await invite(gql, memberToken, { email: uniqueEmail() })).codes).toEqual(['FORBIDDEN']);
  });

  it('cancel frees the seat and deactivates the invited user; the link then answers INVITATION_EXPIRED', async () => {
    const { gql } = server;
    const owner = await signUpAccount(gql);
    await purchase(gql, owner.token, 1);
    const email = uniqueEmail('cancelled');
    const invited = ok(await invite(gql, owner.token, { email })).inviteUser;
    const token = await inviteToken(server, email);

    const cancelled = ok(await gql(CANCEL, { id: invited.invitation.id }, owner.token)).cancelInvitation;
    expect(cancelled).toEqual({
      invitation: { id: invited.invitation.id, status: 'CANCELLED', user: { status: 'DEACTIVATED' } },
      seats: [{ reserved: 0, available: 1 }],
    });
    expect((await gql(ACCEPT, { input: { token, password: PASSWORD } })).codes).toEqual(['INVITATION_EXPIRED']);
    expect(ok(await gql(SEATS, { product: 'VIDEO_MEETING' }, owner.token)).seatAvailability).toMatchObject({
      assigned: 0,
      reserved: 0,
      available: 1,
    });
    // Another account's admin cannot see or cancel it.
    const other = await signUpAccount(gql, 'Other');
    expect((await gql(CANCEL, { id: invited.invitation.id }, other.token)).codes).toEqual(['NOT_FOUND']);
  });

  it('resend mails a new link and spends the old one (INVITATION_EXPIRED); the new one is accepted', async () => {
    const { gql } = server;
    const owner = await signUpAccount(gql);
    await purchase(gql, owner.token, 1);
    const email = uniqueEmail('resent');
    const invited = ok(await invite(gql, owner.token, { email })).inviteUser;
    const first = await inviteToken(server, email);

    const resent = ok(await gql(RESEND, { id: invited.invitation.id }, owner.token)).resendInvitation;
    expect(resent.invitation).toEqual({ id: invited.invitation.id, status: 'PENDING' });
    const second = await inviteToken(server, email, [first]);
    expect(second).not.toBe(first);

    expect((await gql(ACCEPT, { input: { token: first, password: PASSWORD } })).codes).toEqual(['INVITATION_EXPIRED']);
    const accepted = ok(await gql(ACCEPT, { input: { token: second, password: PASSWORD } })).acceptInvitation;
    expect(accepted.user.licenses).toEqual([{ product: 'VIDEO_MEETING' }]);
  });

  it('200 concurrent invites and assigns on 50 seats never exceed 50 assigned + reserved', async () => {
    const { gql } = server;
    const owner = await signUpAccount(gql);
    await purchase(gql, owner.token, 50);
    const users = [];
    for (let i = 0; i < 100; i++) users.push(await createUser(gql, owner.token));

    const results = await Promise.all([
      ...users.map((user) => gql(ASSIGN, { userId: user.id, product: 'VIDEO_MEETING' }, owner.token)),
      ...users.map(() => invite(gql, owner.token, { email: uniqueEmail('race') })),
    ]);
    const won = results.filter((result) => !result.errors?.length).length;
    const codes = new Set(results.flatMap((result) => result.codes));
    expect([...codes]).toEqual(['NO_SEATS_AVAILABLE']);
    expect(won).toBe(50);
    const seats = ok(await gql(SEATS, { product: 'VIDEO_MEETING' }, owner.token)).seatAvailability;
    expect(seats.assigned + seats.reserved).toBe(50);
    expect(seats.available).toBe(0);
  }, 120_000);

  it('pages by the cursors it answers, forward and back, and refuses a cursor of another list', async () => {
    const { gql } = server;
    const owner = await signUpAccount(gql);
    const emails: string[] = [];
    for (let i = 0; i < 5; i++) {
      emails.push(uniqueEmail(`paged${i}`).toLowerCase());
      ok(await invite(gql, owner.token, { email: emails[i], products: [] }));
    }
    const PAGE = `query ($first: Int, $after: String, $last: Int, $before: String) {
      invitations(status: PENDING, first: $first, after: $after, last: $last, before: $before) {
        totalCount edges { node { user { email } } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }`;
    const emailsOf = (page: { edges: { node: { user: { email: string } } }[] }) =>
      page.edges.map((e) => e.node.user.email);
    const first = ok(await gql(PAGE, { first: 2 }, owner.token)).invitations;
    expect({ emails: emailsOf(first), totalCount: first.totalCount }).toEqual({
      emails: emails.slice(0, 2),
      totalCount: 5,
    });
    const second = ok(await gql(PAGE, { first: 2, after: first.pageInfo.endCursor }, owner.token)).invitations;
    expect(emailsOf(second)).toEqual(emails.slice(2, 4));
    const third = ok(await gql(PAGE, { first: 2, after: second.pageInfo.endCursor }, owner.token)).invitations;
    expect({ emails: emailsOf(third), next: third.pageInfo.hasNextPage }).toEqual({
      emails: emails.slice(4),
      next: false,
    });
    const back = ok(await gql(PAGE, { last: 2, before: third.pageInfo.startCursor }, owner.token)).invitations;
    expect({ emails: emailsOf(back), previous: back.pageInfo.hasPreviousPage }).toEqual({
      emails: emails.slice(2, 4),
      previous: true,
    });
    // a log position (licenseHistory's cursor) is not one of this list's cursors
    const refused = await gql(PAGE, { first: 2, after: '0000000000000042' }, owner.token);
    expect(refused.codes).toEqual(['BAD_USER_INPUT']);
  });

  it('replay --verify over the data dir is clean after all of the above', async () => {
    await server.stop();
    const out = capture(server.dataDir);
    const code = await runReplay(['--verify', '--data-dir', server.dataDir], out.io);
    expect({ code, stdout: out.stdout() }).toMatchObject({ code: 0 });
  }, 60_000);
});

describe('invitation expiry over HTTP', () => {
  let server: ActivationServer;
  beforeAll(async () => {
    server = await startActivationServer({ env: { REACTOR_TICK_SECONDS: '1' } });
  });
  afterAll(() => server.close());

  it('an invitation of PT1M lapses within a tick of its expiry: seat freed, status EXPIRED, link INVITATION_EXPIRED', async () => {
    const { gql } = server;
    const owner = await signUpAccount(gql);
    await purchase(gql, owner.token, 1);
    const email = uniqueEmail('lapsing');
    const invited = ok(await invite(gql, owner.token, { email, expiresIn: 'PT1M' })).inviteUser;
    const token = await inviteToken(server, email);
    const expiresAt = Date.parse(invited.invitation.expiresAt);
    expect(expiresAt - Date.parse(invited.invitation.createdAt)).toBe(60_000);

    let status = 'PENDING';
    while (status === 'PENDING' && Date.now() < expiresAt + 15_000) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      status = ok(await gql(INVITATIONS, {}, owner.token)).invitations.edges[0].node.status;
    }
    expect(status).toBe('EXPIRED');
    // Within one tick (1 s) of expiresAt, plus the time the read models take.
    expect(Date.now() - expiresAt).toBeLessThan(5_000);
    expect(ok(await gql(SEATS, { product: 'VIDEO_MEETING' }, owner.token)).seatAvailability).toMatchObject({
      reserved: 0,
      available: 1,
    });
    expect((await gql(ACCEPT, { input: { token, password: PASSWORD } })).codes).toEqual(['INVITATION_EXPIRED']);
  }, 90_000);
});
