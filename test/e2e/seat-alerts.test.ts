// Seat alerts over HTTP against a real server: an alert at `availableAtMost: 2` on 10 seats fires once when the 8th
// seat is assigned, not again for the 9th and 10th, clears when revocations bring 3 back, and fires again on the next
// crossing; each crossing is mailed once to the OWNER and to each ADMIN (never a MEMBER), is in the history with its
// payload and in the export; set while the seats already stand past it, it fires at once; a percentage alert with
// nothing purchased does not fire; a MEMBER is refused and bad thresholds are refused with nothing written; and
// `replay --verify` agrees with the alert streams.
import fs from 'node:fs';
import path from 'node:path';
import { runExport } from '../../src/cli/export';
import { runReplay } from '../../src/cli/replay';
import { capture } from '../cli/io';
import {
  ASSIGN,
  createUser,
  type Gql,
  ok,
  purchase,
  REVOKE,
  type SignedUpAccount,
  signUpAccount,
  startTestSeatledger,
  TEST_AUTH_SECRET,
  type TestSeatledger,
  tokenFor,
} from '../support/seatledger';

jest.setTimeout(60_000);

const SET_ALERT = `mutation ($input: SetSeatAlertInput!) {
  setSeatAlert(input: $input) { alert { id product availableAtMost usedPercentAtLeast firing lastCrossedAt } }
}`;
const ALERTS = '{ seatAlerts { id product availableAtMost usedPercentAtLeast firing lastCrossedAt } }';
const HISTORY = `query ($product: Product) {
  licenseHistory(product: $product, first: 500) { edges { node { id type eventType payload } } }
}`;

type Product = 'VIDEO_MEETING' | 'WEBINAR';

async function alertOf(gql: Gql, token: string, product: Product) {
  const { seatAlerts } = ok(await gql(ALERTS, {}, token));
  return (seatAlerts as { product: string; firing: boolean; lastCrossedAt: string | null }[]).find(
    (alert) => alert.product === product,
  );
}

/** Waits for the alert reactor: the alert's `firing` becomes `firing` (the reactor handles the log in order). */
async function waitFiring(gql: Gql, token: string, product: Product, firing: boolean) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const alert = await alertOf(gql, token, product);
    if (alert?.firing === firing) return alert;
    if (Date.now() > deadline)
      throw new Error(`${product} alert never became firing=${firing}: ${JSON.stringify(alert)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function crossings(gql: Gql, token: string, product: Product) {
  const { licenseHistory } = ok(await gql(HISTORY, { product }, token));
  return (licenseHistory.edges as { node: { id: string; type: string; eventType: string; payload: unknown } }[])
    .map((edge) => edge.node)
    .filter((node) => node.type === 'SeatThresholdCrossed' || node.type === 'SeatThresholdCleared');
}

/** The outbox's seat alert mails, by recipient address (lowercase). */
function alertMails(dataDir: string): Map<string, number> {
  const outbox = path.join(dataDir, 'outbox');
  const byRecipient = new Map<string, number>();
  const names = fs.existsSync(outbox) ? fs.readdirSync(outbox).filter((name) => name.endsWith('.eml')) : [];
  for (const name of names) {
    const text = fs.readFileSync(path.join(outbox, name), 'utf8').replace(/=\r?\n/g, '');
    if (!/Subject: Video Meeting: \d+ of \d+ seats available/.test(text)) continue;
    const to = /^To: (.+)$/m.exec(text)?.[1]?.trim().toLowerCase() ?? '';
    byRecipient.set(to, (byRecipient.get(to) ?? 0) + 1);
  }
  return byRecipient;
}

async function waitForMails(dataDir: string, expected: Map<string, number>) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const mails = alertMails(dataDir);
    const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    if (total(mails) >= total(expected) || Date.now() > deadline) return mails;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('seat alerts over HTTP', () => {
  let server: TestSeatledger;
  let gql: Gql;
  let owner: SignedUpAccount;
  let admin: { id: string; email: string };
  let member: { id: string; email: string };
  let users: { id: string }[];

  beforeAll(async () => {
    server = await startTestSeatledger({ env: { AUTH_SECRET: TEST_AUTH_SECRET } });
    gql = server.gql;
    owner = await signUpAccount(gql, 'Alerts');
    admin = await createUser(gql, owner.token, { role: 'ADMIN' });
    member = await createUser(gql, owner.token, { role: 'MEMBER' });
    await purchase(gql, owner.token, 10, 'VIDEO_MEETING');
    users = [];
    for (let i = 0; i < 10; i++) users.push(await createUser(gql, owner.token));
  });
  afterAll(() => server?.close());

  const assign = async (i: number) =>
    ok(await gql(ASSIGN, { userId: users[i]?.id, product: 'VIDEO_MEETING' }, owner.token));
  const revoke = async (i: number) =>
    ok(await gql(REVOKE, { userId: users[i]?.id, product: 'VIDEO_MEETING' }, owner.token));

  it('an alert at availableAtMost 2 on 10 seats: the 8th seat fires once, the 9th and 10th do not, 3 available clears, the next crossing fires again', async () => {
    const set = ok(await gql(SET_ALERT, { input: { product: 'VIDEO_MEETING', availableAtMost: 2 } }, owner.token));
    expect(set.setSeatAlert.alert).toEqual({
      id: `SeatAlert:${owner.accountId}:VIDEO_MEETING`,
      product: 'VIDEO_MEETING',
      availableAtMost: 2,
      usedPercentAtLeast: null,
      firing: false,
      lastCrossedAt: null,
    });
    for (let i = 0; i < 7; i++) await assign(i);
    // 3 available: short of the threshold.
    await assign(7);
    const fired = await waitFiring(gql, owner.token, 'VIDEO_MEETING', true);
    expect(fired.lastCrossedAt).not.toBeNull();
    await assign(8);
    await assign(9);
    // Back to 1, then 2 available: still past it, nothing new; then 3: it clears. The reactor handles the log in
    // order, so once it has cleared, the 9th and 10th seats have been decided too.
    await revoke(9);
    await revoke(8);
    await revoke(7);
    await waitFiring(gql, owner.token, 'VIDEO_MEETING', false);
    let events = await crossings(gql, owner.token, 'VIDEO_MEETING');
    expect(events.map((e) => e.type)).toEqual(['SeatThresholdCrossed', 'SeatThresholdCleared']);
    expect(events[0]?.eventType).toBe('SeatThresholdCrossed');
    expect(events[0]?.payload).toEqual({
      accountId: owner.accountId,
      product: 'VIDEO_MEETING',
      kind: 'AVAILABLE_AT_MOST',
      threshold: 2,
      purchased: 10,
      assigned: 8,
      reserved: 0,
      available: 2,
      subscriptionRevision: expect.any(Number),
      accountRevision: expect.any(Number),
    });
    expect(events[1]?.payload).toMatchObject({ assigned: 7, available: 3 });

    // Re-armed: the next crossing fires again.
    await assign(7);
    await waitFiring(gql, owner.token, 'VIDEO_MEETING', true);
    events = await crossings(gql, owner.token, 'VIDEO_MEETING');
    expect(events.map((e) => e.type)).toEqual(['SeatThresholdCrossed', 'SeatThresholdCleared', 'SeatThresholdCrossed']);
  });

  it('each crossing is mailed once to the OWNER and to each ADMIN, never to a MEMBER', async () => {
    const expected = new Map([
      [owner.email.toLowerCase(), 2],
      [admin.email.toLowerCase(), 2],
    ]);
    const mails = await waitForMails(server.dataDir, expected);
    // A moment more: a duplicate would have had time to land.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(alertMails(server.dataDir)).toEqual(expected);
    expect(mails.has(member.email.toLowerCase())).toBe(false);
  });

  it('set while the seats already stand past it, it fires at once', async () => {
    await purchase(gql, owner.token, 2, 'WEBINAR');
    for (let i = 0; i < 2; i++) ok(await gql(ASSIGN, { userId: users[i]?.id, product: 'WEBINAR' }, owner.token));
    ok(await gql(SET_ALERT, { input: { product: 'WEBINAR', usedPercentAtLeast: 100 } }, owner.token));
    const alert = await waitFiring(gql, owner.token, 'WEBINAR', true);
    expect(alert).toMatchObject({ usedPercentAtLeast: 100, availableAtMost: null });
    const events = await crossings(gql, owner.token, 'WEBINAR');
    expect(events.map((e) => e.type)).toEqual(['SeatThresholdCrossed']);
  });

  it('a percentage alert with nothing purchased does not fire', async () => {
    const other = await signUpAccount(gql, 'Nothing bought');
    ok(await gql(SET_ALERT, { input: { product: 'VIDEO_MEETING', usedPercentAtLeast: 1 } }, other.token));
    // A later alert that does fire (no seats bought: none available) is decided after the first one.
    ok(await gql(SET_ALERT, { input: { product: 'WEBINAR', availableAtMost: 0 } }, other.token));
    await waitFiring(gql, other.token, 'WEBINAR', true);
    expect(await alertOf(gql, other.token, 'VIDEO_MEETING')).toMatchObject({ firing: false, lastCrossedAt: null });
    expect(await crossings(gql, other.token, 'VIDEO_MEETING')).toEqual([]);
  });

  it('refuses a MEMBER (FORBIDDEN) and bad thresholds (BAD_USER_INPUT with fields), writing nothing', async () => {
    const memberToken = await tokenFor(member.id);
    const refused = await gql(SET_ALERT, { input: { product: 'VIDEO_MEETING', availableAtMost: 5 } }, memberToken);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gql(ALERTS, {}, memberToken)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const before = ok(await gql(HISTORY, {}, owner.token)).licenseHistory.edges.length;
    for (const [input, field, rule] of [
      [{ availableAtMost: 2, usedPercentAtLeast: 50 }, 'usedPercentAtLeast', 'exactlyOneOf'],
      [{ availableAtMost: -1 }, 'availableAtMost', 'min'],
      [{ usedPercentAtLeast: 101 }, 'usedPercentAtLeast', 'max'],
    ] as const) {
      const answer = await gql(SET_ALERT, { input: { product: 'VIDEO_MEETING', ...input } }, owner.token);
      expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(answer.errors?.[0]?.extensions?.fields).toEqual([{ field, rules: [expect.objectContaining({ rule })] }]);
    }
    expect(ok(await gql(HISTORY, {}, owner.token)).licenseHistory.edges.length).toBe(before);
    expect(await alertOf(gql, owner.token, 'VIDEO_MEETING')).toMatchObject({ availableAtMost: 2 });
  });

  it('the crossings are in the export, in published alert- streams', async () => {
    const out = capture(server.dataDir);
    expect(await runExport(['--data-dir', server.dataDir, '--types', 'SeatThresholdCrossed'], out.io)).toBe(0);
    const lines = out
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const ours = lines.filter((line) => line.metadata.accountId === owner.accountId);
    expect(ours.map((line) => line.stream)).toEqual([
      `alert-${owner.accountId}-VIDEO_MEETING`,
      `alert-${owner.accountId}-VIDEO_MEETING`,
      `alert-${owner.accountId}-WEBINAR`,
    ]);
    // As the system, caused by the event that moved the counts.
    expect(ours[0].metadata).toMatchObject({ actorId: 'system', causationId: expect.any(String) });
  });

  it('replay --verify agrees with the alert streams', async () => {
    const out = capture(server.dataDir);
    const code = await runReplay(['--verify', '--data-dir', server.dataDir], out.io);
    expect({ code, stdout: out.stdout() }).toMatchObject({ code: 0 });
    expect(out.stdout()).toMatch(/compared 3 seat alert streams \(4 crossings\)[^\n]*: 0 differ/);
  });
});
