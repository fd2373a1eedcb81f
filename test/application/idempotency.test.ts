// Idempotent purchases and unique e-mails under repetition and concurrency, on the real store.
import { emailStreamOf } from '../../src/application/email-reservation';
import { idempotencyStream, subscriptionStream } from '../../src/domain/streams';
import { allEvents, openWorld, outcome, signUp, streamEvents, type TestWorld } from './support';

const purchasesIn = async (world: TestWorld, accountId: string) =>
  (await streamEvents(world.store, subscriptionStream(accountId, 'WEBINAR'))).filter(
    (e) => e.type === 'LicensePurchased',
  );

describe('application: idempotent purchases', () => {
  let world: TestWorld;
  let clock: Date;
  beforeEach(async () => {
    clock = new Date('2025-01-01T00:00:00.000Z');
    world = await openWorld({ now: () => clock });
  });
  afterEach(() => world.close());

  const order = { product: 'WEBINAR' as const, planId: 'webinar-100', quantity: 5 };

  it('the same key and input twice: the first result, one purchase', async () => {
    const { app } = world;
    const { owner, accountId } = await signUp(app);
    const first = await app.purchaseLicenses(owner, { ...order, idempotencyKey: 'order-1' });
    const head = await world.store.headPosition();
    const second = await app.purchaseLicenses(owner, { ...order, idempotencyKey: 'order-1' });
    expect(second).toEqual(first);
    expect(await world.store.headPosition()).toBe(head);
    // A fresh process (cold cache) answers the same.
    expect(await world.openApp().purchaseLicenses(owner, { ...order, idempotencyKey: 'order-1' })).toEqual(first);
    expect(await purchasesIn(world, accountId)).toHaveLength(1);
  });

  it('the same key with another input: IDEMPOTENCY_KEY_REUSED, nothing bought', async () => {
    const { app } = world;
    const { owner, accountId } = await signUp(app);
    await app.purchaseLicenses(owner, { ...order, idempotencyKey: 'order-1' });
    expect(await outcome(app.purchaseLicenses(owner, { ...order, quantity: 6, idempotencyKey: 'order-1' }))).toBe(
      'IDEMPOTENCY_KEY_REUSED',
    );
    expect(await purchasesIn(world, accountId)).toHaveLength(1);
  });

  it('keys belong to an account: another account may use the same key', async () => {
    const { app } = world;
    const acme = await signUp(app, 'acme@example.com');
    const globex = await signUp(app, 'globex@example.com');
    await app.purchaseLicenses(acme.owner, { ...order, idempotencyKey: 'k' });
    await app.purchaseLicenses(globex.owner, { ...order, quantity: 7, idempotencyKey: 'k' });
    expect(await purchasesIn(world, globex.accountId)).toHaveLength(1);
  });

  it('without a key, the same purchase twice buys twice', async () => {
    const { app } = world;
    const { owner, accountId } = await signUp(app);
    await app.purchaseLicenses(owner, order);
    await app.purchaseLicenses(owner, order);
    expect(await purchasesIn(world, accountId)).toHaveLength(2);
  });

  it('10 identical keyed purchases fired at once: exactly one LicensePurchased, one answer', async () => {
    const { app } = world;
    const { owner, accountId } = await signUp(app);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => app.purchaseLicenses(owner, { ...order, idempotencyKey: 'burst' })),
    );
    expect(new Set(results.map((r) => r.position)).size).toBe(1);
    expect(await purchasesIn(world, accountId)).toHaveLength(1);
  });

  it('10 identical keyed purchases at once from two processes: still one purchase', async () => {
    const { owner, accountId } = await signUp(world.app);
    const apps = [world.app, world.openApp({ ownStore: true })];
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        apps[i % 2]!.purchaseLicenses(owner, { ...order, idempotencyKey: 'two-procs' }),
      ),
    );
    expect(new Set(results.map((r) => r.position)).size).toBe(1);
    expect(await purchasesIn(world, accountId)).toHaveLength(1);
  });

  it('a refused keyed purchase leaves the key free for a corrected retry', async () => {
    const { app } = world;
    const { owner, accountId } = await signUp(app);
    await app.purchaseLicenses(owner, order);
    expect(await outcome(app.purchaseLicenses(owner, { ...order, planId: 'webinar-500', idempotencyKey: 'fix' }))).toBe(
      'PLAN_MISMATCH',
    );
    expect(await streamEvents(world.store, idempotencyStream(accountId, 'fix'))).toEqual([]);
    await app.purchaseLicenses(owner, { ...order, idempotencyKey: 'fix' });
    expect(await purchasesIn(world, accountId)).toHaveLength(2);
  });

  it('a claim left by a process that died before buying is taken over once it is old', async () => {
    const { app, store } = world;
    const { owner, accountId } = await signUp(app);
    const orphan = world.openApp();
    // The dead process's claim, exactly as it would have written it.
    await store.appendToStream(
      idempotencyStream(accountId, 'crash'),
      [
        {
          id: crypto.randomUUID(),
          type: 'IdempotencyKeyClaimed',
          data: {
            inputHash: 'unused-until-checked',
            claimId: 'dead',
            stream: subscriptionStream(accountId, 'WEBINAR'),
            fromRevision: 0,
          },
          metadata: {
            accountId,
            actorId: owner.actor.userId,
            occurredAt: clock.toISOString(),
            correlationId: 'c',
            causationId: 'c',
            schemaVersion: 1,
          },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    // While fresh, the claim is someone's work in progress: answer CONFLICT (safe to retry), or reused if the
    // input differs. Here the hash differs: a fresh claim with other input is IDEMPOTENCY_KEY_REUSED.
    expect(await outcome(orphan.purchaseLicenses(owner, { ...order, idempotencyKey: 'crash' }))).toBe(
      'IDEMPOTENCY_KEY_REUSED',
    );
    clock = new Date(clock.getTime() + 60_000);
    const bought = await app.purchaseLicenses(owner, { ...order, idempotencyKey: 'crash' });
    expect(await app.purchaseLicenses(owner, { ...order, idempotencyKey: 'crash' })).toEqual(bought);
    expect(await purchasesIn(world, accountId)).toHaveLength(1);
  });

  it('a claim whose purchase landed before its process died answers that purchase', async () => {
    const { store } = world;
    const { owner, accountId } = await signUp(world.app);
    // A process that crashes right after buying: its completion record is the first append that fails.
    let failCompletion = true;
    const crashing = world.openApp({
      store: {
        ...store,
        readStream: store.readStream.bind(store),
        readAll: store.readAll.bind(store),
        subscribeToAll: store.subscribeToAll.bind(store),
        headPosition: store.headPosition.bind(store),
        close: store.close.bind(store),
        appendToStream: async (stream, events, options) => {
          if (failCompletion && events[0]?.type === 'IdempotencyKeyCompleted') throw new Error('process died');
          return store.appendToStream(stream, events, options);
        },
      },
    });
    const first = await crashing.purchaseLicenses(owner, { ...order, idempotencyKey: 'landed' });
    failCompletion = false;
    clock = new Date(clock.getTime() + 60_000);
    expect(await world.openApp().purchaseLicenses(owner, { ...order, idempotencyKey: 'landed' })).toEqual(first);
    expect(await purchasesIn(world, accountId)).toHaveLength(1);
    const record = await streamEvents(store, idempotencyStream(accountId, 'landed'));
    expect(record.map((e) => e.type)).toEqual(['IdempotencyKeyClaimed', 'IdempotencyKeyCompleted']);
  });
});

describe('application: unique e-mails', () => {
  let world: TestWorld;
  beforeEach(async () => {
    world = await openWorld();
  });
  afterEach(() => world.close());

  it('20 sign-ups with one address in different cases at once: exactly one account', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        outcome(
          world.app.openAccount(
            { correlationId: `c${i}` },
            { accountName: `A${i}`, ownerName: 'Sam', ownerEmail: i % 2 ? 'SAM@example.com' : 'sam@EXAMPLE.com' },
          ),
        ),
      ),
    );
    expect(results.filter((r) => r === 'OK')).toHaveLength(1);
    expect(results.filter((r) => r === 'EMAIL_TAKEN')).toHaveLength(19);
    const opened = (await allEvents(world.store)).filter((e) => e.type === 'AccountOpened');
    expect(opened).toHaveLength(1);
  });

  it('a reservation whose user never came (the process died) blocks the address only for a while', async () => {
    let clock = new Date('2025-01-01T00:00:00.000Z');
    const app = world.openApp({ now: () => clock });
    const { owner, accountId } = await signUp(app, 'olive@example.com');
    await world.store.appendToStream(
      emailStreamOf('Lost@example.com'),
      [
        {
          id: crypto.randomUUID(),
          type: 'EmailReserved',
          data: { userId: 'never-created', accountId },
          metadata: {
            accountId,
            actorId: owner.actor.userId,
            occurredAt: clock.toISOString(),
            correlationId: 'c',
            causationId: 'c',
            schemaVersion: 1,
          },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    expect(await app.findUserByEmail('lost@example.com')).toBeNull();
    const create = () => app.createUser(owner, { email: 'lost@example.com', name: 'Lou', role: 'MEMBER' });
    expect(await outcome(create())).toBe('EMAIL_TAKEN');
    clock = new Date(clock.getTime() + 61_000);
    const { userId } = await create();
    expect(await app.findUserByEmail('LOST@example.com')).toEqual({ userId, accountId });
    expect(await outcome(create())).toBe('EMAIL_TAKEN');
  });
});
