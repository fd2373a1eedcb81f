// Disk trouble while serving: the log's file is capped at its current size (the SQLite store's size limit, moved while
// open), as a full disk looks to it. Mutations answer SERVICE_UNAVAILABLE and append nothing (not half a sign-up
// either), reads go on, and writes resume when the space is back. The deactivation reactor does not give up on a
// revocation while the disk is full.
import path from 'node:path';
import Database from 'better-sqlite3';
import { createApplication } from '../../src/application/create-application';
import { checkInvariants } from '../../src/cli/replay';
import { type RunningSeatledger, startSeatledger } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import { EVENT_UPCASTERS } from '../../src/domain/event-schemas';
import { eventsFile } from '../../src/eventstore/open';
import { openSqliteEventStore, type SqliteEventStore } from '../../src/eventstore/sqlite';
import { withUpcasting } from '../../src/eventstore/upcasting';
import { createLogger } from '../../src/logger';
import { openNotificationsDb } from '../../src/notifications/db';
import { createDeactivationReactor } from '../../src/notifications/deactivation-reactor';
import { LogConsumer } from '../../src/processing/log-consumer';
import {
  ASSIGN,
  createUser,
  type Gql,
  graphqlClient,
  ok,
  PASSWORD,
  purchase,
  REVOKE,
  type SignedUpAccount,
  signUpAccount,
  TEST_AUTH_SECRET,
  uniqueEmail,
} from '../support/seatledger';
import { makeTempDir } from '../support/temp-dir';
import { headOf, sleep } from './support';

jest.setTimeout(60_000);

const PURCHASE = `mutation ($q: Int!) {
  purchaseLicenses(input: { product: VIDEO_MEETING, plan: "video-standard", quantity: $q }) { subscription { seats { purchased } } }
}`;
const FILLER =
  'mutation { purchaseLicenses(input: { product: WEBINAR, plan: "webinar-100", quantity: 1 }) { subscription { id } } }';
const CREATE_USER = 'mutation ($input: CreateUserInput!) { createUser(input: $input) { user { id } } }';
const SIGN_UP = 'mutation ($input: SignUpInput!) { signUp(input: $input) { token } }';
const DEACTIVATE = 'mutation ($userId: ID!) { deactivateUser(input: { userId: $userId }) { user { id active } } }';
const UPGRADE =
  'mutation { upgradePlan(input: { product: VIDEO_MEETING, plan: "video-pro" }) { subscription { plan { id } } } }';
const READS = `{
  me { id }
  users(first: 50) { totalCount }
  seatAvailability(product: VIDEO_MEETING) { purchased assigned }
  licenseHistory(first: 5) { edges { node { type } } }
}`;

describe('a full disk while serving', () => {
  const temp = makeTempDir('seatledger-disk-');
  let store: SqliteEventStore;
  let running: RunningSeatledger;
  let gql: Gql;
  let owner: SignedUpAccount;

  beforeAll(async () => {
    const config = loadConfig(
      { SEATLEDGER_DATA_DIR: temp.dir, PORT: '0', LOG_LEVEL: 'silent', AUTH_SECRET: TEST_AUTH_SECRET },
      temp.dir,
    );
    running = await startSeatledger({
      config,
      logger: createLogger({ level: 'silent' }),
      // The deactivation reactor is run by hand below, against the full disk.
      reactors: false,
      // deactivateUser waits this long for revocations no reactor here makes.
      readYourWritesTimeoutMs: 1000,
      openEventStore: () => {
        store = openSqliteEventStore({ file: eventsFile(temp.dir) });
        return store;
      },
    });
    gql = graphqlClient(running.url);
    owner = await signUpAccount(gql, 'Full Disk Ltd');
    await purchase(gql, owner.token, 5);
  });
  afterAll(async () => {
    await running?.close();
    temp.cleanup();
  });

  /** Caps the log at its current size and appends until a write is refused: the disk is now full. */
  async function fillDisk(): Promise<void> {
    store.setMaxSizeBytes(0);
    for (let i = 0; i < 500; i++) {
      const result = await gql(FILLER, undefined, owner.token);
      if (result.codes[0] === 'SERVICE_UNAVAILABLE') return;
      ok(result);
    }
    throw new Error('the capped log kept taking writes');
  }

  it('refuses every mutation with SERVICE_UNAVAILABLE, writes nothing, keeps reading, and resumes', async () => {
    const holder = await createUser(gql, owner.token);
    const other = await createUser(gql, owner.token);
    ok(await gql(ASSIGN, { userId: holder.id, product: 'VIDEO_MEETING' }, owner.token));
    const readsBefore = ok(await gql(READS, undefined, owner.token));

    await fillDisk();
    const head = await headOf(temp.dir);
    const newEmail = uniqueEmail('during-outage');
    const signUpEmail = uniqueEmail('signup-outage');
    const refused: [string, () => ReturnType<Gql>][] = [
      ['purchaseLicenses', () => gql(PURCHASE, { q: 2 }, owner.token)],
      ['upgradePlan', () => gql(UPGRADE, undefined, owner.token)],
      ['assignLicense', () => gql(ASSIGN, { userId: other.id, product: 'VIDEO_MEETING' }, owner.token)],
      ['revokeLicense', () => gql(REVOKE, { userId: holder.id, product: 'VIDEO_MEETING' }, owner.token)],
      ['createUser', () => gql(CREATE_USER, { input: { email: newEmail, name: 'Nova' } }, owner.token)],
      ['deactivateUser', () => gql(DEACTIVATE, { userId: other.id }, owner.token)],
      [
        'signUp',
        () =>
          gql(SIGN_UP, {
            input: { accountName: 'Late Co', ownerName: 'Late Owner', ownerEmail: signUpEmail, password: PASSWORD },
          }),
      ],
    ];
    for (const [name, request] of refused) {
      const result = await request();
      expect([name, result.codes]).toEqual([name, ['SERVICE_UNAVAILABLE']]);
      expect(result.errors?.[0]?.message).toMatch(/nothing was changed/);
      expect(await headOf(temp.dir)).toBe(head);
    }

    // Reads go on, from the read models and the log alike, with the tokens already issued. Signing in starts a
    // session, which is recorded in the log (so it can be ended): refused like every write, nothing half-issued.
    const readsDuring = ok(await gql(READS, undefined, owner.token));
    expect(readsDuring.me).toEqual(readsBefore.me);
    expect(readsDuring.users).toEqual(readsBefore.users);
    expect(readsDuring.seatAvailability.assigned).toBe(readsBefore.seatAvailability.assigned);
    expect(readsDuring.licenseHistory.edges.length).toBeGreaterThan(0);
    const login = await gql('mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', {
      e: owner.email,
      p: PASSWORD,
    });
    expect(login.codes).toEqual(['SERVICE_UNAVAILABLE']);
    expect(await headOf(temp.dir)).toBe(head);

    // The log is whole: no torn page, every invariant holds.
    const check = new Database(eventsFile(temp.dir), { readonly: true });
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    check.close();
    const audit = openSqliteEventStore({ file: eventsFile(temp.dir), readonly: true });
    expect((await checkInvariants(audit)).violations).toEqual([]);
    await audit.close();

    // Space is back: the same requests go through, including the e-mails tried during the outage.
    store.setMaxSizeBytes(null);
    ok(
      await gql('mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', {
        e: owner.email,
        p: PASSWORD,
      }),
    );
    ok(await gql(PURCHASE, { q: 2 }, owner.token));
    ok(await gql(UPGRADE, undefined, owner.token));
    ok(await gql(ASSIGN, { userId: other.id, product: 'VIDEO_MEETING' }, owner.token));
    ok(await gql(REVOKE, { userId: holder.id, product: 'VIDEO_MEETING' }, owner.token));
    const nova = ok(await gql(CREATE_USER, { input: { email: newEmail, name: 'Nova' } }, owner.token)).createUser.user;
    ok(
      await gql(SIGN_UP, {
        input: { accountName: 'Late Co', ownerName: 'Late Owner', ownerEmail: signUpEmail, password: PASSWORD },
      }),
    );
    // Nova holds no licence: with no reactor here, deactivating a holder would wait for revocations that never come.
    expect(ok(await gql(DEACTIVATE, { userId: nova.id }, owner.token)).deactivateUser.user.active).toBe(false);
  });

  it('revokes a deactivated user’s licence once the disk is back, however long it was full', async () => {
    const leaver = await createUser(gql, owner.token);
    ok(await gql(ASSIGN, { userId: leaver.id, product: 'VIDEO_MEETING' }, owner.token));
    // No reactor runs in the server: the deactivation is in the log, its revocation not yet (so it is answered as
    // committed but not yet visible, once the read-your-writes wait is over).
    const deactivated = await gql(DEACTIVATE, { userId: leaver.id }, owner.token);
    expect(deactivated.errors?.[0]?.extensions?.code).toBe('COMMITTED_NOT_YET_VISIBLE');
    await fillDisk();

    // The reactor's own connection is capped too: the disk is full for every writer.
    const reactorLog = openSqliteEventStore({ file: eventsFile(temp.dir) });
    reactorLog.setMaxSizeBytes(0);
    const reactorStore = withUpcasting(reactorLog, EVENT_UPCASTERS);
    const db = openNotificationsDb(path.join(temp.dir, 'reactor-under-test'));
    const consumer = new LogConsumer({ store: reactorStore, retry: { baseMs: 20, maxMs: 200 } });
    await consumer.start();
    const reactor = createDeactivationReactor({
      store: reactorStore,
      consumer,
      app: createApplication({ store: reactorStore }),
      db,
      logger: createLogger({ level: 'silent' }),
      // Far shorter than the outage: a reactor that gives up after its retries loses the revocation.
      retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20 },
    });
    const started = reactor.start().catch(() => undefined);
    try {
      await sleep(300);
      store.setMaxSizeBytes(null);
      reactorLog.setMaxSizeBytes(null);
      const deadline = Date.now() + 10_000;
      let holders = -1;
      while (Date.now() < deadline) {
        const user = ok(
          await gql('query ($id: ID!) { user(id: $id) { licenses { product } } }', { id: leaver.id }, owner.token),
        );
        holders = user.user.licenses.length;
        if (holders === 0) break;
        await sleep(100);
      }
      expect(holders).toBe(0);
    } finally {
      await reactor.stop();
      await started;
      await consumer.stop();
      db.close();
      await reactorStore.close();
    }
  });
});
