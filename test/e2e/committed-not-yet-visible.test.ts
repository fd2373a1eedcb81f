// A committed write is never answered as a failure. A real server whose read models cannot advance (another
// connection holds the write lock on readmodels.db, so no batch can commit) keeps taking writes and answers them
// from what the write side decided: no INTERNAL_SERVER_ERROR, assignLicense's seats as the subscription stream
// holds them, and a retried purchase with the same idempotency key buys once.
import path from 'node:path';
import Database from 'better-sqlite3';
import { type RunningSeatledger, startSeatledger } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import { subscriptionStream } from '../../src/domain/streams';
import { openSqliteEventStore } from '../../src/eventstore/sqlite';
import { createLogger } from '../../src/logger';
import {
  ASSIGN,
  createUser,
  type Gql,
  graphqlClient,
  ok,
  PASSWORD,
  purchase,
  type SignedUpAccount,
  signUpAccount,
  uniqueEmail,
} from '../support/seatledger';
import { makeTempDir } from '../support/temp-dir';

const PURCHASE = `mutation ($input: PurchaseLicensesInput!) {
  purchaseLicenses(input: $input) { subscription { id product plan { id } seats { purchased assigned available } } }
}`;
const CREATE_USER = `mutation ($input: CreateUserInput!) {
  createUser(input: $input) { user { id email name role active createdAt } }
}`;
const SEATS = 'query ($product: Product!) { seatAvailability(product: $product) { purchased assigned available } }';

describe('a committed write while the read models are stalled', () => {
  const temp = makeTempDir('seatledger-stalled-');
  let server: RunningSeatledger;
  let gql: Gql;
  let owner: SignedUpAccount;
  let bob: { id: string };
  let lock: Database.Database | undefined;

  beforeAll(async () => {
    const config = loadConfig(
      { SEATLEDGER_DATA_DIR: temp.dir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' },
      temp.dir,
    );
    server = await startSeatledger({
      config,
      logger: createLogger({ level: 'silent' }),
      reactors: false,
      readYourWritesTimeoutMs: 300,
    });
    gql = graphqlClient(server.url);
    // Before the stall, everything is visible as usual.
    owner = await signUpAccount(gql, 'Stalled');
    bob = await createUser(gql, owner.token);
    await purchase(gql, owner.token, 2, 'WEBINAR');
    expect(ok(await gql(SEATS, { product: 'WEBINAR' }, owner.token)).seatAvailability.purchased).toBe(2);

    // The stall: a second connection takes and keeps the write lock, so no projection batch can commit.
    lock = new Database(path.join(temp.dir, 'readmodels.db'));
    lock.exec('BEGIN IMMEDIATE');
  });

  afterAll(async () => {
    if (lock?.inTransaction) lock.exec('ROLLBACK');
    lock?.close();
    await server?.close();
    temp.cleanup();
  });

  it('assignLicense answers the licence, the user and the seats from the write side', async () => {
    const result = await gql(ASSIGN, { userId: bob.id, product: 'WEBINAR' }, owner.token);
    expect(result.codes).toEqual([]);
    const { assignLicense } = ok(result);
    expect(assignLicense.seats).toEqual({ product: 'WEBINAR', purchased: 2, assigned: 1, available: 1 });
    expect(assignLicense.license).toMatchObject({
      product: 'WEBINAR',
      plan: { id: 'webinar-100' },
      assignedBy: { id: owner.ownerId },
    });
    expect(assignLicense.user).toEqual({ id: bob.id });
    // The read models really are behind: they still show the seats from before the assignment.
    expect(ok(await gql(SEATS, { product: 'WEBINAR' }, owner.token)).seatAvailability.assigned).toBe(0);
  });

  it('a retried purchase with the same idempotency key buys once, and both answers say so', async () => {
    const input = { product: 'VIDEO_MEETING', plan: 'video-standard', quantity: 3, idempotencyKey: 'stalled-order-1' };
    const first = await gql(PURCHASE, { input }, owner.token);
    const retried = await gql(PURCHASE, { input }, owner.token);
    expect([...first.codes, ...retried.codes]).toEqual([]);
    const expected = {
      id: subscriptionStream(owner.accountId, 'VIDEO_MEETING'),
      product: 'VIDEO_MEETING',
      plan: { id: 'video-standard' },
      seats: { purchased: 3, assigned: 0, available: 3 },
    };
    expect(ok(first).purchaseLicenses.subscription).toEqual(expected);
    expect(ok(retried).purchaseLicenses.subscription).toEqual(expected);

    const log = openSqliteEventStore({ file: path.join(temp.dir, 'events.db') });
    try {
      const purchases: string[] = [];
      for await (const event of log.readStream(subscriptionStream(owner.accountId, 'VIDEO_MEETING'))) {
        if (event.type === 'LicensePurchased') purchases.push(event.id);
      }
      expect(purchases).toHaveLength(1);
    } finally {
      await log.close();
    }
  });

  it('a new user is answered from their stream, with the time they were created', async () => {
    const email = uniqueEmail('late');
    const before = Date.now();
    const result = await gql(CREATE_USER, { input: { email, name: 'Late Larry', role: 'ADMIN' } }, owner.token);
    expect(result.codes).toEqual([]);
    const { user } = ok(result).createUser;
    expect(user).toMatchObject({ email, name: 'Late Larry', role: 'ADMIN', active: true });
    expect(Date.parse(user.createdAt)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('a sign-up is answered with its token, account and owner from the write side', async () => {
    const email = uniqueEmail('late-owner');
    const result = await gql(
      `mutation ($input: SignUpInput!) {
        signUp(input: $input) { token account { id name owner { id } } owner { id email name role active } }
      }`,
      { input: { accountName: '  Late Ltd ', ownerName: 'Lara Late', ownerEmail: email, password: PASSWORD } },
    );
    expect(result.codes).toEqual([]);
    const { signUp } = ok(result);
    expect(signUp.token).toEqual(expect.any(String));
    expect(signUp.account).toEqual({ id: expect.any(String), name: 'Late Ltd', owner: { id: signUp.owner.id } });
    expect(signUp.owner).toMatchObject({ email, name: 'Lara Late', role: 'OWNER', active: true });
  });

  it('readiness reports the stall (503) while the writes above were answered', async () => {
    const ready = await fetch(new URL('/readyz', server.url));
    expect(ready.status).toBe(503);
  });
});
