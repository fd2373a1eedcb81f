// Support for the console's browser tests (test/e2e/console-*.test.ts): a chromium whose every context reports
// console errors and warnings, page errors and HTTP statuses ≥ 400 into `problems` (each test's afterEach expects it
// empty), and the steps the tests share: sign in, open a page from the nav, read the live counters, axe-core, and
// screenshots into test-artifacts/console (gitignored).
/// <reference lib="dom" />
import fs from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, type BrowserContextOptions, chromium, type Locator, type Page } from 'playwright-core';
import { CHROMIUM_LAUNCH, requireChromium } from './chromium';

export const BUILT_CONSOLE = path.resolve(__dirname, '../../dist/console/index.html');
/** Screenshots of each page: test artifacts, never committed. CONSOLE_SCREENSHOTS moves them. */
export const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS ?? path.resolve(__dirname, '../../test-artifacts/console');

export type Counter = 'purchased' | 'assigned' | 'reserved' | 'available';

export interface ConsoleBrowser {
  readonly browser: Browser;
  /** What went wrong in any page since the last `problems.splice(0)`. */
  readonly problems: string[];
  /** Every console message of every page (to check no token is ever logged). */
  readonly logged: string[];
  /** A page in a fresh context (its own session: the console keeps tokens in memory only). */
  newPage(options?: BrowserContextOptions): Promise<Page>;
  close(): Promise<void>;
}

/** Launches chromium for a console test; fails at once when the console was not built. */
export async function launchConsoleBrowser(): Promise<ConsoleBrowser> {
  requireChromium();
  if (!fs.existsSync(BUILT_CONSOLE)) throw new Error(`${BUILT_CONSOLE} is missing: run \`npm run build\` first`);
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const browser = await chromium.launch(CHROMIUM_LAUNCH);
  const problems: string[] = [];
  const logged: string[] = [];
  return {
    browser,
    problems,
    logged,
    async newPage(options) {
      const context = await browser.newContext(options);
      context.on('console', (message) => {
        logged.push(message.text());
        if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
      });
      context.on('weberror', (error) => problems.push(String(error.error())));
      context.on('response', (response) => {
        const status = response.status();
        if (status >= 400) problems.push(`HTTP ${status} for ${new URL(response.url()).pathname}`);
      });
      return context.newPage();
    },
    close: () => browser.close(),
  };
}

/** Signs in on the console's first page and waits for Subscriptions. */
export async function signIn(page: Page, origin: string, email: string, password: string): Promise<void> {
  await page.goto(`${origin}/`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Subscriptions' }).waitFor();
}

/** Follows the nav's link and waits for the page's heading (no reload: the console routes in the page). */
export async function openPage(page: Page, link: string, heading = link): Promise<void> {
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: link }).click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

/** Waits (up to 10 s) for the element's text, then checks it: a live counter moves a moment after the write. */
export async function expectText(locator: Locator, text: string): Promise<void> {
  await locator.filter({ hasText: new RegExp(`^${text}$`) }).waitFor({ timeout: 10_000 });
  expect(await locator.textContent()).toBe(text);
}

/** The product's counters (Subscriptions' card or Assign License's panel) reach the expected values. */
export async function expectCounters(
  page: Page,
  product: string,
  expected: Partial<Record<Counter, number>>,
): Promise<void> {
  for (const [name, value] of Object.entries(expected)) {
    await expectText(page.locator(`[data-product="${product}"] [data-counter="${name}"]`), String(value));
  }
}

/** axe-core on the page as it is now: no serious or critical violation. */
export async function expectAccessible(page: Page, what = ''): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const bad = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}) at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
    .map((line) => (what ? `${what}: ${line}` : line));
  expect(bad).toEqual([]);
}

/** A full-page screenshot under SCREENSHOTS, named `<name>.png`. */
export async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** The GraphQL operations the page sends from now on, by name. */
export function operationsOf(page: Page): string[] {
  const names: string[] = [];
  page.on('request', (request) => {
    if (!request.url().endsWith('/graphql') || request.method() !== 'POST') return;
    const name = (request.postDataJSON() as { operationName?: string } | null)?.operationName;
    if (name) names.push(name);
  });
  return names;
}
