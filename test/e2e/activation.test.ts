// The activation flow end to end over real HTTP, as a new member lives it: a licence is assigned, the mail arrives
// (in the outbox, or at a real SMTP server) with a link to PUBLIC_URL, the link serves the page, activateAccount
// sets the password once, the member signs in and is still only a member. Failed mails are listed for admins only,
// and no plaintext token or password is left in the data dir or the logs.
import fs from 'node:fs';
import path from 'node:path';
import { findPlan } from '../../src/domain/plans';
import { parseMail, startSmtpServer, type TestSmtpServer } from '../notifications/support';
import {
  ASSIGN,
  createUser,
  type Gql,
  login,
  ok,
  purchase,
  signUpAccount,
  TEST_AUTH_SECRET,
  tokenFor,
} from '../support/seatledger';
import {
  type ActivationServer,
  activationLinkOf,
  filesUnder,
  freePort,
  secretsIn,
  startActivationServer,
  tokenOfLink,
  waitForOutboxMail,
} from './activation-support';

const ACTIVATE = `mutation ($input: ActivateAccountInput!) {
  activateAccount(input: $input) { token user { id email role } }
}`;
const NOTIFICATIONS = `query ($status: DeliveryStatus, $first: Int, $after: String) {
  notifications(status: $status, first: $first, after: $after) {
    edges { cursor node { eventId kind status attempts lastError recipientEmail recipient { id email } createdAt updatedAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const NEW_PASSWORD = 'a member chose this one';
const SEVEN_DAYS_MS = 7 * 24 * 60 * 60 * 1000;

const activate = (gql: Gql, token: string, password = NEW_PASSWORD) => gql(ACTIVATE, { input: { token, password } });

/** Polls a GraphQL read until `done` holds for its data, or fails with the last answer. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting; last answer: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('activation over HTTP, mail written to the outbox (no SMTP_URL)', () => {
  let server: ActivationServer;
  /** Every token and password the tests saw: none may be stored or logged in plain text. */
  const secrets: string[] = [];

  beforeAll(async () => {
    server = await startActivationServer();
  });
  afterAll(() => server?.close());

  it('assign → mail with product, plan, assigner, login and link → page → activate → login → still a member', async () => {
    const { gql } = server;
    // given an owner with seats and a new member
    const owner = await signUpAccount(gql, 'Initech');
    await purchase(gql, owner.token, 3, 'VIDEO_MEETING', 'video-pro');
    const member = await createUser(gql, owner.token, { name: 'Milton Waddams', role: 'MEMBER' });

    // when the owner assigns them a licence
    ok(await gql(ASSIGN, { userId: member.id, product: 'VIDEO_MEETING' }, owner.token));

    // then one mail names the product, the plan, who assigned it, the login, and a link under PUBLIC_URL
    const { mail } = await waitForOutboxMail(server.dataDir, member.email);
    const plan = findPlan('video-pro')?.name as string;
    expect(mail.header('subject')).toContain('Video Meeting');
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain('Video Meeting');
      expect(part).toContain(plan);
      expect(part).toContain('Initech Owner');
      expect(part.toLowerCase()).toContain(owner.email.toLowerCase());
      expect(part.toLowerCase()).toContain(member.email.toLowerCase());
    }
    expect(mail.text.toLowerCase()).toContain(`your login: ${member.email.toLowerCase()}`);
    const link = activationLinkOf(mail);
    expect(link).toMatch(new RegExp(`^${server.origin.replace(/\./g, '\\.')}/activate\\?token=[^&\\s]+$`));
    expect(mail.html).toContain(link);
    const token = tokenOfLink(link);
    secrets.push(token, token.slice(token.lastIndexOf('.') + 1), NEW_PASSWORD);
    // the mail is the one place the token is (which also shows the secret scan below can find one)
    expect(secretsIn([{ file: 'mail', bytes: Buffer.from(mail.text) }], [token]).length).toBeGreaterThan(0);

    // and the Message-ID is the assignment event's, as the owner's delivery list shows it
    const sent = ok(await gql(NOTIFICATIONS, { status: 'SENT' }, owner.token)).notifications;
    expect(sent.edges).toHaveLength(1);
    expect(sent.edges[0].node).toMatchObject({
      kind: 'LICENSE_ASSIGNED',
      status: 'SENT',
      attempts: 1,
      lastError: null,
      recipient: { id: member.id },
    });
    expect(mail.header('message-id')).toBe(`<${sent.edges[0].node.eventId}@seatledger>`);

    // when the member opens the link, the admin console's page is served (and HEAD answers too)
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await page.text();
    expect(html).toBe(await (await fetch(`${server.origin}/`)).text());
    expect(html).not.toContain(token);
    expect((await fetch(link, { method: 'HEAD' })).status).toBe(200);

    // and sets a password through the page's mutation
    const activated = ok(await activate(gql, token)).activateAccount;
    expect(activated.user).toMatchObject({ id: member.id, role: 'MEMBER' });
    expect(activated.token).toEqual(expect.any(String));

    // then they sign in with it, and are still only a member: assignLicense is FORBIDDEN
    const memberToken = await login(gql, member.email, NEW_PASSWORD);
    const refused = await gql(ASSIGN, { userId: member.id, product: 'WEBINAR' }, memberToken);
    expect(refused.codes).toEqual(['FORBIDDEN']);
    expect(refused.data).toBeNull();

    // and the same link again is UNAUTHENTICATED, and cannot change the password
    const again = await activate(gql, token, 'someone else wants in');
    expect(again.codes).toEqual(['UNAUTHENTICATED']);
    expect(again.errors?.[0]?.message).not.toContain(token);
    await login(gql, member.email, NEW_PASSWORD);

    // and a member may not read the account's deliveries
    const forbidden = await gql(NOTIFICATIONS, {}, memberToken);
    expect(forbidden.codes).toEqual(['FORBIDDEN']);
    expect(forbidden.data).toBeNull();
  });

  it('refuses an unknown token as UNAUTHENTICATED', async () => {
    const forged = `not-a-user.${'A'.repeat(43)}`;
    expect((await activate(server.gql, forged)).codes).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses a link after its 7 days: UNAUTHENTICATED, and no password is set', async () => {
    const { gql } = server;
    // given a member whose link was mailed
    const owner = await signUpAccount(gql, 'Hooli');
    await purchase(gql, owner.token, 1);
    const member = await createUser(gql, owner.token);
    ok(await gql(ASSIGN, { userId: member.id, product: 'VIDEO_MEETING' }, owner.token));
    const token = tokenOfLink(activationLinkOf((await waitForOutboxMail(server.dataDir, member.email)).mail));
    secrets.push(token, token.slice(token.lastIndexOf('.') + 1));

    // when it is used a minute after it expired
    server.advanceClock(SEVEN_DAYS_MS + 60_000);
    const late = await activate(gql, token);

    // then
    expect(late.codes).toEqual(['UNAUTHENTICATED']);
    const signIn = await gql('mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', {
      e: member.email,
      p: NEW_PASSWORD,
    });
    expect(signIn.codes).toEqual(['UNAUTHENTICATED']);
  });

  it('leaves no plaintext token or password in the data dir (SQLite files read as bytes) or in the logs', async () => {
    // The tests above must have run: an empty list would make this one pass for nothing.
    expect(secrets.length).toBeGreaterThanOrEqual(5);
    const outbox = path.join(server.dataDir, 'outbox');
    const notMail = (f: { file: string }) => !f.file.startsWith(outbox + path.sep);
    const logs = () => [{ file: 'logs', bytes: Buffer.from(server.logLines.join('')) }];

    // while running (WAL files hold the latest writes)...
    const running = filesUnder(server.dataDir).filter(notMail);
    expect(running.some((f) => f.file.endsWith('.db'))).toBe(true);
    expect(secretsIn(running, secrets)).toEqual([]);
    // ...and after a clean stop (checkpointed into the main files)
    await server.stop();
    expect(secretsIn(filesUnder(server.dataDir).filter(notMail), secrets)).toEqual([]);
    expect(server.logLines.length).toBeGreaterThan(10);
    expect(secretsIn(logs(), secrets)).toEqual([]);
    // the logs say where each mail went, so a person on the embedded default finds it
    expect(server.logLines.join('')).toContain(outbox);
  });
});

describe('activation over HTTP, mail sent to a real SMTP server (SMTP_URL)', () => {
  let smtp: TestSmtpServer;
  let server: ActivationServer;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    server = await startActivationServer({ env: { SMTP_URL: smtp.url } });
  });
  afterAll(async () => {
    await server?.close();
    await smtp?.stop();
  });

  it('delivers the licence mail over SMTP with a working link, and writes no outbox', async () => {
    const { gql } = server;
    // given
    const owner = await signUpAccount(gql, 'Umbrella');
    await purchase(gql, owner.token, 1, 'WEBINAR', 'webinar-500');
    const member = await createUser(gql, owner.token, { name: 'Alice Abernathy' });

    // when
    ok(await gql(ASSIGN, { userId: member.id, product: 'WEBINAR' }, owner.token));

    // then the SMTP server receives exactly one mail for the member
    const [received] = await smtp.waitForMails(1);
    expect(received?.to.map((a) => a.toLowerCase())).toEqual([member.email.toLowerCase()]);
    const mail = parseMail(received?.raw ?? '');
    expect(mail.text).toContain('Webinar');
    expect(mail.text).toContain(findPlan('webinar-500')?.name as string);
    expect(mail.text).toContain('Umbrella Owner');
    const link = activationLinkOf(mail);
    expect(link.startsWith(`${server.origin}/activate?token=`)).toBe(true);

    // and the link works: page, activation, sign-in
    expect((await fetch(link)).status).toBe(200);
    ok(await activate(gql, tokenOfLink(link)));
    await login(gql, member.email, NEW_PASSWORD);
    expect(fs.existsSync(path.join(server.dataDir, 'outbox'))).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(smtp.received).toHaveLength(1);
  });
});

describe('a mail that cannot be sent (SMTP_URL on a closed port)', () => {
  let server: ActivationServer;

  beforeAll(async () => {
    const closed = await freePort();
    server = await startActivationServer({
      env: { SMTP_URL: `smtp://127.0.0.1:${closed}`, AUTH_SECRET: TEST_AUTH_SECRET },
      notifierRetry: { attempts: 2, baseDelayMs: 50 },
    });
  });
  afterAll(() => server?.close());

  it('is listed as FAILED, with attempts and last error, to an ADMIN; a MEMBER is FORBIDDEN', async () => {
    const { gql } = server;
    // given an account with an admin and a member, and a licence assigned to the member
    const owner = await signUpAccount(gql, 'Cyberdyne');
    await purchase(gql, owner.token, 1);
    const admin = await createUser(gql, owner.token, { role: 'ADMIN' });
    const member = await createUser(gql, owner.token, { role: 'MEMBER' });
    ok(await gql(ASSIGN, { userId: member.id, product: 'VIDEO_MEETING' }, owner.token));
    const adminToken = await tokenFor(admin.id);

    // when the notifier has given up after its two tries
    const failed = await until(
      async () => ok(await gql(NOTIFICATIONS, { status: 'FAILED' }, adminToken)).notifications,
      (page) => page.edges.length > 0,
    );

    // then the admin sees who, what, how often and why
    expect(failed.edges).toHaveLength(1);
    const delivery = failed.edges[0].node;
    expect(delivery).toMatchObject({
      kind: 'LICENSE_ASSIGNED',
      status: 'FAILED',
      attempts: 2,
      recipient: { id: member.id },
    });
    expect(delivery.recipientEmail.toLowerCase()).toBe(member.email.toLowerCase());
    expect(delivery.lastError).toMatch(/ECONNREFUSED|connect/i);
    expect(Date.parse(delivery.updatedAt)).toBeGreaterThanOrEqual(Date.parse(delivery.createdAt));
    expect(failed.edges[0].cursor).toEqual(expect.any(String));
    expect(failed.pageInfo).toEqual({ hasNextPage: false, endCursor: failed.edges[0].cursor });

    // and the status filter holds: nothing was sent, and the unfiltered list has the same delivery
    expect(ok(await gql(NOTIFICATIONS, { status: 'SENT' }, adminToken)).notifications.edges).toEqual([]);
    const all = ok(await gql(NOTIFICATIONS, {}, owner.token)).notifications;
    expect(all.edges.map((e: { node: { eventId: string } }) => e.node.eventId)).toEqual([delivery.eventId]);

    // and a member is refused
    const refused = await gql(NOTIFICATIONS, { status: 'FAILED' }, await tokenFor(member.id));
    expect(refused.codes).toEqual(['FORBIDDEN']);
    expect(refused.data).toBeNull();

    // and another account's admin sees none of it
    const other = await signUpAccount(gql, 'Tyrell');
    expect(ok(await gql(NOTIFICATIONS, { status: 'FAILED' }, other.token)).notifications.edges).toEqual([]);
  });

  it('pages through the deliveries newest first with first/after', async () => {
    const { gql } = server;
    // given two failed assignment mails, the second assigned last
    const owner = await signUpAccount(gql, 'Soylent');
    await purchase(gql, owner.token, 2);
    const [older, newer] = [await createUser(gql, owner.token), await createUser(gql, owner.token)];
    for (const user of [older, newer]) {
      ok(await gql(ASSIGN, { userId: user?.id, product: 'VIDEO_MEETING' }, owner.token));
    }
    await until(
      async () => ok(await gql(NOTIFICATIONS, { status: 'FAILED' }, owner.token)).notifications,
      (page) => page.edges.length === 2,
    );

    // when read one at a time
    const first = ok(await gql(NOTIFICATIONS, { status: 'FAILED', first: 1 }, owner.token)).notifications;
    const second = ok(
      await gql(NOTIFICATIONS, { status: 'FAILED', first: 1, after: first.pageInfo.endCursor }, owner.token),
    ).notifications;

    // then
    expect(first.edges.map((e: { node: { recipient: { id: string } } }) => e.node.recipient.id)).toEqual([newer?.id]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    expect(second.edges.map((e: { node: { recipient: { id: string } } }) => e.node.recipient.id)).toEqual([older?.id]);
    expect(second.pageInfo.hasNextPage).toBe(false);
    // and a page size outside 1..500 is refused with the field named
    const tooMany = await gql(NOTIFICATIONS, { first: 0 }, owner.token);
    expect(tooMany.codes).toEqual(['BAD_USER_INPUT']);
    expect(tooMany.errors?.[0]?.message).toContain('first');
  });
});
