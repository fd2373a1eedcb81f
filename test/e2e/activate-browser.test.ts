// The activation page in a real browser (Debian's chromium driven by playwright-core), served by the admin console
// (dist/console, `npm run build`) at the mail's link: the member opens the link from the mail, types a password
// twice with the keyboard, ends signed in to the console and signs in over GraphQL with it; a used link shows the
// error. Also checks what a person relies on: labels, visible focus, contrast, no CSP
// violation. Outside CI a machine without /usr/bin/chromium skips; in CI (CI=true) a missing browser fails.
/// <reference lib="dom" />
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { CHROMIUM_LAUNCH, describeBrowser, requireChromium } from '../support/chromium';
import { ASSIGN, createUser, login, ok, purchase, signUpAccount } from '../support/seatledger';
import { makeTempDir } from '../support/temp-dir';
import {
  type ActivationServer,
  activationLinkOf,
  startActivationServer,
  waitForOutboxMail,
} from './activation-support';

const PASSWORD = 'chosen in a real browser';
// Set to a file path to keep a screenshot of the filled-in page (for a person checking how it looks).
const SCREENSHOT = process.env.ACTIVATE_SCREENSHOT;

describeBrowser('the activation page in chromium', () => {
  let server: ActivationServer;
  let context: BrowserContext;
  const profile = makeTempDir('seatledger-chromium-');
  const problems: string[] = [];

  beforeAll(async () => {
    requireChromium();
    [server, context] = await Promise.all([
      startActivationServer(),
      chromium.launchPersistentContext(profile.dir, CHROMIUM_LAUNCH),
    ]);
    // A CSP violation or a script error shows up here: the page must run clean.
    context.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    context.on('weberror', (error) => problems.push(String(error.error())));
    context.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${new URL(response.url()).pathname}`);
    });
  }, 30_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    profile.cleanup();
  });

  /** A new member with a licence, and the activation link from their mail. */
  async function memberWithLink(): Promise<{ email: string; link: string }> {
    const { gql } = server;
    const owner = await signUpAccount(gql, 'Vandelay');
    await purchase(gql, owner.token, 1);
    const member = await createUser(gql, owner.token, { name: 'Art Vandelay' });
    ok(await gql(ASSIGN, { userId: member.id, product: 'VIDEO_MEETING' }, owner.token));
    const { mail } = await waitForOutboxMail(server.dataDir, member.email);
    return { email: member.email, link: activationLinkOf(mail) };
  }

  const statusOf = (page: Page) => page.getByRole('status');

  it('opens the link from the mail, sets a password by keyboard, shows success; the password signs in', async () => {
    // given the link from the mail
    const { email, link } = await memberWithLink();
    expect(link.startsWith(`${server.origin}/activate?token=`)).toBe(true);
    const page = await context.newPage();

    // when the member opens it, types the password twice and presses Enter
    await page.goto(link);
    await page.getByRole('heading', { level: 1, name: 'Choose your password' }).waitFor();
    expect(await page.title()).toBe('Choose your password · seatledger');
    const password = page.getByLabel('New password', { exact: true });
    const confirm = page.getByLabel('Confirm the new password', { exact: true });
    await password.focus();
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Tab');
    expect(await confirm.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.type(PASSWORD);
    if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await page.keyboard.press('Enter');

    // then the console signs them in (the form is gone) and opens on Subscriptions
    await page.getByRole('heading', { level: 1, name: 'Subscriptions' }).waitFor();
    await page.getByText(`Signed in as Art Vandelay (${email})`).waitFor();
    expect(await page.locator('#activate').count()).toBe(0);

    // and the password signs in over GraphQL
    await login(server.gql, email, PASSWORD);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows the error for a used link, and keeps the form for another try', async () => {
    // given a link already redeemed
    const { link } = await memberWithLink();
    const token = new URL(link).searchParams.get('token') as string;
    ok(
      await server.gql('mutation ($input: ActivateAccountInput!) { activateAccount(input: $input) { token } }', {
        input: { token, password: 'redeemed before the page' },
      }),
    );
    const page = await context.newPage();

    // when the member opens it again and submits
    await page.goto(link);
    await page.getByLabel('New password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Confirm the new password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();

    // then the error says what happened and what to do
    await page.getByText('This activation link is invalid, used or expired.').waitFor();
    expect(await statusOf(page).getAttribute('class')).toBe('error');
    expect(await statusOf(page).textContent()).toContain('Ask an administrator of your account for a new one.');
    expect(await page.getByRole('button', { name: 'Set password' }).isEnabled()).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('accepts an invitation on /invite: the link from the invitation mail, a password, signed in with a licence', async () => {
    // given an invitation holding a seat, and the link from its mail
    const { gql } = server;
    const owner = await signUpAccount(gql, 'Kramerica');
    await purchase(gql, owner.token, 1);
    const email = `cosmo.${Date.now()}@example.test`;
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
    )?.[1];
    expect(link?.startsWith(`${server.origin}/invite?token=`)).toBe(true);
    const page = await context.newPage();

    // when the invited person opens it and chooses a password
    await page.goto(link as string);
    await page.getByRole('heading', { level: 1, name: 'Accept your invitation' }).waitFor();
    expect(await page.title()).toBe('Accept your invitation · seatledger');
    await page.getByLabel('New password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Confirm the new password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Accept invitation' }).click();

    // then the console signs them in, and the password signs in as an ACTIVE user holding the licence
    await page.getByText(`Signed in as Cosmo Kramer (${email})`).waitFor();
    expect(await page.locator('#activate').count()).toBe(0);
    const token = await login(server.gql, email, PASSWORD);
    expect(ok(await server.gql('{ me { status licenses { product } } }', undefined, token)).me).toEqual({
      status: 'ACTIVE',
      licenses: [{ product: 'VIDEO_MEETING' }],
    });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('catches differing passwords before sending, marks the field invalid and moves focus to it', async () => {
    const page = await context.newPage();
    await page.goto(`${server.origin}/activate?token=whatever.${'A'.repeat(43)}`);
    await page.getByLabel('New password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Confirm the new password', { exact: true }).fill(`${PASSWORD}!`);
    await page.getByRole('button', { name: 'Set password' }).click();

    await page.getByText('The two passwords differ.').waitFor();
    const confirm = page.getByLabel('Confirm the new password', { exact: true });
    expect(await confirm.getAttribute('aria-invalid')).toBe('true');
    expect(await confirm.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.close();
  });

  it('is readable: visible focus ring and text contrast of at least 4.5:1 (WCAG AA)', async () => {
    const page = await context.newPage();
    await page.goto(`${server.origin}/activate?token=whatever.${'A'.repeat(43)}`);
    await page.getByLabel('New password', { exact: true }).focus();
    const outline = await page
      .getByLabel('New password', { exact: true })
      .evaluate((el) => `${getComputedStyle(el).outlineStyle} ${getComputedStyle(el).outlineWidth}`);
    expect(outline).toMatch(/^solid [2-9]/);

    // Each text's colour against the background it sits on, including the status messages' colours.
    const pairs = await page.evaluate(() => {
      const status = document.getElementById('status') as HTMLElement;
      const sample = (selector: string, setup?: () => void) => {
        setup?.();
        const el = document.querySelector(selector) as HTMLElement;
        const style = getComputedStyle(el);
        let bg = style.backgroundColor;
        for (let n: HTMLElement | null = el; n && /rgba\(0, 0, 0, 0\)|transparent/.test(bg); n = n.parentElement) {
          bg = getComputedStyle(n).backgroundColor;
        }
        return { selector, fg: style.color, bg: /rgba\(0, 0, 0, 0\)/.test(bg) ? 'rgb(255, 255, 255)' : bg };
      };
      return [
        sample('h1'),
        sample('label'),
        sample('.hint'),
        sample('button'),
        sample('#status', () => {
          status.className = 'error';
          status.textContent = 'x';
        }),
        sample('#status', () => {
          status.className = 'success';
        }),
        sample('main a'),
      ];
    });
    const rgb = (css: string) => (css.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
    const luminance = (css: string) => {
      const [r, g, b] = rgb(css).map((c) => {
        const s = c / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      }) as [number, number, number];
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    for (const { selector, fg, bg } of pairs) {
      const [light, dark] = [luminance(fg), luminance(bg)].sort((a, b) => b - a) as [number, number];
      const ratio = (light + 0.05) / (dark + 0.05);
      expect({ selector, ratio: ratio >= 4.5 ? 'ok' : ratio.toFixed(2) }).toEqual({ selector, ratio: 'ok' });
    }
    await page.close();
  });
});
