// The pending invitations on the console's Assign License page (issue 18) in a real browser against a real server on
// a temp data dir: an invitation sent from the page is listed with the seat it holds; Resend (double-clicked) mails a
// new link once and spends the old one; Cancel frees the seat, the counters and the list moving from the answer
// without a refetch. No console error, page error or HTTP error; axe-core finds nothing serious; screenshots under
// test-artifacts/console (gitignored).
/// <reference lib="dom" />
import fs from 'node:fs';
import path from 'node:path';
import { parseMail } from '../notifications/support';
import { describeBrowser } from '../support/chromium';
import {
  type ConsoleBrowser,
  expectAccessible,
  expectCounters,
  launchConsoleBrowser,
  openPage,
  operationsOf,
  shoot,
  signIn,
} from '../support/console-browser';
import {
  ok,
  PASSWORD,
  purchase,
  signUpAccount,
  startTestSeatledger,
  type TestSeatledger,
  uniqueEmail,
} from '../support/seatledger';
import { tokenOfLink, waitForOutboxMail } from './activation-support';

/** The invitation links mailed to `email` so far, in no particular order. */
function invitationLinks(dataDir: string, email: string): string[] {
  const outbox = path.join(dataDir, 'outbox');
  return fs
    .readdirSync(outbox)
    .filter((name) => name.endsWith('.eml'))
    .map((name) => fs.readFileSync(path.join(outbox, name), 'utf8'))
    .map((raw) => parseMail(raw))
    .filter((mail) => mail.header('to')?.toLowerCase().includes(email) && /invited/.test(mail.header('subject') ?? ''))
    .map((mail) => /(\S+\/invite\?token=\S+)/.exec(mail.text)?.[1] ?? 'no link');
}

describeBrowser('the console’s pending invitations in chromium', () => {
  let server: TestSeatledger;
  let chromium: ConsoleBrowser;

  beforeAll(async () => {
    [server, chromium] = await Promise.all([startTestSeatledger(), launchConsoleBrowser()]);
  }, 30_000);

  afterAll(async () => {
    await chromium?.close();
    await server?.close();
  });

  afterEach(() => {
    expect(chromium.problems.splice(0)).toEqual([]);
  });

  it('lists an invitation with its seat, resends it once with a new link, and cancels it, freeing the seat', async () => {
    const owner = await signUpAccount(server.gql, 'Kramerica');
    await purchase(server.gql, owner.token, 2);
    const email = uniqueEmail('newman').toLowerCase();
    const page = await chromium.newPage();
    await signIn(page, new URL(server.url).origin, owner.email, PASSWORD);
    await openPage(page, 'Assign License');
    const panel = page.getByRole('region', { name: /^Pending invitations/ });
    await panel.getByText('No invitation is pending.').waitFor();

    // when the owner invites Newman with a Video Meeting seat
    await page.getByRole('button', { name: 'Invite a user' }).click();
    const invite = page.getByRole('dialog', { name: 'Invite a user' });
    await invite.getByLabel('Name').fill('Newman');
    await invite.getByLabel('E-mail').fill(email);
    await invite.getByRole('button', { name: 'Send invitation' }).click();
    await invite.waitFor({ state: 'detached' });

    // then the invitation is listed, holding the seat the counters show reserved, and its mail is in the outbox
    const row = panel.locator(`tr[data-invitation="${email}"]`);
    await row.waitFor();
    expect(await row.getByRole('cell').first().textContent()).toBe('Video Meeting');
    await panel.getByRole('heading', { name: 'Pending invitations (1)' }).waitFor();
    await expectCounters(page, 'VIDEO_MEETING', { purchased: 2, assigned: 0, reserved: 1, available: 1 });
    await waitForOutboxMail(server.dataDir, email, /invited/);
    const [first] = invitationLinks(server.dataDir, email);
    await expectAccessible(page, 'Assign License with an invitation');
    await shoot(page, 'licenses-invitations');

    // when Resend is double-clicked
    const reads = operationsOf(page);
    await row.getByRole('button', { name: 'Resend the invitation to Newman' }).dblclick();
    await page.getByRole('status').filter({ hasText: 'Sent the invitation to Newman again.' }).waitFor();

    // then one more mail went out, with a new link, and the first link is spent
    for (const deadline = Date.now() + 10_000; invitationLinks(server.dataDir, email).length < 2; ) {
      if (Date.now() > deadline) throw new Error('no second invitation mail');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const links = invitationLinks(server.dataDir, email);
    expect(links).toHaveLength(2);
    const second = links.find((link) => link !== first);
    expect(second).toBeDefined();
    const accept = 'mutation ($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { token } }';
    const spent = await server.gql(accept, { input: { token: tokenOfLink(first as string), password: PASSWORD } });
    expect(spent.codes).toEqual(['INVITATION_EXPIRED']);

    // when the invitation is cancelled
    await row.getByRole('button', { name: 'Cancel the invitation to Newman' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Cancelled the invitation to Newman; its seats are free.' })
      .waitFor();

    // then it leaves the list and its seat is free, from the answer alone: no query was sent again
    await panel.getByText('No invitation is pending.').waitFor();
    await expectCounters(page, 'VIDEO_MEETING', { purchased: 2, assigned: 0, reserved: 0, available: 2 });
    expect(reads.filter((name) => !['ResendInvitation', 'CancelInvitation'].includes(name))).toEqual([]);
    const after = ok(
      await server.gql(
        '{ invitations(status: PENDING) { totalCount } seatAvailability(product: VIDEO_MEETING) { reserved } }',
        undefined,
        owner.token,
      ),
    );
    expect(after).toEqual({ invitations: { totalCount: 0 }, seatAvailability: { reserved: 0 } });
    // and the newest link is refused too: the invitation is no more
    const cancelled = await server.gql(accept, {
      input: { token: tokenOfLink(second as string), password: PASSWORD },
    });
    expect(cancelled.codes).not.toEqual([]);
    await page.context().close();
  }, 60_000);

  it('pages through more pending invitations than one page holds', async () => {
    // given 21 pending invitations, one more than a page of the panel
    const owner = await signUpAccount(server.gql, 'Vandelay Industries');
    const invite = 'mutation ($input: InviteUserInput!) { inviteUser(input: $input) { invitation { id } } }';
    for (let i = 1; i <= 21; i++) {
      const name = `Invitee ${String(i).padStart(2, '0')}`;
      ok(await server.gql(invite, { input: { name, email: uniqueEmail(`invitee${i}`) } }, owner.token));
    }
    const page = await chromium.newPage();
    await signIn(page, new URL(server.url).origin, owner.email, PASSWORD);
    await openPage(page, 'Assign License');
    const panel = page.getByRole('region', { name: /^Pending invitations/ });
    const rows = panel.locator('tr[data-invitation]');

    // then the panel counts all 21 and shows the first 20, the oldest first
    await panel.getByRole('heading', { name: 'Pending invitations (21)' }).waitFor();
    await rows.nth(19).waitFor();
    expect(await rows.count()).toBe(20);
    expect(await rows.first().getByRole('rowheader').textContent()).toMatch(/^Invitee 01 /);
    const pages = panel.getByRole('navigation', { name: 'Invitation pages' });
    expect(await pages.getByRole('button', { name: 'Previous page' }).isDisabled()).toBe(true);

    // when the next page is opened, then the 21st alone; and back again, the first 20
    await pages.getByRole('button', { name: 'Next page' }).click();
    await rows.nth(1).waitFor({ state: 'detached' });
    expect(await rows.first().getByRole('rowheader').textContent()).toMatch(/^Invitee 21 /);
    expect(await pages.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
    await pages.getByRole('button', { name: 'Previous page' }).click();
    await rows.nth(19).waitFor();
    expect(await rows.first().getByRole('rowheader').textContent()).toMatch(/^Invitee 01 /);
    await page.context().close();
  }, 60_000);
});
