// `npm run bench:console`: the admin console's size and speed (issue 18), on a real server (temp data dir) serving
// the built console (`npm run build` first), in Debian's Chromium (playwright-core):
// - the gzipped JavaScript of the first load (every script and modulepreload index.html names), goal ≤ 200 KB;
// - the console's first contentful paint (the paint entry of a cold load of `/`);
// - the subscription page: since tokens live in memory only, it is reached by signing in, so its figures are timed
//   from the login's answer (its resource timing; the password check before it is slow by design and reported
//   apart): counters painted with data, and time to interactive approximated as the later of that and the end of
//   the last long task (PerformanceObserver 'longtask', ≥ 50 ms): the main thread is free from then on
//   (Lighthouse's TTI without its 5 s network-quiet window);
// - beside them, the bare `seatAvailability` query over HTTP from Node (p50 of 50);
// - a user-search keystroke to rendered results p50, when the branch has a Users page with a search box at /users
//   (keydown to the first DOM change after the answer to the search request); otherwise reported as n/a.
// Medians over RUNS fresh browser contexts. Knobs: BENCH_RUNS (default 5), BENCH_SCREENSHOT=<png> (the subscription
// page, e.g. docs/console.png).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium, type Page } from 'playwright-core';
import { median } from './support/measure';

/** As test/support/chromium.ts launches it (that file needs jest): headless, no sandbox, nothing phoning home. */
const CHROMIUM_LAUNCH = {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
};

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SCREENSHOT = process.env.BENCH_SCREENSHOT;
const JS_BUDGET_BYTES = 200 * 1024;
const PASSWORD = 'a console benchmark';

async function gql(url: string, query: string, variables?: unknown, token?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  // biome-ignore lint/suspicious/noExplicitAny: the query's own shape
  return body.data as Record<string, any>;
}

/** Gzipped bytes of every script the first load of `/` fetches (the entry and its modulepreloads). */
async function firstLoadJs(origin: string): Promise<{ files: number; raw: number; gzipped: number }> {
  const html = await (await fetch(`${origin}/`)).text();
  const urls = [...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="([^"]+\.js)"/g)].map(
    (m) => m[1] as string,
  );
  let raw = 0;
  let gzipped = 0;
  for (const url of urls) {
    const body = Buffer.from(await (await fetch(new URL(url, origin))).arrayBuffer());
    raw += body.length;
    gzipped += zlib.gzipSync(body, { level: 9 }).length;
  }
  return { files: urls.length, raw, gzipped };
}

/** Page-side observers: long tasks and the moment the counters first show data. */
async function observe(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __longTaskEnd: number; __countersAt: number };
    w.__longTaskEnd = 0;
    w.__countersAt = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries())
        w.__longTaskEnd = Math.max(w.__longTaskEnd, entry.startTime + entry.duration);
    }).observe({ type: 'longtask', buffered: true });
    new MutationObserver(() => {
      if (!w.__countersAt && document.querySelector('[data-counter="purchased"]')) {
        // The frame that paints it.
        requestAnimationFrame(() => {
          w.__countersAt ||= performance.now();
        });
      }
    }).observe(document, { subtree: true, childList: true });
  });
}

async function main(): Promise<void> {
  require('reflect-metadata');
  const { startSeatledger } = await import('../src/composition-root');
  const { loadConfig } = await import('../src/config');
  const { createLogger } = await import('../src/logger');
  const { defaultConsoleDir } = await import('../src/http/console');
  if (!fs.existsSync(path.join(defaultConsoleDir(), 'index.html'))) throw new Error('run `npm run build` first');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'seatledger-console-bench-'));
  const config = loadConfig({ SEATLEDGER_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' }, dataDir);
  const server = await startSeatledger({ config, logger: createLogger({ level: config.logLevel }) });
  const browser = await chromium.launch(CHROMIUM_LAUNCH);
  try {
    const origin = new URL(server.url).origin;
    // An account as a seed company might have it: both products bought, 200 users, some seats assigned.
    const email = 'art@vandelay.example';
    const { signUp } = await gql(server.url, 'mutation ($input: SignUpInput!) { signUp(input: $input) { token } }', {
      input: { accountName: 'Vandelay Industries', ownerName: 'Art Vandelay', ownerEmail: email, password: PASSWORD },
    });
    const token = signUp.token as string;
    for (const [product, plan, quantity] of [
      ['VIDEO_MEETING', 'video-pro', 50],
      ['WEBINAR', 'webinar-500', 10],
    ] as const) {
      await gql(
        server.url,
        'mutation ($input: PurchaseLicensesInput!) { purchaseLicenses(input: $input) { subscription { id } } }',
        { input: { product, plan, quantity } },
        token,
      );
    }
    const { createUsers } = await gql(
      server.url,
      'mutation ($input: CreateUsersInput!) { createUsers(input: $input) { created { id } } }',
      {
        input: {
          users: Array.from({ length: 200 }, (_, i) => ({
            email: `person${i}.${Date.now()}@bench.example`,
            name: `Person ${i}`,
          })),
        },
      },
      token,
    );
    for (const { id } of (createUsers.created as { id: string }[]).slice(0, 20)) {
      await gql(
        server.url,
        'mutation ($userId: ID!) { assignLicense(input: { userId: $userId, product: VIDEO_MEETING }) { user { id } } }',
        { userId: id },
        token,
      );
    }

    const js = await firstLoadJs(origin);

    const bare: number[] = [];
    for (let i = 0; i < 60; i++) {
      const started = performance.now();
      await gql(
        server.url,
        '{ seatAvailability(product: VIDEO_MEETING) { purchased assigned reserved available } }',
        undefined,
        token,
      );
      if (i >= 10) bare.push(performance.now() - started);
    }

    const fcp: number[] = [];
    const signIn: number[] = [];
    const counters: number[] = [];
    const tti: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const context = await browser.newContext({ viewport: { width: 1100, height: 640 } });
      const page = await context.newPage();
      await observe(page);
      await page.goto(`${origin}/`);
      await page.getByLabel('E-mail').waitFor();
      fcp.push(
        await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN),
      );
      await page.getByLabel('E-mail').fill(email);
      await page.getByLabel('Password').fill(PASSWORD);
      const clickedAt = await page.evaluate(() => {
        const at = performance.now();
        (document.querySelector('button[type="submit"]') as HTMLButtonElement).click();
        return at;
      });
      await page
        .locator('[data-product="VIDEO_MEETING"] [data-counter="purchased"]')
        .filter({ hasText: '50' })
        .waitFor();
      await page.waitForTimeout(300);
      const { countersAt, longTaskEnd, signedInAt } = await page.evaluate((clicked) => {
        const w = window as unknown as { __longTaskEnd: number; __countersAt: number };
        // The login's answer: the first GraphQL request after the click (its password check is slow by design).
        const login = performance
          .getEntriesByType('resource')
          .find((e) => e.name.endsWith('/graphql') && e.startTime >= clicked) as PerformanceResourceTiming | undefined;
        return { countersAt: w.__countersAt, longTaskEnd: w.__longTaskEnd, signedInAt: login?.responseEnd ?? clicked };
      }, clickedAt);
      signIn.push(signedInAt - clickedAt);
      counters.push(countersAt - signedInAt);
      tti.push(Math.max(countersAt, longTaskEnd) - signedInAt);
      if (SCREENSHOT && run === RUNS - 1) await page.screenshot({ path: SCREENSHOT });
      await context.close();
    }

    const search = await searchKeystroke(browser, origin, email);

    const ms = (values: number[]) => `${median(values).toFixed(1)} ms`;
    console.log(`console bench (${RUNS} runs, medians; Chromium ${browser.version()})`);
    console.log(
      `first-load JS: ${js.files} file(s), ${(js.raw / 1024).toFixed(1)} KB raw, ${(js.gzipped / 1024).toFixed(1)} KB gzipped (budget ${JS_BUDGET_BYTES / 1024} KB: ${js.gzipped <= JS_BUDGET_BYTES ? 'ok' : 'OVER'})`,
    );
    console.log(`first contentful paint of / (cold load): ${ms(fcp)}`);
    console.log(
      `subscription page: login answered ${ms(signIn)} after the Sign in click; from that answer, counters painted ${ms(counters)}, time to interactive ≈ ${ms(tti)}`,
    );
    console.log(`bare seatAvailability over HTTP (Node fetch, p50 of ${bare.length}): ${ms(bare)}`);
    console.log(`user search, keystroke to rendered results p50: ${search}`);
    if (js.gzipped > JS_BUDGET_BYTES) process.exitCode = 1;
  } finally {
    await browser.close();
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Keystroke to rendered results on the Users page's search box, if this build has one. */
async function searchKeystroke(
  browser: import('playwright-core').Browser,
  origin: string,
  email: string,
): Promise<string> {
  const page = await (await browser.newContext()).newPage();
  try {
    await page.goto(`${origin}/`);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Subscriptions' }).waitFor();
    const users = page.getByRole('link', { name: 'Users' });
    if ((await users.count()) === 0)
      return 'n/a (no Users page on this branch: the lead measures it after merging users-ui)';
    await users.click();
    const box = page.getByRole('searchbox').first();
    await box.waitFor({ timeout: 5000 });
    const samples: number[] = [];
    for (const text of ['Person 1', 'Person 2', 'Person 3', 'Person 4', 'Person 5', 'Person 6', 'Person 7']) {
      await box.fill(text.slice(0, -1));
      await page.waitForTimeout(500);
      const latency = await page.evaluate(async (last) => {
        const input = document.activeElement as HTMLInputElement;
        return new Promise<number>((resolve) => {
          let typedAt = 0;
          const answered = () =>
            performance
              .getEntriesByType('resource')
              .some(
                (e) =>
                  e.name.endsWith('/graphql') &&
                  e.startTime > typedAt &&
                  (e as PerformanceResourceTiming).responseEnd > 0,
              );
          const observer = new MutationObserver(() => {
            if (typedAt && answered()) {
              observer.disconnect();
              resolve(performance.now() - typedAt);
            }
          });
          observer.observe(document.body, { subtree: true, childList: true, characterData: true });
          typedAt = performance.now();
          // The native setter: React tracks the value it set, and ignores an input event for a value set directly.
          Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set?.call(input, input.value + last);
          input.dispatchEvent(new Event('input', { bubbles: true }));
          setTimeout(() => resolve(Number.NaN), 5000);
        });
      }, text.slice(-1));
      samples.push(latency);
    }
    return `${median(samples).toFixed(1)} ms (p50 of ${samples.length})`;
  } catch (error) {
    return `n/a (${(error as Error).message.split('\n')[0]})`;
  } finally {
    await page.context().close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
