// The log watch and the command handler: while the watch is live, a cached stream state is served without reading
// its stream, until the watch reports a later event of it (here: written by another process on the same file).

import { createApplication } from '../../src/application/create-application';
import { LogWatch } from '../../src/application/log-watch';
import { userStream } from '../../src/domain/streams';
import type { EventStore } from '../../src/eventstore/port';
import { openSqliteEventStore } from '../../src/eventstore/sqlite';
import { LogConsumer } from '../../src/processing/log-consumer';
import { addUser, openWorld, signUp, type TestWorld } from './support';

/** The store, counting readStream calls per stream. */
function countingReads(store: EventStore): { store: EventStore; reads: (stream: string) => number } {
  const reads = new Map<string, number>();
  const counted: EventStore = Object.create(store);
  counted.readStream = (stream, options) => {
    reads.set(stream, (reads.get(stream) ?? 0) + 1);
    return store.readStream(stream, options);
  };
  return { store: counted, reads: (stream) => reads.get(stream) ?? 0 };
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('application: the log watch', () => {
  let world: TestWorld;
  let watch: LogWatch;
  let consumer: LogConsumer;
  beforeEach(async () => {
    world = await openWorld();
    watch = new LogWatch();
    consumer = new LogConsumer({ store: world.store });
    const caughtUp = consumer.add(watch);
    await consumer.start();
    await caughtUp;
  });
  afterEach(async () => {
    await consumer.stop();
    await world.close();
  });

  it('serves a cached state without reading its stream until another process writes to it', async () => {
    const { store, reads } = countingReads(world.store);
    const app = createApplication({ store, watch });
    const { owner } = await signUp(app);
    const ann = await addUser(app, owner, 'ann@example.com');
    const stream = userStream(ann.userId);

    await app.loadUser(ann.userId);
    const before = reads(stream);
    for (let i = 0; i < 5; i++) expect((await app.loadUser(ann.userId)).status).toBe('active');
    expect(reads(stream)).toBe(before);

    // Another process on the same file makes ann an admin: once the watch sees it, the next load reads it.
    const otherStore = openSqliteEventStore({ file: world.file });
    try {
      await createApplication({ store: otherStore }).changeUserRole(owner, { userId: ann.userId, role: 'ADMIN' });
      await eventually(async () => {
        const state = await app.loadUser(ann.userId);
        return state.status === 'active' && state.role === 'ADMIN';
      });
      expect(reads(stream)).toBeGreaterThan(before);
    } finally {
      await otherStore.close();
    }
  });

  it('checks a refusal against the log: a state the watch has not caught up with yet does not refuse', async () => {
    const app = createApplication({ store: world.store, watch });
    const { owner } = await signUp(app);
    const ann = await addUser(app, owner, 'ann@example.com');
    await app.purchaseLicenses(owner, { product: 'VIDEO_MEETING', planId: 'video-standard', quantity: 1 });
    await app.assignLicense(owner, { userId: ann.userId, product: 'VIDEO_MEETING' });

    const otherStore = openSqliteEventStore({ file: world.file });
    try {
      await createApplication({ store: otherStore }).revokeLicense(owner, {
        userId: ann.userId,
        product: 'VIDEO_MEETING',
      });
      // At once, before the watch's next look at the file: the cached state still says ann holds the licence.
      await expect(app.assignLicense(owner, { userId: ann.userId, product: 'VIDEO_MEETING' })).resolves.toHaveProperty(
        'position',
      );
    } finally {
      await otherStore.close();
    }
  });

  it('reads every time once the consumer stopped', async () => {
    const { store, reads } = countingReads(world.store);
    const app = createApplication({ store, watch });
    const { owner } = await signUp(app);
    const stream = userStream(owner.actor.userId);
    await app.loadUser(owner.actor.userId);
    await consumer.stop();
    const before = reads(stream);
    await app.loadUser(owner.actor.userId);
    await app.loadUser(owner.actor.userId);
    expect(reads(stream)).toBe(before + 2);
  });
});
