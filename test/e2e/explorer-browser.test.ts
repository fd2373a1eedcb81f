// The GraphiQL explorer in a real browser (Debian's chromium driven by playwright-core): the page loads with no
// console error and no CSP violation, runs a query over HTTP, and with a token in its headers editor runs a
// subscription over graphql-ws that shows a purchase made elsewhere. Outside CI a machine without /usr/bin/chromium
// skips; in CI (CI=true) a missing browser fails.
/// <reference lib="dom" />
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { CHROMIUM_LAUNCH, describeBrowser, requireChromium } from '../support/chromium';
import { purchase, signUpAccount, startTestSeatledger, type TestSeatledger } from '../support/seatledger';

/**
 * Replaces the text of the visible CodeMirror editor under `selector` (GraphiQL 3's editors are CodeMirror 5), then
 * lets GraphiQL re-parse it: it picks HTTP or WebSocket from its parse of the editor, which trails the text a little.
 */
async function setEditor(page: Page, selector: string, text: string): Promise<void> {
  const editor = page.locator(`${selector} >> visible=true`).first();
  await editor.evaluate((element, value) => {
    (element as HTMLElement & { CodeMirror: { setValue(v: string): void } }).CodeMirror.setValue(value);
  }, text);
  await page.waitForTimeout(500);
}

const resultText = async (page: Page) => (await page.locator('.result-window').textContent()) ?? '';

describeBrowser('the GraphiQL explorer in chromium', () => {
  let server: TestSeatledger;
  let browser: Browser;
  let context: BrowserContext;
  const problems: string[] = [];

  beforeAll(async () => {
    requireChromium();
    [server, browser] = await Promise.all([startTestSeatledger({ reactors: false }), chromium.launch(CHROMIUM_LAUNCH)]);
    context = await browser.newContext();
    // A CSP violation shows as a console error; a script error as a page error.
    context.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    context.on('weberror', (error) => problems.push(String(error.error())));
    context.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${new URL(response.url()).pathname}`);
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
  });

  it('loads clean, runs a query, and runs a subscription over WebSocket with the token from its headers', async () => {
    const owner = await signUpAccount(server.gql, 'Explorer');
    const page = await context.newPage();

    // when a person opens /graphql in the browser
    await page.goto(server.url);
    expect(await page.title()).toBe('GraphiQL · seatledger');
    await page.locator('.graphiql-container').waitFor({ timeout: 20_000 });

    // and runs a query
    await setEditor(page, '.graphiql-query-editor .CodeMirror', '{ __typename }');
    await page.locator('.graphiql-execute-button').click();
    await page.waitForFunction(() => document.querySelector('.result-window')?.textContent?.includes('"Query"'));
    expect(await resultText(page)).toContain('"__typename": "Query"');

    // and, signed in through the headers editor, subscribes to seat counts
    await page.getByRole('button', { name: 'Headers' }).click();
    await setEditor(
      page,
      '.graphiql-editor-tool .CodeMirror',
      JSON.stringify({ Authorization: `Bearer ${owner.token}` }),
    );
    await setEditor(
      page,
      '.graphiql-query-editor .CodeMirror',
      'subscription { seatAvailabilityChanged { product purchased } }',
    );
    const socket = page.waitForEvent('websocket');
    await page.locator('.graphiql-execute-button').click();

    expect(new URL((await socket).url()).pathname).toBe('/graphql');

    // then a purchase made elsewhere shows up in the result as it happens
    await new Promise((resolve) => setTimeout(resolve, 500)); // the subscription is live before the purchase
    await purchase(server.gql, owner.token, 7);
    await page.waitForFunction(
      () => document.querySelector('.result-window')?.textContent?.includes('"purchased": 7'),
      {
        timeout: 10_000,
      },
    );
    expect(await resultText(page)).toContain('"product": "VIDEO_MEETING"');

    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});
