// The console's Users and Assign License pages (issue 18) in a real browser (Debian's chromium, playwright-core)
// against a real server on a temp data dir serving the console that `npm run build` built: Add New User with the
// API's messages at the fields (a bad e-mail, EMAIL_TAKEN), search, role change, deactivation naming the licences
// it revokes (counters move from the answer, no refetch); assign and revoke with a reason; invite (a seat reserved);
// keyboard only; the last seat taken by two admins at once; bulk dry run then apply; paging and the debounced search;
// a MEMBER's read-only pages. Every page is scanned by axe-core (no serious or critical violation) and photographed
// into test-artifacts/ (gitignored). No console error, page error or HTTP error anywhere.
/// <reference lib="dom" />
import type { Locator, Page } from 'playwright-core';
import { describeBrowser } from '../support/chromium';
import {
  type ConsoleBrowser,
  expectAccessible,
  expectCounters,
  launchConsoleBrowser,
  openPage,
  shoot,
  signIn as signInAt,
} from '../support/console-browser';
import {
  ASSIGN,
  activationTokenFromOutbox,
  createUser,
  ok,
  PASSWORD,
  purchase,
  type SignedUpAccount,
  signUpAccount,
  startTestSeatledger,
  type TestSeatledger,
} from '../support/seatledger';

describeBrowser('the console’s Users and Assign License pages in chromium', () => {
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

  const newPage = () => chromium.newPage();
  const signIn = (page: Page, email: string, password = PASSWORD) => signInAt(page, origin, email, password);

  async function seats(account: SignedUpAccount, product = 'VIDEO_MEETING') {
    return ok(
      await server.gql(
        `query ($p: Product!) { seatAvailability(product: $p) { purchased assigned reserved available } }`,
        { p: product },
        account.token,
      ),
    ).seatAvailability;
  }

  /** The field's message, found through the field's aria-describedby (what a screen reader reads with it). */
  async function fieldMessage(field: Locator): Promise<string> {
    await field.and(field.page().locator('[aria-invalid="true"]')).waitFor();
    const describedBy = await field.getAttribute('aria-describedby');
    return (await field.page().locator(`[id="${describedBy}"]`).textContent()) ?? '';
  }

  /** Picks a user on Assign License: searches them, ticks their box. */
  async function pick(page: Page, search: string, name: string): Promise<void> {
    await page.getByLabel('Search a user').fill(search);
    const box = page.getByRole('checkbox', { name: new RegExp(`^${name} \\(`) });
    await box.check();
  }

  it('serves index.html at each console path, and 404 for others', async () => {
    for (const pagePath of ['/users', '/licenses', '/history', '/notifications']) {
      const answer = await fetch(`${origin}${pagePath}`);
      expect([pagePath, answer.status, answer.headers.get('content-type')]).toEqual([
        pagePath,
        200,
        'text/html; charset=utf-8',
      ]);
      expect(answer.headers.get('content-security-policy')).toContain("script-src 'self'");
    }
    expect((await fetch(`${origin}/users/elaine`)).status).toBe(404);
    expect((await fetch(`${origin}/no-such-page`)).status).toBe(404);
  });

  it('adds users with the API’s messages at the fields, searches, changes a role, and deactivates naming the licences', async () => {
    const owner = await signUpAccount(server.gql, 'Pendant Publishing');
    await purchase(server.gql, owner.token, 2);
    const page = await newPage();
    await signIn(page, owner.email);
    await expectCounters(page, 'VIDEO_MEETING', { purchased: 2, assigned: 0 });

    // when the owner opens Users and adds a user with a broken e-mail
    await openPage(page, 'Users', 'Users');
    await page.getByRole('button', { name: 'Add New User' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add New User' });
    await dialog.getByLabel('Name').fill('Elaine Benes');
    await dialog.getByLabel('E-mail').fill('elaine-at-pendant');
    await dialog.getByRole('button', { name: 'Add user' }).click();

    // then the API's isEmail message is shown at the e-mail field, and the dialog stays open
    expect(await fieldMessage(dialog.getByLabel('E-mail'))).toMatch(/e-mail address/i);
    expect(await dialog.getByLabel('Name').getAttribute('aria-invalid')).toBeNull();
    await expectAccessible(page);
    await shoot(page, 'users-add-error');

    // when the e-mail is the owner's: EMAIL_TAKEN at the e-mail field
    await dialog.getByLabel('E-mail').fill(owner.email.toUpperCase());
    await dialog.getByRole('button', { name: 'Add user' }).click();
    await dialog.getByText(/taken|already/i).waitFor();
    expect(await fieldMessage(dialog.getByLabel('E-mail'))).toMatch(/taken|already/i);

    // when it is fixed: added, once, and listed
    await dialog.getByLabel('E-mail').fill('elaine@pendant.example');
    await dialog.getByRole('button', { name: 'Add user' }).dblclick();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'Added Elaine Benes.' }).waitFor();
    await page.getByRole('button', { name: 'Add New User' }).click();
    await dialog.getByLabel('Name').fill('George Costanza');
    await dialog.getByLabel('E-mail').fill('george@pendant.example');
    await dialog.getByRole('button', { name: 'Add user' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator('tr[data-user="george@pendant.example"]').waitFor();
    const everyone = ok(await server.gql('{ users { totalCount } }', undefined, owner.token));
    expect(everyone.users.totalCount).toBe(3);

    // when searching as you type: one found
    await page.getByLabel('Search users').fill('elai');
    await page.getByText('1 user', { exact: true }).waitFor();
    expect(await page.locator('tbody tr').count()).toBe(1);
    expect(await page.locator('tbody tr th').textContent()).toBe('Elaine Benes');

    // when the owner makes Elaine an admin
    await page.getByLabel('Role of Elaine Benes').selectOption('ADMIN');
    await page.getByRole('button', { name: 'Change role of Elaine Benes' }).click();
    await page.getByRole('status').filter({ hasText: 'Elaine Benes is now Admin.' }).waitFor();
    const elaine = ok(
      await server.gql('{ users(search: "elaine") { edges { node { id role } } } }', undefined, owner.token),
    ).users.edges[0].node;
    expect(elaine.role).toBe('ADMIN');

    // given George holds a licence, seen on Subscriptions
    const george = ok(await server.gql('{ users(search: "george") { edges { node { id } } } }', undefined, owner.token))
      .users.edges[0].node;
    ok(await server.gql(ASSIGN, { userId: george.id, product: 'VIDEO_MEETING' }, owner.token));
    await openPage(page, 'Subscriptions', 'Subscriptions');
    await expectCounters(page, 'VIDEO_MEETING', { purchased: 2, assigned: 1, available: 1 });

    // when George is deactivated from Users
    await openPage(page, 'Users', 'Users');
    await page.getByLabel('Search users').fill('george');
    await page.getByText('1 user', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Deactivate George Costanza' }).click();
    const confirm = page.getByRole('dialog', { name: 'Deactivate George Costanza?' });
    await confirm.waitFor();

    // then the confirmation names the licence to be revoked
    expect(await confirm.locator('.revoked li').allTextContents()).toEqual([
      expect.stringMatching(/^Video Meeting \(.+\)$/),
    ]);
    await expectAccessible(page);
    await shoot(page, 'users-deactivate');
    const queries: string[] = [];
    page.on('request', (request) => {
      const name = request.postDataJSON()?.operationName;
      if (name) queries.push(name);
    });
    await confirm.getByRole('button', { name: 'Deactivate' }).click();
    await confirm.waitFor({ state: 'detached' });
    await page.locator('tr[data-user="george@pendant.example"] td').filter({ hasText: 'deactivated' }).waitFor();

    // and the counters moved from the answer's seats: no query read them again
    await openPage(page, 'Subscriptions', 'Subscriptions');
    await expectCounters(page, 'VIDEO_MEETING', { purchased: 2, assigned: 0, available: 2 });
    expect(queries).toEqual(['DeactivateUser']);
    expect(await seats(owner)).toEqual({ purchased: 2, assigned: 0, reserved: 0, available: 2 });
    await openPage(page, 'Users', 'Users');
    await page.getByLabel('Search users').fill('');
    await page.getByText('3 users', { exact: true }).waitFor();
    await expectAccessible(page);
    await shoot(page, 'users');
    await page.context().close();
  }, 90_000);

  it('assigns and revokes with a reason, the counters moving; invites with a seat held', async () => {
    const owner = await signUpAccount(server.gql, 'Kramerica');
    await purchase(server.gql, owner.token, 2);
    const jerry = await createUser(server.gql, owner.token, { name: 'Jerry Seinfeld' });
    const page = await newPage();
    await signIn(page, owner.email);
    await openPage(page, 'Assign License', 'Assign License');
    await expectCounters(page, 'VIDEO_MEETING', { purchased: 2, assigned: 0, reserved: 0, available: 2 });

    // when Jerry is searched, picked and assigned Video Meeting
    await pick(page, 'jerry', 'Jerry Seinfeld');
    await page.getByRole('button', { name: 'Assign Video Meeting to Jerry Seinfeld' }).click();
    await page.getByRole('status').filter({ hasText: 'Assigned Video Meeting to Jerry Seinfeld.' }).waitFor();
    await expectCounters(page, 'VIDEO_MEETING', { assigned: 1, available: 1 });
    await expectAccessible(page);
    await shoot(page, 'licenses');

    // when revoked with a reason
    await page.getByRole('button', { name: 'Revoke Video Meeting from Jerry Seinfeld…' }).click();
    const revoke = page.getByRole('dialog', { name: /Revoke Jerry Seinfeld's Video Meeting licence/ });
    await revoke.getByLabel('Reason (kept in the history)').fill('Moved to the webinar team');
    await expectAccessible(page);
    await revoke.getByRole('button', { name: 'Revoke' }).click();
    await revoke.waitFor({ state: 'detached' });
    await expectCounters(page, 'VIDEO_MEETING', { assigned: 0, available: 2 });

    // then the history keeps the reason
    const history = ok(
      await server.gql(
        'query ($u: ID!) { licenseHistory(userId: $u) { edges { node { eventType data } } } }',
        { u: jerry.id },
        owner.token,
      ),
    ).licenseHistory.edges.map((edge: { node: { eventType: string; data: string } }) => edge.node);
    const revoked = history.find((event: { eventType: string }) => event.eventType === 'LicenseRevoked');
    expect(JSON.parse(revoked.data).reason).toBe('Moved to the webinar team');

    // when someone is invited with a Video Meeting seat
    await page.getByRole('button', { name: 'Invite a user' }).click();
    const invite = page.getByRole('dialog', { name: 'Invite a user' });
    await invite.getByLabel('Name').fill('Newman');
    await invite.getByLabel('E-mail').fill('newman@post.example');
    expect(await invite.getByRole('checkbox', { name: 'Video Meeting' }).isChecked()).toBe(true);
    await expectAccessible(page);
    await shoot(page, 'licenses-invite');
    await invite.getByRole('button', { name: 'Send invitation' }).click();
    await invite.waitFor({ state: 'detached' });

    // then the seat shows reserved
    await expectCounters(page, 'VIDEO_MEETING', { purchased: 2, assigned: 0, reserved: 1, available: 1 });
    expect(await seats(owner)).toEqual({ purchased: 2, assigned: 0, reserved: 1, available: 1 });
    await page.context().close();
  }, 90_000);

  it('assigns a licence with the keyboard only, the focus visible at each stop', async () => {
    const owner = await signUpAccount(server.gql, 'Vandelay');
    await purchase(server.gql, owner.token, 1);
    await createUser(server.gql, owner.token, { name: 'Cosmo Kramer', email: 'kramer@vandelay.example' });
    const page = await newPage();
    await page.goto(`${origin}/`);

    /** Presses Tab until the focused element is the one named, failing after 40 stops; checks its focus ring. */
    async function tabTo(name: RegExp): Promise<void> {
      for (let stop = 0; stop < 40; stop++) {
        await page.keyboard.press('Tab');
        const focused = await page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          if (!el) return null;
          const label = el.id ? document.querySelector(`label[for="${el.id}"]`)?.textContent : null;
          const wrapping = el.closest('label')?.textContent;
          return {
            name: (label ?? wrapping ?? el.textContent ?? '').trim(),
            outline: getComputedStyle(el).outlineStyle,
          };
        });
        if (focused && name.test(focused.name)) {
          expect(focused.outline).toBe('solid');
          return;
        }
      }
      throw new Error(`no focusable element named ${name} within 40 tabs`);
    }
    async function type(text: string): Promise<void> {
      for (const key of text) await page.keyboard.press(key);
    }

    // sign in, open Assign License, find Kramer, tick him, assign: Tab, typing, Space and Enter only
    await tabTo(/^E-mail$/);
    await type(owner.email);
    await tabTo(/^Password$/);
    await type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Subscriptions' }).waitFor();
    await tabTo(/^Assign License$/);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Assign License' }).waitFor();
    await tabTo(/^Search a user$/);
    await type('kram');
    await page.getByRole('checkbox', { name: /^Cosmo Kramer/ }).waitFor();
    await tabTo(/^Cosmo Kramer/);
    await page.keyboard.press('Space');
    await tabTo(/^Assign Video Meeting to Cosmo Kramer$/);
    await page.keyboard.press('Enter');

    // then the licence is assigned and the counters say so
    await page.getByRole('status').filter({ hasText: 'Assigned Video Meeting to Cosmo Kramer.' }).waitFor();
    await expectCounters(page, 'VIDEO_MEETING', { purchased: 1, assigned: 1, available: 0 });
    expect(await seats(owner)).toEqual({ purchased: 1, assigned: 1, reserved: 0, available: 0 });
    await page.context().close();
  }, 60_000);

  it('the last seat: two admins assign it at once, one succeeds, the other is offered Buy More and retries', async () => {
    // given an owner and an admin of one account (the admin set a password from their first licence mail)
    const owner = await signUpAccount(server.gql, 'Monk’s');
    await purchase(server.gql, owner.token, 1, 'WEBINAR');
    const admin = await createUser(server.gql, owner.token, {
      name: 'Elaine Admin',
      email: 'elaine.admin@monks.example',
      role: 'ADMIN',
    });
    ok(await server.gql(ASSIGN, { userId: admin.id, product: 'WEBINAR' }, owner.token));
    const activation = await activationTokenFromOutbox(server.dataDir, admin.email);
    ok(
      await server.gql('mutation ($input: ActivateAccountInput!) { activateAccount(input: $input) { token } }', {
        input: { token: activation, password: PASSWORD },
      }),
    );
    // and one Video Meeting seat left for two people
    await purchase(server.gql, owner.token, 1);
    await createUser(server.gql, owner.token, { name: 'David Puddy' });
    await createUser(server.gql, owner.token, { name: 'J Peterman' });

    const first = await newPage();
    const second = await newPage();
    await Promise.all([signIn(first, owner.email), signIn(second, admin.email)]);
    await Promise.all([
      openPage(first, 'Assign License', 'Assign License'),
      openPage(second, 'Assign License', 'Assign License'),
    ]);
    await pick(first, 'puddy', 'David Puddy');
    await pick(second, 'peterman', 'J Peterman');
    await expectCounters(second, 'VIDEO_MEETING', { purchased: 1, available: 1 });

    // when both assign at once
    await Promise.all([
      first.getByRole('button', { name: 'Assign Video Meeting to David Puddy' }).click(),
      second.getByRole('button', { name: 'Assign Video Meeting to J Peterman' }).click(),
    ]);

    // then one is assigned and the other sees NO_SEATS_AVAILABLE with Buy More offered in place
    const outcome = async (page: Page) => {
      const assigned = page.getByRole('status').filter({ hasText: /^Assigned / });
      const buyMore = page.getByRole('alert').getByRole('button', { name: 'Buy More Video Meeting seats' });
      await assigned.or(buyMore).waitFor({ timeout: 10_000 });
      return (await assigned.count()) > 0 ? 'assigned' : 'no seats';
    };
    const outcomes = await Promise.all([outcome(first), outcome(second)]);
    expect([...outcomes].sort()).toEqual(['assigned', 'no seats']);
    const loser = outcomes[0] === 'no seats' ? first : second;
    const loserName = loser === first ? 'David Puddy' : 'J Peterman';
    expect(await loser.getByRole('alert').filter({ hasText: /./ }).textContent()).toMatch(/seats? /i);
    await expectAccessible(loser);
    await shoot(loser, 'licenses-no-seats');

    // when the refused admin buys one more in place and tries again
    await loser.getByRole('button', { name: 'Buy More Video Meeting seats' }).click();
    const buy = loser.getByRole('dialog');
    await buy.getByLabel('Seats to add').fill('1');
    await buy.getByRole('button', { name: 'Buy', exact: true }).click();
    await buy.waitFor({ state: 'detached' });
    await loser.getByRole('button', { name: `Try again: assign Video Meeting to ${loserName}` }).click();

    // then both hold a licence, and both pages show it live
    await loser
      .getByRole('status')
      .filter({ hasText: `Assigned Video Meeting to ${loserName}.` })
      .waitFor();
    await expectCounters(first, 'VIDEO_MEETING', { purchased: 2, assigned: 2, available: 0 });
    await expectCounters(second, 'VIDEO_MEETING', { purchased: 2, assigned: 2, available: 0 });
    expect(await seats(owner)).toEqual({ purchased: 2, assigned: 2, reserved: 0, available: 0 });
    await first.context().close();
    await second.context().close();
  }, 90_000);

  it('pages the search 10 at a time, and sends one search per pause in typing, not one per key', async () => {
    const owner = await signUpAccount(server.gql, 'Costanza and Son');
    for (let i = 1; i <= 12; i++) {
      await createUser(server.gql, owner.token, { name: `Pager ${String(i).padStart(2, '0')}` });
    }
    const page = await newPage();
    await signIn(page, owner.email);
    await openPage(page, 'Users', 'Users');
    await page.getByText('13 users', { exact: true }).waitFor();
    const searches: string[] = [];
    page.on('request', (request) => {
      const body = request.postDataJSON();
      if (body?.operationName === 'UserSearch') searches.push(String(body.variables.search));
    });

    // when "pager" is typed at a steady 40 ms a key
    await page.getByLabel('Search users').pressSequentially('pager', { delay: 40 });
    await page.getByText('12 users', { exact: true }).waitFor();

    // then one search went out, for the whole word, and the first page holds 10
    expect(searches).toEqual(['pager']);
    const names = () => page.locator('tbody tr th').allTextContents();
    expect(await names()).toEqual(Array.from({ length: 10 }, (_, i) => `Pager ${String(i + 1).padStart(2, '0')}`));
    expect(await page.getByRole('button', { name: 'Previous page' }).isDisabled()).toBe(true);

    // when paging on and back
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.locator('tbody tr th').filter({ hasText: 'Pager 12' }).waitFor();
    expect(await names()).toEqual(['Pager 11', 'Pager 12']);
    expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.locator('tbody tr th').filter({ hasText: 'Pager 01' }).waitFor();
    expect(await names()).toHaveLength(10);
    await page.context().close();
  }, 60_000);

  it('shows a MEMBER the lists and counts read-only', async () => {
    // given a member who set a password from their licence mail
    const owner = await signUpAccount(server.gql, 'J. Peterman');
    await purchase(server.gql, owner.token, 1);
    const member = await createUser(server.gql, owner.token, { name: 'Sue Ellen', email: 'sue@peterman.example' });
    await createUser(server.gql, owner.token, { name: 'Bob Sacamano' });
    ok(await server.gql(ASSIGN, { userId: member.id, product: 'VIDEO_MEETING' }, owner.token));
    const activation = await activationTokenFromOutbox(server.dataDir, member.email);
    ok(
      await server.gql('mutation ($input: ActivateAccountInput!) { activateAccount(input: $input) { token } }', {
        input: { token: activation, password: PASSWORD },
      }),
    );
    const page = await newPage();
    await signIn(page, member.email);

    // then Users lists everyone with no control to change them
    await openPage(page, 'Users', 'Users');
    await page.getByText('3 users', { exact: true }).waitFor();
    await page.locator('tr[data-user="sue@peterman.example"]').waitFor();
    expect(await page.getByRole('button', { name: 'Add New User' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Deactivate/ }).count()).toBe(0);
    expect(await page.getByRole('combobox', { name: /^Role of/ }).count()).toBe(0);
    expect(await page.locator('tr[data-user="sue@peterman.example"] td').nth(1).textContent()).toBe('Member');

    // and Assign License shows the counts and the users, without Assign, Revoke, Invite or bulk
    await openPage(page, 'Assign License', 'Assign License');
    await expectCounters(page, 'VIDEO_MEETING', { purchased: 1, assigned: 1, available: 0 });
    await page.getByLabel('Search a user').fill('bob');
    await page.getByRole('checkbox', { name: /^Bob Sacamano/ }).check();
    expect(await page.getByRole('button', { name: /^(Assign|Revoke|Invite|Preview)/ }).count()).toBe(0);
    await expectAccessible(page);
    await page.context().close();
  }, 60_000);

  it('bulk: the dry run’s preview first (nothing written), then Apply', async () => {
    const owner = await signUpAccount(server.gql, 'Play Now');
    await purchase(server.gql, owner.token, 2);
    for (const name of ['Bulk Bania', 'Bulk Babu', 'Bulk Banya']) await createUser(server.gql, owner.token, { name });
    const page = await newPage();
    await signIn(page, owner.email);
    await openPage(page, 'Assign License', 'Assign License');

    // when three users are picked for two seats and the best-effort assign is previewed
    await page.getByLabel('Search a user').fill('bulk');
    for (const name of ['Bulk Bania', 'Bulk Babu', 'Bulk Banya']) {
      await page.getByRole('checkbox', { name: new RegExp(`^${name} \\(`) }).check();
    }
    await page.getByLabel('If some cannot be applied').selectOption('BEST_EFFORT');
    await page.getByRole('button', { name: 'Preview bulk assign' }).click();
    const preview = page.getByTestId('bulk-preview');
    await preview.waitFor();

    // then it shows who would get it, who would be refused, and the counts after; nothing is written
    expect(await preview.textContent()).toContain('2 would get the licence: Bulk Bania, Bulk Babu.');
    expect(await preview.textContent()).toContain('1 would be refused');
    expect(await preview.textContent()).toContain('NO_SEATS_AVAILABLE');
    expect(await page.getByTestId('bulk-counts-after').textContent()).toBe(
      'After: purchased 2, assigned 2, reserved 0, available 0.',
    );
    await expectCounters(page, 'VIDEO_MEETING', { assigned: 0, available: 2 });
    expect(await seats(owner)).toEqual({ purchased: 2, assigned: 0, reserved: 0, available: 2 });
    await expectAccessible(page);
    await shoot(page, 'licenses-bulk-preview');

    // when applied
    await preview.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('status').filter({ hasText: 'Assign: applied to 2, refused 1.' }).waitFor();
    await expectCounters(page, 'VIDEO_MEETING', { assigned: 2, available: 0 });
    expect(await seats(owner)).toEqual({ purchased: 2, assigned: 2, reserved: 0, available: 0 });

    // and a bulk revoke previewed and applied frees them again
    await page.getByRole('button', { name: 'Preview bulk revoke' }).click();
    await preview.waitFor();
    expect(await preview.textContent()).toContain('2 would lose the licence');
    await preview.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('status').filter({ hasText: 'Revoke: applied to 2, refused 1.' }).waitFor();
    await expectCounters(page, 'VIDEO_MEETING', { assigned: 0, available: 2 });
    expect(await seats(owner)).toEqual({ purchased: 2, assigned: 0, reserved: 0, available: 2 });
    await page.context().close();
  }, 90_000);
});
