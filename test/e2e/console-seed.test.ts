// The seed's whole flow through the console (issue 18) in a real browser (Debian's chromium, playwright-core)
// against a real server on a temp data dir, serving the console `npm run build` built: sign up, buy 2 seats, Buy
// More 1, add two users, search one, assign (the licence mail lands in the outbox), the counters move, revoke with a
// reason, upgrade, and History shows every step with its actor and the reason. Then two admins of one account in two
// browser contexts: one assigns on Assign License, the other's Subscriptions counters move live, without a reload.
// No console error, page error or HTTP error anywhere; screenshots under test-artifacts/console (gitignored).
/// <reference lib="dom" />
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describeBrowser } from '../support/chromium';
import {
  type ConsoleBrowser,
  expectCounters,
  launchConsoleBrowser,
  openPage,
  operationsOf,
  shoot,
  signIn,
} from '../support/console-browser';
import {
  ASSIGN,
  activationTokenFromOutbox,
  createUser,
  login,
  ok,
  PASSWORD,
  purchase,
  signUpAccount,
  startTestSeatledger,
  type TestSeatledger,
  uniqueEmail,
} from '../support/seatledger';
import { waitForOutboxMail } from './activation-support';

const CONSOLE_PASSWORD = 'typed into the console';

describeBrowser('the seed’s flow through the console in chromium', () => {
  let server: TestSeatledger;
  let chromium: ConsoleBrowser;
  let origin: string;

  beforeAll(async () => {
    [server, chromium] = await Promise.all([startTestSeatledger(), launchConsoleBrowser()]);
    origin = new URL(server.url).origin;
  }, 30_000);

  afterAll(async () => {
    await chromium?.close();
    await server?.close();
  });

  afterEach(() => {
    // A CSP violation, a script error or a failed request in any page of the test fails it.
    expect(chromium.problems.splice(0)).toEqual([]);
  });

  const card = (page: Page, product: string) => page.locator(`[data-product="${product}"]`);

  /** Buy More on the product's card: the dialog, the quantity, Buy; waits for the dialog to close. */
  async function buyMore(page: Page, quantity: number): Promise<void> {
    await card(page, 'VIDEO_MEETING').getByRole('button', { name: 'Buy More' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Seats to add').fill(String(quantity));
    await dialog.getByRole('button', { name: 'Buy', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
  }

  async function addUser(page: Page, name: string, email: string): Promise<void> {
    await page.getByRole('button', { name: 'Add New User' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add New User' });
    await dialog.getByLabel('Name').fill(name);
    await dialog.getByLabel('E-mail').fill(email);
    await dialog.getByRole('button', { name: 'Add user' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page
      .getByRole('status')
      .filter({ hasText: `Added ${name}.` })
      .waitFor();
  }

  it('signs up, buys, adds users, searches, assigns (mail in the outbox), revokes with a reason, upgrades; History has it all', async () => {
    const page = await chromium.newPage();
    const email = uniqueEmail('seed').toLowerCase();
    const owner = 'Pendant Publishing Owner';
    const elaine = { name: 'Elaine Benes', email: uniqueEmail('elaine').toLowerCase() };
    const george = { name: 'George Costanza', email: uniqueEmail('george').toLowerCase() };

    // when a company signs up through the console
    await page.goto(`${origin}/`);
    await page.getByRole('button', { name: 'New company' }).click();
    await page.getByLabel('Company name').fill('Pendant Publishing');
    await page.getByLabel('Your name').fill(owner);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(CONSOLE_PASSWORD);
    await page.getByRole('button', { name: 'Sign up', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Subscriptions' }).waitFor();
    await expectCounters(page, 'VIDEO_MEETING', { purchased: 0, assigned: 0, reserved: 0, available: 0 });

    // and buys 2 seats, then Buy More 1
    await buyMore(page, 2);
    await expectCounters(page, 'VIDEO_MEETING', { purchased: 2, assigned: 0, reserved: 0, available: 2 });
    await buyMore(page, 1);
    await page.getByRole('status').filter({ hasText: 'Bought 1 seat of Video Meeting.' }).waitFor();
    await expectCounters(page, 'VIDEO_MEETING', { purchased: 3, assigned: 0, reserved: 0, available: 3 });
    const startPlan = (await card(page, 'VIDEO_MEETING').locator('p strong').textContent()) ?? '';
    await shoot(page, 'seed-subscriptions-bought');

    // and adds two users, then searches one as you type
    await openPage(page, 'Users');
    await addUser(page, elaine.name, elaine.email);
    await addUser(page, george.name, george.email);
    await page.getByText('3 users', { exact: true }).waitFor();
    await page.getByLabel('Search users').fill('elai');
    await page.getByText('1 user', { exact: true }).waitFor();
    expect(await page.locator('tbody tr th').allTextContents()).toEqual([elaine.name]);
    await shoot(page, 'seed-users-search');

    // and assigns Elaine a Video Meeting licence on Assign License
    await openPage(page, 'Assign License');
    await expectCounters(page, 'VIDEO_MEETING', { purchased: 3, assigned: 0, reserved: 0, available: 3 });
    await page.getByLabel('Search a user').fill('elai');
    await page.getByRole('checkbox', { name: `${elaine.name} (${elaine.email})` }).check();
    await page.getByRole('button', { name: `Assign Video Meeting to ${elaine.name}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Assigned Video Meeting to ${elaine.name}.` })
      .waitFor();

    // then the counters move, and the licence mail lands in the outbox: a file addressed to Elaine with her link
    await expectCounters(page, 'VIDEO_MEETING', { purchased: 3, assigned: 1, reserved: 0, available: 2 });
    const mail = await waitForOutboxMail(server.dataDir, elaine.email);
    expect(path.dirname(mail.file)).toBe(path.join(server.dataDir, 'outbox'));
    expect(mail.mail.header('to')).toContain(elaine.email);
    expect(mail.mail.header('subject')).toBe(`You have a Video Meeting licence (${startPlan})`);
    expect(mail.mail.text).toMatch(/\/activate\?token=/);
    await page.locator(`li[data-user="${elaine.email}"]`).getByText('Video Meeting').waitFor();
    await shoot(page, 'seed-assigned');

    // when the licence is revoked with a reason
    await page.getByRole('button', { name: `Revoke Video Meeting from ${elaine.name}…` }).click();
    const revoke = page.getByRole('dialog', { name: /Revoke Elaine Benes's Video Meeting licence/ });
    await revoke.getByLabel('Reason (kept in the history)').fill('Moved to the webinar team');
    await revoke.getByRole('button', { name: 'Revoke' }).click();
    await revoke.waitFor({ state: 'detached' });

    // then the seat is free again
    await expectCounters(page, 'VIDEO_MEETING', { purchased: 3, assigned: 0, reserved: 0, available: 3 });

    // when the plan is upgraded to the best one on Subscriptions
    await openPage(page, 'Subscriptions');
    await card(page, 'VIDEO_MEETING').getByRole('button', { name: 'Upgrade' }).click();
    const upgrade = page.getByRole('dialog');
    const better = upgrade.getByRole('radio');
    await better.first().waitFor();
    const bestName = await better.last().evaluate((radio) => (radio as HTMLInputElement).labels?.[0]?.textContent);
    expect(bestName).not.toBe(startPlan);
    await better.last().check();
    await upgrade.getByRole('button', { name: 'Upgrade', exact: true }).click();
    await upgrade.waitFor({ state: 'detached' });

    // then the card shows the new plan, the counters unchanged
    await card(page, 'VIDEO_MEETING').getByText(`Plan: ${bestName}`).waitFor();
    await expectCounters(page, 'VIDEO_MEETING', { purchased: 3, assigned: 0, reserved: 0, available: 3 });
    await shoot(page, 'seed-subscriptions-upgraded');

    // and History shows every step from the sign-up on, each by the owner, the revocation with its reason
    await openPage(page, 'History');
    const rows = page.locator('table.history tbody tr');
    await page.locator('table.history tbody tr[data-event-type="PlanUpgraded"]').waitFor();
    const shown = await rows.evaluateAll((trs) =>
      trs.map((tr) => [
        tr.getAttribute('data-event-type'),
        tr.querySelectorAll('td')[3]?.textContent,
        tr.querySelector('[data-actor]')?.textContent,
        tr.querySelector('[data-reason]')?.textContent,
      ]),
    );
    const by = `${owner} <${email}>`;
    const ofElaine = `${elaine.name} <${elaine.email}>`;
    expect(shown).toEqual([
      ['UserCreated', by, by, ''],
      ['AccountOpened', '', by, ''],
      ['LicensePurchased', '', by, ''],
      ['LicensePurchased', '', by, ''],
      ['UserCreated', ofElaine, by, ''],
      ['UserCreated', `${george.name} <${george.email}>`, by, ''],
      ['LicenseAssigned', ofElaine, by, ''],
      ['LicenseRevoked', ofElaine, by, 'Moved to the webinar team'],
      ['PlanUpgraded', '', by, ''],
    ]);
    await shoot(page, 'seed-history');

    // and the API agrees with what the pages said
    const token = await login(server.gql, email, CONSOLE_PASSWORD);
    const seats = ok(
      await server.gql(
        '{ subscriptions { plan { name } seats { purchased assigned reserved available } } }',
        undefined,
        token,
      ),
    ).subscriptions;
    expect(seats).toEqual([
      { plan: { name: bestName }, seats: { purchased: 3, assigned: 0, reserved: 0, available: 3 } },
    ]);
    await page.context().close();
  }, 60_000);

  it('two admins of one account: one assigns on Assign License, the other’s Subscriptions counters move live', async () => {
    // given an owner and an admin of one account (the admin chose a password from their first licence mail)
    const account = await signUpAccount(server.gql, 'Vandelay Industries');
    await purchase(server.gql, account.token, 2);
    await purchase(server.gql, account.token, 1, 'WEBINAR');
    const admin = await createUser(server.gql, account.token, { name: 'Art Admin', role: 'ADMIN' });
    ok(await server.gql(ASSIGN, { userId: admin.id, product: 'WEBINAR' }, account.token));
    ok(
      await server.gql('mutation ($input: ActivateAccountInput!) { activateAccount(input: $input) { token } }', {
        input: { token: await activationTokenFromOutbox(server.dataDir, admin.email), password: PASSWORD },
      }),
    );
    await createUser(server.gql, account.token, { name: 'Cosmo Kramer' });

    // and two browser contexts: the owner watching Subscriptions, the admin on Assign License
    const [watching, assigning] = await Promise.all([chromium.newPage(), chromium.newPage()]);
    await Promise.all([
      signIn(watching, origin, account.email, PASSWORD),
      signIn(assigning, origin, admin.email, PASSWORD),
    ]);
    await expectCounters(watching, 'VIDEO_MEETING', { purchased: 2, assigned: 0, reserved: 0, available: 2 });
    await openPage(assigning, 'Assign License');
    // A mark in the watching page's window: a reload would wipe it.
    await watching.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    const watchingReads = operationsOf(watching);

    // when the admin assigns Kramer a Video Meeting licence
    await assigning.getByLabel('Search a user').fill('kram');
    await assigning.getByRole('checkbox', { name: /^Cosmo Kramer \(/ }).check();
    await assigning.getByRole('button', { name: 'Assign Video Meeting to Cosmo Kramer' }).click();
    await assigning.getByRole('status').filter({ hasText: 'Assigned Video Meeting to Cosmo Kramer.' }).waitFor();

    // then the owner's counters move without a reload and without a query: the live subscription brought them
    await expectCounters(watching, 'VIDEO_MEETING', { purchased: 2, assigned: 1, reserved: 0, available: 1 });
    await expectCounters(assigning, 'VIDEO_MEETING', { purchased: 2, assigned: 1, reserved: 0, available: 1 });
    expect(await watching.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect(watchingReads).toEqual([]);
    await shoot(watching, 'seed-live-watching');
    await shoot(assigning, 'seed-live-assigning');

    // and the other way round: the admin revokes, the owner sees the seat come back
    await assigning.getByRole('button', { name: 'Revoke Video Meeting from Cosmo Kramer…' }).click();
    const revoke = assigning.getByRole('dialog');
    await revoke.getByLabel('Reason (kept in the history)').fill('Assigned by mistake');
    await revoke.getByRole('button', { name: 'Revoke' }).click();
    await revoke.waitFor({ state: 'detached' });
    await expectCounters(watching, 'VIDEO_MEETING', { purchased: 2, assigned: 0, reserved: 0, available: 2 });
    expect(watchingReads).toEqual([]);
    await watching.context().close();
    await assigning.context().close();
  }, 45_000);
});
