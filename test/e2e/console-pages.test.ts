// The admin console's other pages (issue 18) in a real browser (Debian's chromium driven by playwright-core) against
// real servers on temp data dirs, serving the console built by `npm run build`: Upgrade (only better plans, features
// compared, counters kept through the cache without a refetch) and Release (bounded by the free seats, a double
// click releases once); History (each step with its actor, pages, filters, seats as of a date, the CSV built in the
// browser from every page); Notifications (a failed mail, SMTP_URL on a closed port); the mail links /activate and
// /invite opened in the console, ending signed in, the token gone from the address bar. axe-core scans each page
// (zero serious or critical violations) and a screenshot of each is kept under test-artifacts/console (gitignored).
/// <reference lib="dom" />
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { describeBrowser } from '../support/chromium';
import {
  type ConsoleBrowser,
  expectAccessible,
  expectCounters,
  launchConsoleBrowser,
  operationsOf,
  shoot as shot,
  signIn as signInAt,
} from '../support/console-browser';
import {
  ASSIGN,
  createUser,
  login,
  ok,
  PASSWORD,
  purchase,
  signUpAccount,
  startTestSeatledger,
  uniqueEmail,
} from '../support/seatledger';
import {
  type ActivationServer,
  activationLinkOf,
  freePort,
  startActivationServer,
  tokenOfLink,
  waitForOutboxMail,
} from './activation-support';

const CONSOLE_PASSWORD = 'typed into the console';

describeBrowser('the console’s pages in chromium', () => {
  let server: ActivationServer;
  let chromium: ConsoleBrowser;

  beforeAll(async () => {
    [server, chromium] = await Promise.all([startActivationServer(), launchConsoleBrowser()]);
  }, 30_000);

  afterAll(async () => {
    await chromium?.close();
    await server?.close();
  });

  afterEach(() => {
    // A CSP violation, a script error or a failed request in any page of the test fails it.
    expect(chromium.problems.splice(0)).toEqual([]);
  });

  // UTC: the datetime-local field of History reads the browser's local time.
  const newPage = () => chromium.newPage({ timezoneId: 'UTC', acceptDownloads: true });
  const signIn = (page: Page, email: string, password: string) => signInAt(page, server.origin, email, password);

  const card = (page: Page, product: string) => page.locator(`[data-product="${product}"]`);

  it('upgrades to a better plan only, and releases no more than the free seats, counters kept by the cache', async () => {
    const { gql } = server;
    const page = await newPage();
    const email = uniqueEmail('upgrade');

    // given an owner signing up through the console (Sign in and Sign up pages scanned) with 3 seats, 1 assigned
    await page.goto(`${server.origin}/`);
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    await expectAccessible(page, 'Sign in');
    await shot(page, 'sign-in');
    await page.getByRole('button', { name: 'New company' }).click();
    await expectAccessible(page, 'Sign up');
    await page.getByLabel('Company name').fill('Vandelay Industries');
    await page.getByLabel('Your name').fill('Art Vandelay');
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(CONSOLE_PASSWORD);
    await page.getByRole('button', { name: 'Sign up', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Subscriptions' }).waitFor();
    const token = await login(gql, email, CONSOLE_PASSWORD);
    await purchase(gql, token, 3);
    const member = await createUser(gql, token, { name: 'Cosmo Kramer' });
    ok(await gql(ASSIGN, { userId: member.id, product: 'VIDEO_MEETING' }, token));
    await expectCounters(page, 'VIDEO_MEETING', { purchased: 3, assigned: 1, reserved: 0, available: 2 });
    await expectAccessible(page, 'Subscriptions');
    await card(page, 'VIDEO_MEETING').getByRole('button', { name: 'Buy More' }).click();
    await page.getByRole('dialog').waitFor();
    await expectAccessible(page, 'Buy More dialog');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    const operations = operationsOf(page);

    // when the Upgrade dialog opens: the better plans only, their features side by side with the current one's
    const catalogue = ok(await gql('{ plans(product: VIDEO_MEETING) { id name rank features } }', undefined, token))
      .plans as {
      id: string;
      name: string;
      rank: number;
      features: string[];
    }[];
    const current = catalogue.find((p) => p.id === 'video-standard');
    const better = catalogue.filter((p) => p.rank > (current?.rank ?? 0)).sort((a, b) => a.rank - b.rank);
    expect(better.length).toBeGreaterThan(0);
    await card(page, 'VIDEO_MEETING').getByRole('button', { name: 'Upgrade' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(
      await dialog.getByRole('radio').evaluateAll((radios) => radios.map((r) => (r as HTMLInputElement).value)),
    ).toEqual(better.map((p) => p.id));
    const headers = await dialog.getByRole('columnheader').allTextContents();
    expect(headers).toEqual(['Feature', `${current?.name} (current)`, ...better.map((p) => p.name)]);
    const top = better[better.length - 1];
    const onlyInTop = top?.features.find((f) => !current?.features.includes(f));
    if (onlyInTop) {
      expect(
        await dialog
          .getByRole('row', { name: new RegExp(`^${onlyInTop} `) })
          .getByRole('cell')
          .allTextContents(),
      ).toEqual([current, ...better].map((p) => (p?.features.includes(onlyInTop) ? 'Yes' : 'No')));
    }
    await expectAccessible(page, 'Upgrade dialog');
    await shot(page, 'upgrade-dialog');

    // and the admin picks the best plan and double-clicks Upgrade
    await dialog.getByRole('radio', { name: top?.name }).check();
    await dialog.getByRole('button', { name: 'Upgrade', exact: true }).dblclick();
    await dialog.waitFor({ state: 'detached' });

    // then the card shows the new plan, the counters are unchanged, and nothing was read again: the cache did it
    await card(page, 'VIDEO_MEETING').getByText(`Plan: ${top?.name}`).waitFor();
    await expectCounters(page, 'VIDEO_MEETING', { purchased: 3, assigned: 1, reserved: 0, available: 2 });
    expect(operations.filter((name) => name === 'UpgradePlan').length).toBeGreaterThanOrEqual(1);
    expect(operations).not.toContain('Subscriptions');
    const after = ok(await gql('{ subscriptions { product plan { id } } }', undefined, token)).subscriptions;
    expect(after).toEqual([{ product: 'VIDEO_MEETING', plan: { id: top?.id } }]);
    expect(
      ok(
        await gql('{ licenseHistory(product: VIDEO_MEETING) { edges { node { type } } } }', undefined, token),
      ).licenseHistory.edges.filter((e: { node: { type: string } }) => e.node.type === 'PlanUpgraded'),
    ).toHaveLength(1);

    // and at the best plan, Upgrade offers nothing
    await card(page, 'VIDEO_MEETING').getByRole('button', { name: 'Upgrade' }).click();
    await dialog.getByText('is the best plan of this product').waitFor();
    expect(await dialog.getByRole('radio').count()).toBe(0);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });

    // when the admin asks to release 3 seats while 2 are free
    await card(page, 'VIDEO_MEETING').getByRole('button', { name: 'Release' }).click();
    await dialog.waitFor();
    await expectAccessible(page, 'Release dialog');
    await shot(page, 'release-dialog');
    const quantity = dialog.getByLabel('Seats to release');
    await quantity.fill('3');
    await dialog.getByRole('button', { name: 'Release', exact: true }).click();

    // then the field says so, and nothing was sent
    await dialog.getByRole('alert').filter({ hasText: 'At most 2 seats can be released' }).waitFor();
    expect(await quantity.getAttribute('aria-invalid')).toBe('true');
    expect(await quantity.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(operations).not.toContain('ReleaseLicenses');

    // when 2 are released with a double click
    await quantity.fill('2');
    await dialog.getByRole('button', { name: 'Release', exact: true }).dblclick();
    await dialog.waitFor({ state: 'detached' });

    // then 2 seats went back, once; Release is off with no free seat; still no refetch
    await expectCounters(page, 'VIDEO_MEETING', { purchased: 1, assigned: 1, reserved: 0, available: 0 });
    await page.getByRole('status').filter({ hasText: 'Released 2 seats of Video Meeting.' }).waitFor();
    const seats = ok(
      await gql('{ seatAvailability(product: VIDEO_MEETING) { purchased available } }', undefined, token),
    );
    expect(seats.seatAvailability).toEqual({ purchased: 1, available: 0 });
    expect(await card(page, 'VIDEO_MEETING').getByRole('button', { name: 'Release' }).isDisabled()).toBe(true);
    expect(operations).not.toContain('Subscriptions');
    await shot(page, 'subscriptions');
    await page.context().close();
  }, 90_000);

  it('shows the history with each step’s actor, pages and filters, seats as of a date, and a CSV of every page', async () => {
    const { gql } = server;
    // given an account whose history has more events than a CSV page reads (100): 2 seats, then 1 more, users
    // added in bulk, one assigned then revoked with a reason, another assigned then deactivated (revoked by the system)
    const owner = await signUpAccount(gql, 'Pendant Publishing');
    await purchase(gql, owner.token, 2);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const between = new Date();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await purchase(gql, owner.token, 1);
    const quoted = await createUser(gql, owner.token, { name: 'Kramer, "Cosmo"' });
    const leaving = await createUser(gql, owner.token, { name: 'Newman' });
    ok(
      await gql(
        'mutation ($input: CreateUsersInput!) { createUsers(input: $input) { created { id } } }',
        {
          input: {
            users: Array.from({ length: 100 }, (_, i) => ({ email: uniqueEmail(`bulk${i}`), name: `Bulk ${i}` })),
          },
        },
        owner.token,
      ),
    );
    ok(await gql(ASSIGN, { userId: quoted.id, product: 'VIDEO_MEETING' }, owner.token));
    ok(
      await gql(
        'mutation ($input: RevokeLicenseInput!) { revokeLicense(input: $input) { user { id } } }',
        { input: { userId: quoted.id, product: 'VIDEO_MEETING', reason: 'left the team' } },
        owner.token,
      ),
    );
    ok(await gql(ASSIGN, { userId: leaving.id, product: 'VIDEO_MEETING' }, owner.token));
    ok(
      await gql(
        'mutation ($input: DeactivateUserInput!) { deactivateUser(input: $input) { user { id } } }',
        { input: { userId: leaving.id } },
        owner.token,
      ),
    );
    const history = async (variables: Record<string, unknown>) =>
      ok(
        await gql(
          `query ($userId: ID, $product: Product) { licenseHistory(first: 500, userId: $userId, product: $product) {
             totalCount edges { node { type actor { name email } } } } }`,
          variables,
          owner.token,
        ),
      ).licenseHistory as {
        totalCount: number;
        edges: { node: { type: string; actor: { name: string; email: string } | null } }[];
      };
    const all = await history({});
    expect(all.totalCount).toBeGreaterThan(100);
    const who = (actor: { name: string; email: string } | null) =>
      actor ? `${actor.name} <${actor.email}>` : 'system';
    expect(all.edges.map((e) => who(e.node.actor))).toContain('system');

    // when an auditor opens History
    const page = await newPage();
    await signIn(page, owner.email, PASSWORD);
    await page.getByRole('link', { name: 'History' }).click();
    await page.getByRole('heading', { level: 1, name: 'History' }).waitFor();
    await page.getByRole('heading', { level: 2, name: `Events (${all.totalCount})` }).waitFor();

    // then the first page shows the first 10 steps, each with its actor, and Next page the next ones
    const rows = page.locator('table.history tbody tr');
    const shown = async () =>
      rows.evaluateAll((trs) =>
        trs.map((tr) => ({
          type: tr.getAttribute('data-event-type'),
          by: tr.querySelector('[data-actor]')?.textContent,
        })),
      );
    const expected = (from: number, to: number) =>
      all.edges.slice(from, to).map((e) => ({ type: e.node.type, by: who(e.node.actor) }));
    await rows.nth(9).waitFor();
    expect(await shown()).toEqual(expected(0, 10));
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByRole('button', { name: 'Previous page' }).and(page.locator(':enabled')).waitFor();
    await rows.first().filter({ hasText: 'Bulk' }).waitFor();
    expect(await shown()).toEqual(expected(10, 20));

    // when filtered by the user who left: their steps only, the system's revocation among them
    // (found by a search, as in an account of any size: the filter offers the matches)
    await page.getByLabel('Find a user').fill('Newman');
    const userSelect = (await page.getByLabel('User', { exact: true }).getAttribute('id')) as string;
    // (every user and Newman alone, once the search has answered)
    await page.waitForFunction(
      (id) => document.getElementById(id)?.querySelectorAll('option').length === 2,
      userSelect,
    );
    await page.getByLabel('User', { exact: true }).selectOption({ label: `Newman (${leaving.email})` });
    const leavingHistory = await history({ userId: leaving.id });
    await page.getByRole('heading', { level: 2, name: `Events (${leavingHistory.totalCount})` }).waitFor();
    expect(await shown()).toEqual(leavingHistory.edges.map((e) => ({ type: e.node.type, by: who(e.node.actor) })));
    expect((await shown()).map((r) => r.by)).toContain('system');
    // and by product too
    await page.getByLabel('Product').selectOption({ label: 'Webinar' });
    await page.getByRole('heading', { level: 2, name: 'Events (0)' }).waitFor();
    await page.getByLabel('User', { exact: true }).selectOption({ label: 'Every user' });
    await page.getByLabel('Product').selectOption({ label: 'Every product' });
    await page.getByRole('heading', { level: 2, name: `Events (${all.totalCount})` }).waitFor();

    // when the seats are asked as of the moment between the two purchases
    await page.getByLabel('As of', { exact: true }).fill(between.toISOString().slice(0, 19));
    await page.getByRole('button', { name: 'Show seats' }).click();
    const asOf = page.locator('table[data-as-of]');
    // then 2 were bought then, none assigned
    await asOf
      .locator('[data-product="VIDEO_MEETING"] [data-counter="purchased"]')
      .filter({ hasText: /^2$/ })
      .waitFor();
    expect(await asOf.locator('[data-product="VIDEO_MEETING"] td').allTextContents()).toEqual(['2', '0', '0', '2']);
    expect(await asOf.locator('[data-product="WEBINAR"] td').allTextContents()).toEqual(['0', '0', '0', '0']);
    await expectAccessible(page, 'History');
    await shot(page, 'history');

    // when the CSV is downloaded
    const operations = operationsOf(page);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    const csv = fs.readFileSync((await download.path()) as string, 'utf8');

    // then it was built in the browser from every page (2 reads of 100 or more), RFC 4180: CRLF, quotes doubled
    expect(download.suggestedFilename()).toBe('seatledger-history.csv');
    expect(download.url()).toMatch(/^blob:/);
    expect(operations.filter((name) => name === 'History').length).toBeGreaterThanOrEqual(2);
    expect(csv.endsWith('\r\n')).toBe(true);
    const lines = csv.slice(0, -2).split('\r\n');
    expect(lines[0]).toBe('occurredAt,type,product,userName,userEmail,actorName,actorEmail,reason');
    expect(lines).toHaveLength(all.totalCount + 1);
    expect(lines.map((line) => line.split(',')[1])).toEqual(['type', ...all.edges.map((e) => e.node.type)]);
    expect(csv).toContain(
      `,LicenseRevoked,VIDEO_MEETING,"Kramer, ""Cosmo""",${quoted.email},Pendant Publishing Owner,${owner.email},left the team`,
    );
    expect(lines.filter((line) => line.includes(',system,,'))).toHaveLength(
      all.edges.filter((e) => e.node.actor === null).length,
    );
    await page
      .getByRole('status')
      .filter({ hasText: `Downloaded ${all.totalCount} events as CSV.` })
      .waitFor();
    await page.context().close();
  }, 90_000);

  it('lists the licence mail that could not be sent, for OWNER and ADMIN', async () => {
    // given a server whose SMTP server is down (a closed port), and a licence whose mail fails
    const failing = await startTestSeatledger({ env: { SMTP_URL: `smtp://127.0.0.1:${await freePort()}` } });
    try {
      const { gql } = failing;
      const owner = await signUpAccount(gql, 'Kramerica');
      await purchase(gql, owner.token, 1);
      const member = await createUser(gql, owner.token, { name: 'Bob Sacamano' });
      ok(await gql(ASSIGN, { userId: member.id, product: 'VIDEO_MEETING' }, owner.token));
      const failed = async () =>
        ok(await gql('{ notifications(status: FAILED) { totalCount } }', undefined, owner.token)).notifications
          .totalCount as number;
      for (const deadline = Date.now() + 10_000; (await failed()) < 1 && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(await failed()).toBe(1);

      // when the owner opens Notifications
      const page = await newPage();
      await page.goto(`${new URL(failing.url).origin}/`);
      await page.getByLabel('E-mail').fill(owner.email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('link', { name: 'Notifications' }).click();

      // then the failed mail is listed: what, to whom, the tries and the error
      await page.getByRole('heading', { level: 2, name: 'Mails that could not be sent (1)' }).waitFor();
      const cells = await page.locator('table.notifications tbody tr').first().getByRole('cell').allTextContents();
      expect(cells.slice(1, 4)).toEqual(['Licence assigned', `Bob Sacamano <${member.email}>`, '1']);
      expect(cells[4]).not.toBe('');
      expect(await page.getByRole('link', { name: 'Notifications' }).getAttribute('aria-current')).toBe('page');
      await expectAccessible(page, 'Notifications');
      await shot(page, 'notifications');
      await page.context().close();
    } finally {
      await failing.close();
    }
  }, 60_000);

  it('opens the activation link in the console: token out of the address bar, a password, signed in', async () => {
    // given a member's activation link from the licence mail
    const { gql } = server;
    const owner = await signUpAccount(gql, 'Vandelay');
    await purchase(gql, owner.token, 1);
    const member = await createUser(gql, owner.token, { name: 'Art Vandelay' });
    ok(await gql(ASSIGN, { userId: member.id, product: 'VIDEO_MEETING' }, owner.token));
    const link = activationLinkOf((await waitForOutboxMail(server.dataDir, member.email)).mail);
    const token = tokenOfLink(link);
    const page = await newPage();

    // when the member opens it
    await page.goto(link);
    await page.getByRole('heading', { level: 1, name: 'Choose your password' }).waitFor();

    // then the console shows the password form, the token already gone from the address bar
    expect(page.url()).toBe(`${server.origin}/activate`);
    await expectAccessible(page, '/activate');
    await shot(page, 'activate');

    // when the member chooses a password
    await page.getByLabel('New password', { exact: true }).fill(CONSOLE_PASSWORD);
    await page.getByLabel('Confirm the new password', { exact: true }).fill(CONSOLE_PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();

    // then they are signed in on the Subscriptions page, and the password signs in over GraphQL too
    await page.getByRole('heading', { level: 1, name: 'Subscriptions' }).waitFor();
    await page.getByText(`Signed in as Art Vandelay (${member.email})`).waitFor();
    expect(page.url()).toBe(`${server.origin}/`);
    await login(gql, member.email, CONSOLE_PASSWORD);
    expect(chromium.logged.filter((line) => line.includes(token))).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('opens the invitation link in the console: a password, signed in with the licence the invitation held', async () => {
    const { gql } = server;
    const owner = await signUpAccount(gql, 'Kramerica');
    await purchase(gql, owner.token, 1);
    const email = uniqueEmail('cosmo');
    ok(
      await gql(
        'mutation ($input: InviteUserInput!) { inviteUser(input: $input) { invitation { id } } }',
        { input: { email, name: 'Cosmo Kramer', products: ['VIDEO_MEETING'] } },
        owner.token,
      ),
    );
    const { raw } = await waitForOutboxMail(server.dataDir, email, /invited/);
    const link = /(http:\/\/[^\s"<]+\/invite\?token=[A-Za-z0-9_\-.~%]+)/.exec(
      raw.replace(/=\r?\n/g, '').replace(/=3D/gi, '='),
    )?.[1] as string;
    const token = tokenOfLink(link);
    const page = await newPage();

    await page.goto(link);
    await page.getByRole('heading', { level: 1, name: 'Accept your invitation' }).waitFor();
    expect(page.url()).toBe(`${server.origin}/invite`);
    expect(await page.title()).toBe('Accept your invitation · seatledger');
    await expectAccessible(page, '/invite');
    await shot(page, 'invite');
    await page.getByLabel('New password', { exact: true }).fill(CONSOLE_PASSWORD);
    await page.getByLabel('Confirm the new password', { exact: true }).fill(CONSOLE_PASSWORD);
    await page.getByRole('button', { name: 'Accept invitation' }).click();

    await page.getByText(`Signed in as Cosmo Kramer (${email})`).waitFor();
    await expectCounters(page, 'VIDEO_MEETING', { purchased: 1, assigned: 1, reserved: 0, available: 0 });
    const signedIn = await login(gql, email, CONSOLE_PASSWORD);
    expect(ok(await gql('{ me { status licenses { product } } }', undefined, signedIn)).me).toEqual({
      status: 'ACTIVE',
      licenses: [{ product: 'VIDEO_MEETING' }],
    });
    expect(chromium.logged.filter((line) => line.includes(token))).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('says what is wrong with a link without a token, and serves the link paths with the console’s headers', async () => {
    const page = await newPage();
    await page.goto(`${server.origin}/invite`);
    await page.getByText('This page needs the invitation link from your mail.').waitFor();
    expect(await page.locator('#activate').isHidden()).toBe(true);
    await page.context().close();
    for (const path of ['/invite?token=abc.def', '/activate?token=abc.def', '/history', '/notifications']) {
      const response = await fetch(`${server.origin}${path}`);
      expect(response.status).toBe(200);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(await response.text()).not.toContain('abc.def');
    }
  });
});
