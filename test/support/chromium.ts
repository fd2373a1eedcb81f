// Debian's chromium driven by playwright-core, for the tests that need a real browser (the activation page, the
// explorer, CORS from another origin). Outside CI a machine without /usr/bin/chromium skips them; in CI (CI=true,
// where .ci/run installs it) a missing browser fails rather than skipping.
import fs from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);

export const describeBrowser = HAVE_CHROMIUM || process.env.CI === 'true' ? describe : describe.skip;

/** Headless, no sandbox (CI runs as root), nothing phoning home. */
export const CHROMIUM_LAUNCH = {
  executablePath: CHROMIUM,
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

/** Call first in beforeAll: a describeBrowser block runs without the browser only when CI insists on it. */
export function requireChromium(): void {
  if (!HAVE_CHROMIUM) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (.ci/run does in CI)`);
}
