// `seatledger backup` and `restore` against the real server (the built binary, `npm run build`): a backup taken during
// a storm of concurrent assigns and revokes holds every mutation acknowledged before it began; a restored data dir
// serves what the log says (`replay --verify` exit 0); a backup of a quiet server restores to exactly the same answers
// (seats, users, history, mail deliveries), tokens of the original still valid (--with-secrets), and no mail sent
// again; refusals: an existing target, a failing backup (nothing left behind), a non-empty dir, a running server's dir,
// a backup that does not match its manifest (the dir left as found), a backup whose log lost index entries (the quick
// check reads them); --full-check checks with integrity_check. A deactivation's revocations cut off by the
// backup are redone after the restore (the log-internal reactors fold the log again).
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { eventually } from '../notifications/support';
import {
  type ChildSeatledger,
  headOf,
  runCli,
  sleep,
  startChildSeatledger,
  waitUntilReady,
} from '../reliability/support';
import {
  ASSIGN,
  createUser,
  type Gql,
  login,
  ok,
  purchase,
  REVOKE,
  type SignedUpAccount,
  signUpAccount,
} from '../support/seatledger';
import { makeTempDir } from '../support/temp-dir';

jest.setTimeout(240_000);

const PRODUCTS = ['VIDEO_MEETING', 'WEBINAR'] as const;
type Product = (typeof PRODUCTS)[number];
const USERS = 24;
const WORKERS = 8;
// No AUTH_SECRET: the server generates `auth-secret` in its data dir, which only --with-secrets carries over.
const ENV = { AUTH_SECRET: '' };

const STATE = `{
  users(first: 500) { edges { node { id email status licenses { product } } } }
  video: seatAvailability(product: VIDEO_MEETING) { purchased assigned available }
  webinar: seatAvailability(product: WEBINAR) { purchased assigned available }
}`;

const HISTORY = `query ($after: String) {
  licenseHistory(first: 500, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id position type data occurredAt } }
  }
}`;

const DELIVERIES = `query ($status: DeliveryStatus) {
  notifications(first: 100, status: $status) { totalCount edges { node { eventId kind status attempts } } }
}`;

const DEACTIVATE = `mutation ($userId: ID!) { deactivateUser(input: { userId: $userId }) { user { id } } }`;
const USER_LICENCES = 'query ($id: ID!) { node(id: $id) { ... on User { licenses { product } } } }';

const key = (userId: string, product: Product) => `${userId} ${product}`;

interface Counts {
  assigns: number;
  revokes: number;
}

/** Concurrent workers toggling licences; each (user, product) belongs to one worker, so its requests are in order. */
function startStorm(gql: Gql, token: string, userIds: readonly string[]) {
  const held = new Map<string, boolean>();
  const sent = new Map<string, Counts>();
  const ackedBeforeBackup = new Map<string, Counts>();
  const unexpected: string[] = [];
  let backupBegan = false;
  let stopped = false;
  let acks = 0;
  const bump = (map: Map<string, Counts>, k: string, assign: boolean) => {
    const counts = map.get(k) ?? { assigns: 0, revokes: 0 };
    if (assign) counts.assigns++;
    else counts.revokes++;
    map.set(k, counts);
  };
  const worker = async (index: number) => {
    const mine = userIds.filter((_, i) => i % WORKERS === index);
    while (!stopped) {
      const product = PRODUCTS[Math.floor(Math.random() * PRODUCTS.length)] as Product;
      const userId = mine[Math.floor(Math.random() * mine.length)] as string;
      const k = key(userId, product);
      const assign = held.get(k) !== true;
      bump(sent, k, assign);
      const result = await gql(assign ? ASSIGN : REVOKE, { userId, product }, token);
      if (assign ? result.data?.assignLicense : result.data?.revokeLicense) {
        held.set(k, assign);
        acks++;
        if (!backupBegan) bump(ackedBeforeBackup, k, assign);
      } else if (assign && result.codes.join() === 'NO_SEATS_AVAILABLE') {
        // Refused: nothing written, so it does not count as sent either.
        (sent.get(k) as Counts).assigns--;
      } else unexpected.push(`${assign ? 'assign' : 'revoke'} ${k}: ${JSON.stringify(result.errors)}`);
    }
  };
  const done = Promise.all(Array.from({ length: WORKERS }, (_, i) => worker(i)));
  return {
    sent,
    ackedBeforeBackup,
    unexpected,
    acks: () => acks,
    /** From now on an acknowledgement no longer counts as "before the backup". */
    markBackupBegan() {
      backupBegan = true;
    },
    async stop() {
      stopped = true;
      await done;
    },
  };
}

/** Per (user, product), the LicenseAssigned and LicenseRevoked events of a data dir's log, read from the file. */
function licenceEventsOf(dataDir: string): Map<string, Counts & { last: boolean }> {
  const db = new Database(path.join(dataDir, 'events.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        `SELECT type, json_extract(data, '$.userId') AS userId, json_extract(data, '$.product') AS product
           FROM events WHERE type IN ('LicenseAssigned', 'LicenseRevoked') ORDER BY position`,
      )
      .all() as { type: string; userId: string; product: Product }[];
    const counts = new Map<string, Counts & { last: boolean }>();
    for (const row of rows) {
      const k = key(row.userId, row.product);
      const entry = counts.get(k) ?? { assigns: 0, revokes: 0, last: false };
      if (row.type === 'LicenseAssigned') entry.assigns++;
      else entry.revokes++;
      entry.last = row.type === 'LicenseAssigned';
      counts.set(k, entry);
    }
    return counts;
  } finally {
    db.close();
  }
}

const modeOf = (file: string) => fs.statSync(file).mode & 0o777;
const outboxCount = (dataDir: string) =>
  fs.existsSync(path.join(dataDir, 'outbox'))
    ? fs.readdirSync(path.join(dataDir, 'outbox')).filter((name) => name.endsWith('.eml')).length
    : 0;
const listing = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : null);

async function fullHistory(gql: Gql, token: string): Promise<unknown[]> {
  const nodes: unknown[] = [];
  let after: string | null = null;
  for (;;) {
    const page: {
      totalCount: number;
      pageInfo: { hasNextPage: boolean; endCursor: string };
      edges: { node: unknown }[];
    } = ok(await gql(HISTORY, { after }, token)).licenseHistory;
    nodes.push(...page.edges.map((edge) => edge.node));
    if (!page.pageInfo.hasNextPage) return nodes;
    after = page.pageInfo.endCursor;
  }
}

/** Everything a client of the account can see that a backup must carry: seats, users, history, mail deliveries. */
async function answers(gql: Gql, token: string) {
  const state = ok(await gql(STATE, undefined, token));
  const deliveries = ok(await gql(DELIVERIES, {}, token)).notifications;
  return { state, history: await fullHistory(gql, token), deliveries };
}

/** Polls until the account has no PENDING mail delivery (the notifier has sent everything it recorded). */
async function mailSettled(gql: Gql, token: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = ok(await gql(DELIVERIES, { status: 'PENDING' }, token)).notifications.totalCount;
    if (pending === 0) return;
    if (Date.now() > deadline) throw new Error(`${pending} deliveries still pending`);
    await sleep(100);
  }
}

describe('backup and restore', () => {
  const temp = makeTempDir('seatledger-backup-');
  const originalDir = path.join(temp.dir, 'original');
  let original: ChildSeatledger;
  let owner: SignedUpAccount;
  let userIds: string[];
  const others: ChildSeatledger[] = [];

  beforeAll(async () => {
    original = await startChildSeatledger(originalDir, { env: ENV });
    owner = await signUpAccount(original.gql);
    userIds = [];
    for (let i = 0; i < USERS; i++) userIds.push((await createUser(original.gql, owner.token)).id);
    // Fewer video seats than users, so refusals are part of the storm too.
    await purchase(original.gql, owner.token, 18, 'VIDEO_MEETING');
    await purchase(original.gql, owner.token, 30, 'WEBINAR');
  });

  afterAll(async () => {
    for (const server of others) await server.kill();
    await original?.kill();
    temp.cleanup();
  });

  test('a backup during a write storm holds every mutation acknowledged before it began; its restore serves what it holds', async () => {
    const storm = startStorm(original.gql, owner.token, userIds);
    while (storm.acks() < 150) await sleep(20);
    // Everything acknowledged so far is at or below this head; the backup must reach at least this far.
    storm.markBackupBegan();
    const acksAtBegin = storm.acks();
    const headBefore = (await headOf(originalDir)) as string;
    const target = path.join(temp.dir, 'storm-backup');
    const backup = await runCli(['backup', target, '--data-dir', originalDir]);
    const acksDuringBackup = storm.acks();
    await storm.stop();
    expect(storm.unexpected).toEqual([]);
    expect(backup.stderr).not.toMatch(/error/i);
    expect(backup.code).toBe(0);
    // Writers were served while the backup ran.
    expect(acksDuringBackup).toBeGreaterThan(acksAtBegin);

    const manifest = JSON.parse(fs.readFileSync(path.join(target, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 1, secrets: [] });
    expect(manifest.lastPosition >= headBefore).toBe(true);
    expect(backup.stdout).toContain(
      `${manifest.events.toLocaleString('en')} events up to position ${manifest.lastPosition}`,
    );
    expect(backup.stdout).toMatch(/^quick check \(quick_check\): ok$/m);
    expect(listing(target)).toEqual(['events.db', 'manifest.json', 'notifications.db']);
    expect(modeOf(target)).toBe(0o700);
    for (const name of listing(target) ?? []) expect(modeOf(path.join(target, name))).toBe(0o600);
    // No temp dir of the backup is left beside the target.
    expect(listing(temp.dir)).toEqual(['original', 'storm-backup']);

    const restoredDir = path.join(temp.dir, 'restored-storm');
    const restore = await runCli(['restore', target, '--data-dir', restoredDir]);
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    expect(restore.stdout).toContain(
      `restored ${manifest.events.toLocaleString('en')} events up to position ${manifest.lastPosition}`,
    );
    expect(modeOf(restoredDir)).toBe(0o700);

    // Every acknowledged mutation is in the restored log; nothing is there that was never sent.
    const restoredLog = licenceEventsOf(restoredDir);
    const missing: string[] = [];
    for (const [k, acked] of storm.ackedBeforeBackup) {
      const found = restoredLog.get(k) ?? { assigns: 0, revokes: 0, last: false };
      const sent = storm.sent.get(k) as Counts;
      if (found.assigns < acked.assigns || found.revokes < acked.revokes) {
        missing.push(`${k}: acknowledged ${JSON.stringify(acked)}, restored ${JSON.stringify(found)}`);
      }
      if (found.assigns > sent.assigns || found.revokes > sent.revokes) missing.push(`${k}: more than was sent`);
    }
    expect(missing).toEqual([]);

    // The restored server answers what its log says.
    const restored = await startChildSeatledger(restoredDir, { env: ENV });
    others.push(restored);
    await waitUntilReady(restored.base);
    const token = await login(restored.gql, owner.email, owner.password);
    const state = ok(await restored.gql(STATE, undefined, token));
    for (const product of PRODUCTS) {
      const holders = state.users.edges.filter((edge: { node: { licenses: { product: string }[] } }) =>
        edge.node.licenses.some((licence) => licence.product === product),
      );
      for (const { node } of holders) expect(restoredLog.get(key(node.id, product))?.last).toBe(true);
      const seats = product === 'VIDEO_MEETING' ? state.video : state.webinar;
      expect(seats.assigned).toBe(holders.length);
      expect(seats.assigned).toBe([...restoredLog].filter(([k, e]) => e.last && k.endsWith(` ${product}`)).length);
    }
    await restored.stop();

    const verify = await runCli(['replay', '--verify', '--data-dir', restoredDir]);
    expect(verify.stdout).toMatch(/verified: the read models are what the log says/);
    expect(verify.code).toBe(0);
  });

  test('a backup of a quiet server restores to the same answers, with its secrets and without mailing again', async () => {
    await mailSettled(original.gql, owner.token);
    const mailsBefore = outboxCount(originalDir);
    expect(mailsBefore).toBeGreaterThan(0);
    const before = await answers(original.gql, owner.token);
    expect(before.history.length).toBeGreaterThan(150);

    const target = path.join(temp.dir, 'quiet-backup');
    const backup = await runCli(['backup', target, '--data-dir', originalDir, '--with-secrets']);
    expect(backup.code).toBe(0);
    expect(listing(target)).toEqual([
      'auth-secret',
      'events.db',
      'manifest.json',
      'notifications.db',
      'notifier-secret',
      'secret-key',
    ]);
    for (const name of listing(target) ?? []) expect(modeOf(path.join(target, name))).toBe(0o600);
    expect(fs.readFileSync(path.join(target, 'auth-secret'))).toEqual(
      fs.readFileSync(path.join(originalDir, 'auth-secret')),
    );

    // An empty dir that already exists is a fine target.
    const restoredDir = path.join(temp.dir, 'restored-quiet');
    fs.mkdirSync(restoredDir, { mode: 0o755 });
    const restore = await runCli(['restore', target, '--data-dir', restoredDir]);
    expect(restore.code).toBe(0);
    expect(modeOf(restoredDir)).toBe(0o700);

    const restored = await startChildSeatledger(restoredDir, { env: ENV });
    others.push(restored);
    await waitUntilReady(restored.base);
    // The notifier runs and has nothing to send for what was handled before the backup.
    await sleep(1500);
    expect(outboxCount(restoredDir)).toBe(0);
    expect(outboxCount(originalDir)).toBe(mailsBefore);
    // The owner's token from the original is valid here (the same auth secret), and every answer is as it was.
    expect(await answers(restored.gql, owner.token)).toEqual(before);
    // ... but it does send for what comes after: so the zero above means something.
    const newcomer = await createUser(restored.gql, owner.token);
    await purchase(restored.gql, owner.token, 1, 'WEBINAR');
    ok(await restored.gql(ASSIGN, { userId: newcomer.id, product: 'WEBINAR' }, owner.token));
    // Its delivery is recorded a moment after the answer (the notifier's batches wait up to 50 ms, docs/processing.md).
    await eventually(() => expect(outboxCount(restoredDir)).toBe(1));
    await mailSettled(restored.gql, owner.token);
    expect(outboxCount(restoredDir)).toBe(1);
  });

  test('what a log-internal reactor appended after the backup’s head is redone after a restore', async () => {
    // A deactivation whose revocations the backup did not catch: made by cutting them off a backup's log, as a backup
    // taken between the deactivation and its revocations would have it.
    const leaver = await createUser(original.gql, owner.token);
    await purchase(original.gql, owner.token, 1, 'WEBINAR');
    ok(await original.gql(ASSIGN, { userId: leaver.id, product: 'WEBINAR' }, owner.token));
    ok(await original.gql(DEACTIVATE, { userId: leaver.id }, owner.token));
    const target = path.join(temp.dir, 'deactivation-backup');
    expect((await runCli(['backup', target, '--data-dir', originalDir])).code).toBe(0);
    const db = new Database(path.join(target, 'events.db'));
    const deactivatedAt = db
      .prepare(`SELECT position FROM events WHERE type = 'UserDeactivated' AND json_extract(data, '$.userId') = ?`)
      .pluck()
      .get(leaver.id) as number;
    const cut = db.prepare('DELETE FROM events WHERE position > ?').run(deactivatedAt).changes;
    const { events, last } = db.prepare('SELECT count(*) AS events, max(position) AS last FROM events').get() as {
      events: number;
      last: number;
    };
    db.close();
    expect(cut).toBeGreaterThan(0);
    const manifestFile = path.join(target, 'manifest.json');
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    fs.writeFileSync(
      manifestFile,
      JSON.stringify({ ...manifest, events, lastPosition: String(last).padStart(manifest.lastPosition.length, '0') }),
    );

    const restoredDir = path.join(temp.dir, 'restored-deactivation');
    expect((await runCli(['restore', target, '--data-dir', restoredDir])).code).toBe(0);
    const restored = await startChildSeatledger(restoredDir, { env: ENV });
    others.push(restored);
    await waitUntilReady(restored.base);
    const token = await login(restored.gql, owner.email, owner.password);
    const deadline = Date.now() + 10_000;
    let licences: unknown[] = ['WEBINAR'];
    while (licences.length > 0 && Date.now() < deadline) {
      await sleep(100);
      const user = ok(await restored.gql(USER_LICENCES, { id: leaver.id }, token)).node;
      licences = user.licenses;
    }
    expect(licences).toEqual([]);
  });

  test('a backup to an existing target is refused, with one line and nothing written', async () => {
    const target = path.join(temp.dir, 'quiet-backup');
    const before = listing(target);
    const parentBefore = listing(temp.dir);
    const result = await runCli(['backup', target, '--data-dir', originalDir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^seatledger backup: .*quiet-backup already exists/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(listing(target)).toEqual(before);
    expect(listing(temp.dir)).toEqual(parentBefore);
  });

  test('a backup that fails half-way leaves nothing behind', async () => {
    const broken = path.join(temp.dir, 'broken');
    fs.mkdirSync(broken);
    fs.writeFileSync(
      path.join(broken, 'events.db'),
      'not a database, though long enough to look like a header '.repeat(20),
    );
    const parentBefore = listing(temp.dir);
    const result = await runCli(['backup', path.join(temp.dir, 'never'), '--data-dir', broken]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^seatledger backup: /);
    expect(listing(temp.dir)).toEqual(parentBefore);
  });

  test('restore refuses a non-empty dir and a running server’s dir, and touches neither', async () => {
    const target = path.join(temp.dir, 'quiet-backup');
    const busy = path.join(temp.dir, 'not-empty');
    fs.mkdirSync(busy);
    fs.writeFileSync(path.join(busy, 'keep.txt'), 'mine');
    const refused = await runCli(['restore', target, '--data-dir', busy]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^seatledger restore: .*not-empty is not empty/);
    expect(listing(busy)).toEqual(['keep.txt']);

    const originalBefore = listing(originalDir);
    const running = await runCli(['restore', target, '--data-dir', originalDir]);
    expect(running.code).toBe(1);
    expect(running.stderr).toMatch(new RegExp(`in use by seatledger process ${original.pid}`));
    expect(running.stderr.trim().split('\n')).toHaveLength(1);
    expect(listing(originalDir)).toEqual(originalBefore);
    expect((await fetch(`${original.base}/healthz`)).status).toBe(200);
  });

  test('restore refuses a backup that is not what its manifest says, and leaves the dir as it found it', async () => {
    const tampered = path.join(temp.dir, 'tampered-backup');
    fs.cpSync(path.join(temp.dir, 'quiet-backup'), tampered, { recursive: true });
    const manifestFile = path.join(tampered, 'manifest.json');
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    fs.writeFileSync(manifestFile, JSON.stringify({ ...manifest, events: manifest.events + 1 }));

    const newDir = path.join(temp.dir, 'restored-tampered');
    const refused = await runCli(['restore', tampered, '--data-dir', newDir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^seatledger restore: the restored log has \d+ events .* its manifest says/);
    expect(fs.existsSync(newDir)).toBe(false);

    const emptyDir = path.join(temp.dir, 'empty-given');
    fs.mkdirSync(emptyDir);
    expect((await runCli(['restore', tampered, '--data-dir', emptyDir])).code).toBe(1);
    expect(listing(emptyDir)).toEqual([]);

    const missing = await runCli(['restore', path.join(temp.dir, 'no-such-backup'), '--data-dir', newDir]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^seatledger restore: no backup at /);
    expect(fs.existsSync(newDir)).toBe(false);
  });

  test('the quick check refuses a log whose id index lost an entry; --full-check runs integrity_check', async () => {
    const damaged = path.join(temp.dir, 'damaged-backup');
    fs.cpSync(path.join(temp.dir, 'quiet-backup'), damaged, { recursive: true });
    // A twin of the id index holding one entry fewer, swapped in for it: every b-tree page is still used once and
    // whole, so only a check that counts index entries against the table's rows finds it.
    const db = new Database(path.join(damaged, 'events.db'));
    db.unsafeMode(true);
    db.exec(`CREATE TABLE twin (position INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
      INSERT INTO twin SELECT position, id FROM events WHERE position > (SELECT min(position) FROM events);`);
    const rootOf = (name: string) =>
      (db.prepare('SELECT rootpage FROM sqlite_schema WHERE name = ?').get(name) as { rootpage: number }).rootpage;
    const [ours, twins] = [rootOf('sqlite_autoindex_events_1'), rootOf('sqlite_autoindex_twin_1')];
    db.pragma('writable_schema = ON');
    db.prepare('UPDATE sqlite_schema SET rootpage = ? WHERE name = ?').run(twins, 'sqlite_autoindex_events_1');
    db.prepare('UPDATE sqlite_schema SET rootpage = ? WHERE name = ?').run(ours, 'sqlite_autoindex_twin_1');
    db.close();
    const refused = await runCli(['restore', damaged, '--data-dir', path.join(temp.dir, 'restored-damaged')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^seatledger restore: the restored log failed its check: .*wrong # of entries in index sqlite_autoindex_events_1/,
    );
    expect(fs.existsSync(path.join(temp.dir, 'restored-damaged'))).toBe(false);

    // The same log as a data dir: the backup's quick check, which runs over the copied snapshot beside the copy,
    // refuses it, and nothing is left behind.
    const damagedDataDir = path.join(temp.dir, 'damaged-data-dir');
    fs.mkdirSync(damagedDataDir);
    fs.copyFileSync(path.join(damaged, 'events.db'), path.join(damagedDataDir, 'events.db'));
    const parentBefore = listing(temp.dir);
    const backupOfDamaged = await runCli([
      'backup',
      path.join(temp.dir, 'backup-of-damaged'),
      '--data-dir',
      damagedDataDir,
    ]);
    expect(backupOfDamaged.code).toBe(1);
    expect(backupOfDamaged.stderr).toMatch(
      /^seatledger backup: the copy failed its quick check \(quick_check\): .*wrong # of entries in index sqlite_autoindex_events_1/,
    );
    expect(listing(temp.dir)).toEqual(parentBefore);

    const full = await runCli([
      'backup',
      path.join(temp.dir, 'full-checked'),
      '--data-dir',
      originalDir,
      '--full-check',
    ]);
    expect(full.stderr).not.toMatch(/error/i);
    expect(full.code).toBe(0);
    expect(full.stdout).toMatch(/^integrity check \(integrity_check\): ok$/m);
  });
});
