// The admin console (issue 18, first slice) in a real browser (Debian's chromium driven by playwright-core) against
// a real server on a temp data dir, serving the console built into dist/console by `npm run build`: sign up through
// the UI, Buy More 2 seats with a double click (bought once), the counters; a second browser context signed in as
// the same account sees its counters move live when the first buys more; Log out; a quiet refresh before a short
// token expires. No CSP violation, script error or failed request anywhere. Also the files' HTTP headers.
/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { describeBrowser } from '../support/chromium';
import {
  type ConsoleBrowser,
  expectCounters,
  launchConsoleBrowser,
  shoot,
  signIn as signInAt,
} from '../support/console-browser';
import { login, ok, purchase, startTestSeatledger, type TestSeatledger, uniqueEmail } from '../support/seatledger';

const PASSWORD = 'typed into the console';

describeBrowser('the admin console in chromium', () => {
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

  async function signUp(page: Page, email: string): Promise<void> {
    await page.goto(`${origin}/`);
    await page.getByRole('button', { name: 'New company' }).click();
    await page.getByLabel('Company name').fill('Vandelay Industries');
    await page.getByLabel('Your name').fill('Art Vandelay');
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign up', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Subscriptions' }).waitFor();
  }

  const signIn = (page: Page, email: string) => signInAt(page, origin, email, PASSWORD);

  /** Buy More on the product's card: the dialog, a plan, a quantity; `double` clicks Buy twice in a row. */
  async function buyMore(page: Page, product: string, quantity: number, double = false): Promise<void> {
    await page.locator(`[data-product="${product}"]`).getByRole('button', { name: 'Buy More' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByLabel('Seats to add').fill(String(quantity));
    const buy = dialog.getByRole('button', { name: 'Buy', exact: true });
    if (double) await buy.dblclick();
    else await buy.click();
    await dialog.waitFor({ state: 'detached' });
  }

  it('serves index.html uncached under a strict CSP, and the hashed bundle cached for a year', async () => {
    const page = await fetch(`${origin}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await page.text();
    // No inline script: every <script> has a src.
    expect(html.match(/<script(?![^>]*\bsrc=)[^>]*>/g)).toBeNull();
    const script = /<script[^>]+src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${origin}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${origin}/assets/no-such-file.js`)).status).toBe(404);
    expect((await fetch(`${origin}/assets/..%2Fconsole%2Findex.html`)).status).toBe(404);
    // The API's own routes are where they were.
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);
  });

  it('signs up, buys 2 seats with a double click (bought once), and a second context sees Buy More live', async () => {
    const email = uniqueEmail('console');
    const first = await chromium.newPage();

    // when an owner signs up through the console and buys 2 seats, clicking Buy twice
    await signUp(first, email);
    await expectCounters(first, 'VIDEO_MEETING', { purchased: 0, assigned: 0, reserved: 0, available: 0 });
    await buyMore(first, 'VIDEO_MEETING', 2, true);

    // then 2 seats are bought, once, and the page says so
    await expectCounters(first, 'VIDEO_MEETING', { purchased: 2, assigned: 0, reserved: 0, available: 2 });
    await first.getByRole('status').filter({ hasText: 'Bought 2 seats of Video Meeting.' }).waitFor();
    const token = await login(server.gql, email, PASSWORD);
    const seats = ok(
      await server.gql('{ seatAvailability(product: VIDEO_MEETING) { purchased } }', undefined, token),
    ).seatAvailability;
    expect(seats.purchased).toBe(2);
    expect(await first.locator('[data-product="VIDEO_MEETING"]').getByText('Plan:').textContent()).toMatch(
      /^Plan: Video Meeting/,
    );
    await shoot(first, 'subscriptions-bought');

    // given a second browser signed in as the same owner, showing the same counts
    const second = await chromium.newPage();
    await signIn(second, email);
    await expectCounters(second, 'VIDEO_MEETING', { purchased: 2, assigned: 0, reserved: 0, available: 2 });
    const live = second.locator('[data-product="VIDEO_MEETING"] [aria-live="polite"]');
    expect(await live.count()).toBe(1);

    // when the first buys 1 more
    await buyMore(first, 'VIDEO_MEETING', 1);

    // then the second's counters move without a reload, and so do the first's
    await expectCounters(second, 'VIDEO_MEETING', { purchased: 3, assigned: 0, reserved: 0, available: 3 });
    await expectCounters(first, 'VIDEO_MEETING', { purchased: 3, assigned: 0, reserved: 0, available: 3 });

    // and Log out brings the sign-in form back, the tokens gone from the page
    await second.getByRole('button', { name: 'Log out' }).click();
    await second.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    await first.context().close();
    await second.context().close();
  }, 60_000);

  it('refreshes a short-lived session quietly: writes go on past the first token’s expiry, live counts too', async () => {
    // given a server whose access tokens live 4 s (the socket is closed when its token expires)
    const shortLived = await startTestSeatledger({ env: { AUTH_TOKEN_TTL_SECONDS: '4' } });
    try {
      const email = uniqueEmail('refresh');
      const page = await chromium.newPage();
      await page.goto(new URL(shortLived.url).origin);
      await page.getByRole('button', { name: 'New company' }).click();
      await page.getByLabel('Company name').fill('Kramerica');
      await page.getByLabel('Your name').fill('Cosmo Kramer');
      await page.getByLabel('E-mail').fill(email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign up', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Subscriptions' }).waitFor();
      await expectCounters(page, 'WEBINAR', { purchased: 0, assigned: 0, reserved: 0, available: 0 });

      // when the first token has expired and the admin buys a seat
      await page.waitForTimeout(6_000);
      await buyMore(page, 'WEBINAR', 1);

      // then it is bought (the console sent a refreshed token), and a purchase made elsewhere after the socket's
      // close at expiry still shows live
      await expectCounters(page, 'WEBINAR', { purchased: 1, assigned: 0, reserved: 0, available: 1 });
      await page.waitForTimeout(2_000);
      const token = await login(shortLived.gql, email, PASSWORD);
      await purchase(shortLived.gql, token, 2, 'WEBINAR');
      await expectCounters(page, 'WEBINAR', { purchased: 3, assigned: 0, reserved: 0, available: 3 });
      await page.context().close();
    } finally {
      await shortLived.close();
    }
  }, 60_000);

  it('shows the API’s refusal at sign-in, and keyboard focus is visible', async () => {
    const page = await chromium.newPage();
    await page.goto(`${origin}/`);
    await page.getByLabel('E-mail').fill(uniqueEmail('nobody'));
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: /./ }).waitFor();
    expect(await page.getByRole('heading', { level: 1, name: 'Sign in' }).isVisible()).toBe(true);

    // Tab from the password reaches the submit button, and its focus ring shows
    await page.getByLabel('Password').focus();
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      return { text: el.textContent, outline: getComputedStyle(el).outlineStyle };
    });
    expect(focused).toEqual({ text: 'Sign in', outline: 'solid' });
    await page.context().close();
  });
});
