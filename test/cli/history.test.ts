// `seatledger history`: an account's licence history from the log, filtered, as of a time, as a table or JSON.
import { runHistory } from '../../src/cli/history';
import { openWorkspace, seedAcme, type Workspace } from '../projections/fixtures';
import { capture } from './io';

describe('seatledger history', () => {
  let ws: Workspace;
  const history = async (...args: string[]) => {
    const out = capture(ws.dir);
    const code = await runHistory([...args, '--data-dir', ws.dir], out.io);
    return { code, stdout: out.stdout(), stderr: out.stderr() };
  };

  beforeAll(async () => {
    ws = openWorkspace();
    await seedAcme(ws.log);
  });
  afterAll(() => ws.close());

  it("prints the account's events oldest first and its seats now, as a table", async () => {
    const { code, stdout } = await history('--account', 'acme');
    expect(code).toBe(0);
    expect(stdout).toContain('history of account acme: 16 events');
    expect(stdout).toMatch(/LicensePurchased +ann +VIDEO_MEETING +\+3 seats on video-standard/);
    expect(stdout).toMatch(/PlanUpgraded .* video-standard → video-pro/);
    expect(stdout).not.toContain('PasswordSet');
    expect(stdout).not.toContain('globex');
    expect(stdout).toContain('VIDEO_MEETING: 3 purchased, 2 assigned, 1 available');
    expect(stdout).toContain('WEBINAR: 3 purchased, 1 assigned, 2 available');
  });

  it('filters by user and product, and answers JSON', async () => {
    const { code, stdout } = await history('--account', 'acme', '--user', 'bob', '--product', 'WEBINAR', '--json');
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout);
    expect(parsed.events.map((e: { type: string }) => e.type)).toEqual(['LicenseAssigned']);
    expect(parsed.events[0]).toMatchObject({ userId: 'bob', product: 'WEBINAR', actorId: 'ann' });
    expect(parsed.seats).toEqual([{ product: 'WEBINAR', purchased: 3, assigned: 1, available: 2 }]);
  });

  it('shows the history and the seats as they stood at a past time', async () => {
    const all = JSON.parse((await history('--account', 'acme', '--json')).stdout);
    const secondAssignment = all.events.filter((e: { type: string }) => e.type === 'LicenseAssigned')[1];
    const { stdout } = await history('--account', 'acme', '--as-of', secondAssignment.occurredAt, '--json');
    const past = JSON.parse(stdout);
    expect(past.events.at(-1).id).toBe(secondAssignment.id);
    expect(past.seats).toEqual([{ product: 'VIDEO_MEETING', purchased: 3, assigned: 2, available: 1 }]);
  });

  it.each([
    [[], '--account is required'],
    [['--account', 'acme', '--product', 'FAX'], '--product must be one of VIDEO_MEETING, WEBINAR'],
    [['--account', 'acme', '--as-of', 'yesterday'], '--as-of must be an ISO-8601 date or time'],
    [['--account', 'acme', '--colour'], "Unknown option '--colour'"],
  ])('refuses %j with exit 2 and says why', async (args, message) => {
    const { code, stderr } = await history(...(args as string[]));
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it('answers exit 1 for an account the log does not know', async () => {
    const { code, stderr } = await history('--account', 'initech');
    expect(code).toBe(1);
    expect(stderr).toContain('no account initech in the log');
  });
});
