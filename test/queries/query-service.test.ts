// The query service over real parts: the SQLite log, the application writing to it, and the log consumer
// keeping the read models (started, or never started so the read models stay behind). A write is answered
// read-your-writes when the read models get there, from the write side's decided state when they do not, and as
// COMMITTED_NOT_YET_VISIBLE (with its position) only when neither can answer.
import path from 'node:path';
import { allProjections } from '../../projections';
import type { Application, RequestContext } from '../../src/application/application';
import { createApplication } from '../../src/application/create-application';
import { NotFound } from '../../src/domain/errors';
import { openSqliteEventStore, type SqliteEventStore } from '../../src/eventstore/sqlite';
import { createQueryService, type QueryService } from '../../src/queries/query-service';
import { CommittedNotYetVisible } from '../../src/queries/read-your-writes';
import { type FollowedReadModels, followReadModels } from '../support/followed-read-models';
import { makeTempDir } from '../support/temp-dir';

interface World {
  readonly store: SqliteEventStore;
  readonly app: Application;
  readonly runner: FollowedReadModels;
  readonly queries: QueryService;
  close(): Promise<void>;
}

async function openWorld(options: { startProjections: boolean }): Promise<World> {
  const temp = makeTempDir('seatledger-queries-');
  const store = openSqliteEventStore({ file: path.join(temp.dir, 'events.db') });
  const app = createApplication({ store });
  const runner = followReadModels({
    store,
    file: path.join(temp.dir, 'readmodels.db'),
    projections: allProjections,
  });
  if (options.startProjections) await runner.start();
  const queries = createQueryService({ readModels: runner, log: store, readYourWritesTimeoutMs: 100 });
  return {
    store,
    app,
    runner,
    queries,
    async close() {
      queries.close();
      await runner.stop();
      await store.close().catch(() => undefined);
      temp.cleanup();
    },
  };
}

async function signUp(app: Application, name = 'Acme') {
  const opened = await app.openAccount(
    { correlationId: 'signup' },
    { accountName: name, ownerName: `${name} Owner`, ownerEmail: `owner@${name.toLowerCase()}.example` },
  );
  const owner: RequestContext = {
    actor: { userId: opened.ownerUserId, accountId: opened.accountId, role: 'OWNER' },
    correlationId: 'test',
  };
  return { ...opened, owner };
}

describe('query service, read models keeping up', () => {
  let world: World;
  beforeEach(async () => {
    world = await openWorld({ startProjections: true });
  });
  afterEach(() => world.close());

  it('answers a write from the read models once they have passed its position', async () => {
    const { app, queries } = world;
    const { accountId, owner } = await signUp(app);
    const bob = await app.createUser(owner, { email: 'bob@acme.example', name: 'Bob', role: 'MEMBER' });
    const bought = await app.purchaseLicenses(owner, { product: 'WEBINAR', planId: 'webinar-100', quantity: 2 });
    const subscription = await queries.subscriptionAfter(bought, accountId, 'WEBINAR');
    // A read-model row: its seats are read as current, not carried from the write.
    expect(subscription).toMatchObject({ accountId, product: 'WEBINAR', planId: 'webinar-100' });
    expect(subscription.decidedSeats).toBeUndefined();

    const assigned = await app.assignLicense(owner, { userId: bob.userId, product: 'WEBINAR' });
    const answer = await queries.assignmentAfter(assigned, accountId, { userId: bob.userId, product: 'WEBINAR' });
    expect(answer.seats).toEqual({
      accountId,
      product: 'WEBINAR',
      purchased: 2,
      assigned: 1,
      reserved: 0,
      available: 1,
    });
    expect(answer.license).toMatchObject({
      userId: bob.userId,
      planId: 'webinar-100',
      assignedById: owner.actor.userId,
    });
    expect(answer.user).toMatchObject({ id: bob.userId, email: 'bob@acme.example' });
  });

  it('keeps current seat counts in memory only until the read models next change', async () => {
    const { app, queries, runner } = world;
    const { accountId, owner } = await signUp(app);
    const first = await app.purchaseLicenses(owner, { product: 'WEBINAR', planId: 'webinar-100', quantity: 2 });
    await runner.waitForPosition(first.position);
    expect((await queries.seatAvailability(accountId, 'WEBINAR', null)).purchased).toBe(2);
    const second = await app.purchaseLicenses(owner, { product: 'WEBINAR', planId: 'webinar-100', quantity: 3 });
    await runner.waitForPosition(second.position);
    expect((await queries.seatAvailability(accountId, 'WEBINAR', null)).purchased).toBe(5);
    // The past is folded from the subscription's stream.
    const asOf = new Date(Date.now() + 60_000);
    expect(await queries.seatAvailability(accountId, 'WEBINAR', asOf)).toEqual({
      accountId,
      view: { kind: 'asOf', asOf },
      product: 'WEBINAR',
      purchased: 5,
      assigned: 0,
      reserved: 0,
      available: 5,
    });
  });

  it('never answers rows of another account', async () => {
    const { app, queries } = world;
    const acme = await signUp(app, 'Acme');
    const other = await signUp(app, 'Other');
    const created = await app.createUser(other.owner, { email: 'eve@other.example', name: 'Eve', role: 'MEMBER' });
    await queries.userAfter(created, other.accountId, created.userId);
    expect(queries.usersByIds(acme.accountId, [created.userId, acme.ownerUserId])).toEqual([
      null,
      expect.objectContaining({ id: acme.ownerUserId }),
    ]);
    await expect(queries.licenseHistory(acme.accountId, { first: 10, userId: created.userId })).rejects.toThrow(
      NotFound,
    );
    expect(() => queries.account('no-such-account')).toThrow(NotFound);
  });
});

describe('query service, read models stalled (a consumer never started)', () => {
  let world: World;
  beforeEach(async () => {
    world = await openWorld({ startProjections: false });
  });
  afterEach(() => world.close());

  it('answers subscription writes with the seats the write left', async () => {
    const { app, queries } = world;
    const { accountId, owner } = await signUp(app);
    const bought = await app.purchaseLicenses(owner, { product: 'WEBINAR', planId: 'webinar-100', quantity: 4 });
    expect(await queries.subscriptionAfter(bought, accountId, 'WEBINAR')).toEqual({
      id: `subscription-${accountId}-WEBINAR`,
      accountId,
      product: 'WEBINAR',
      planId: 'webinar-100',
      decidedSeats: { accountId, product: 'WEBINAR', purchased: 4, assigned: 0, reserved: 0, available: 4 },
    });
  });

  it('answers an assignment and a revocation from the licence event, the user stream and the seats', async () => {
    const { app, queries, store } = world;
    const { accountId, owner } = await signUp(app);
    const bob = await app.createUser(owner, { email: 'Bob@Acme.example', name: 'Bob', role: 'MEMBER' });
    await app.purchaseLicenses(owner, { product: 'WEBINAR', planId: 'webinar-100', quantity: 2 });
    const assigned = await app.assignLicense(owner, { userId: bob.userId, product: 'WEBINAR' });
    const answer = await queries.assignmentAfter(assigned, accountId, { userId: bob.userId, product: 'WEBINAR' });

    const [created] = await readAll(store.readStream(`user-${bob.userId}`));
    expect(answer).toEqual({
      license: {
        accountId,
        userId: bob.userId,
        product: 'WEBINAR',
        planId: 'webinar-100',
        assignedAt: assigned.license.assignedAt,
        assignedById: owner.actor.userId,
      },
      user: {
        id: bob.userId,
        accountId,
        email: 'Bob@Acme.example',
        name: 'Bob',
        role: 'MEMBER',
        active: true,
        status: 'ACTIVE',
        createdAt: created?.metadata.occurredAt,
      },
      seats: { accountId, product: 'WEBINAR', purchased: 2, assigned: 1, reserved: 0, available: 1 },
      // Nothing read the user's other licences: the request's loader reads them if asked.
      userLicenses: null,
    });

    const revoked = await app.revokeLicense(owner, { userId: bob.userId, product: 'WEBINAR' });
    const after = await queries.revocationAfter(revoked, accountId, { userId: bob.userId, product: 'WEBINAR' });
    expect(after.seats).toEqual({
      accountId,
      product: 'WEBINAR',
      purchased: 2,
      assigned: 0,
      reserved: 0,
      available: 2,
    });
  });

  it('answers a deactivation with the user as their stream now stands', async () => {
    const { app, queries } = world;
    const { accountId, owner } = await signUp(app);
    const bob = await app.createUser(owner, { email: 'bob@acme.example', name: 'Bob', role: 'ADMIN' });
    const written = await app.deactivateUser(owner, { userId: bob.userId });
    expect(await queries.userAfter(written, accountId, bob.userId)).toMatchObject({
      id: bob.userId,
      role: 'ADMIN',
      active: false,
    });
  });

  it('answers COMMITTED_NOT_YET_VISIBLE with the position when the write side cannot be read either', async () => {
    const { app, queries, store } = world;
    const { accountId, owner } = await signUp(app);
    const bob = await app.createUser(owner, { email: 'bob@acme.example', name: 'Bob', role: 'MEMBER' });
    // The log goes out of reach after the write committed: the user's creation time cannot be read back.
    await store.close();
    const answer = queries.userAfter(bob, accountId, bob.userId);
    await expect(answer).rejects.toBeInstanceOf(CommittedNotYetVisible);
    await expect(answer).rejects.toMatchObject({ code: 'COMMITTED_NOT_YET_VISIBLE', position: bob.position });
  });
});

async function readAll<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of iterable) all.push(item);
  return all;
}
