// The handler's stream cache: a command reads only the events after the revision it holds, so a stream of
// thousands of events costs one short read; a stream pushed out of the bounded cache is read again in full.
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../../src/application/application';
import { subscriptionStream } from '../../src/domain/streams';
import type { EventToAppend } from '../../src/eventstore/port';
import { addUser, openWorld, signUp, type TestWorld } from './support';

// One purchase and 10,000 assign/revoke pairs.
const BIG = 20_001;

/** Writes a subscription of BIG events straight into the log, in large appends (how is not what is tested). */
async function bigSubscription(world: TestWorld, owner: RequestContext): Promise<string> {
  const { accountId } = owner.actor;
  const stream = subscriptionStream(accountId, 'VIDEO_MEETING');
  const metadata = {
    accountId,
    actorId: owner.actor.userId,
    occurredAt: new Date().toISOString(),
    correlationId: 'seed',
    causationId: 'seed',
    schemaVersion: 1,
  };
  const event = (type: string, data: Record<string, unknown>): EventToAppend => ({
    id: randomUUID(),
    type,
    data: { accountId, product: 'VIDEO_MEETING', ...data },
    metadata,
  });
  const events = [event('LicensePurchased', { planId: 'video-standard', quantity: 10_000 })];
  for (let i = 0; events.length < BIG; i++) {
    const userId = `seed-${i}`;
    events.push(event('LicenseAssigned', { planId: 'video-standard', userId }));
    events.push(event('LicenseRevoked', { planId: 'video-standard', userId, reason: null }));
  }
  for (let at = 0; at < events.length; at += 1000) {
    await world.store.appendToStream(stream, events.slice(at, at + 1000), {
      expectedRevision: at === 0 ? 'no_stream' : at - 1,
    });
  }
  return stream;
}

describe('application: the stream cache', () => {
  let world: TestWorld;
  beforeEach(async () => {
    world = await openWorld();
  });
  afterEach(() => world.close());

  it('reads a big stream once, then only the events written after the revision it holds', async () => {
    const { owner } = await signUp(world.app);
    const ann = await addUser(world.app, owner, 'ann@example.com');
    const bob = await addUser(world.app, owner, 'bob@example.com');
    const stream = await bigSubscription(world, owner);
    const read = () => world.counters.eventsRead.get(stream) ?? 0;

    await world.app.assignLicense(owner, { userId: ann.userId, product: 'VIDEO_MEETING' });
    expect(read()).toBe(BIG);

    await world.app.revokeLicense(owner, { userId: ann.userId, product: 'VIDEO_MEETING' });
    expect(read()).toBe(BIG);

    // Another process writes two events; this one catches up with exactly those.
    const other = world.openApp({ ownStore: true });
    await other.assignLicense(owner, { userId: ann.userId, product: 'VIDEO_MEETING' });
    await other.assignLicense(owner, { userId: bob.userId, product: 'VIDEO_MEETING' });
    const before = read();
    await world.app.revokeLicense(owner, { userId: bob.userId, product: 'VIDEO_MEETING' });
    expect(read() - before).toBe(2);
  });

  it('a stream pushed out of the bounded cache is read again from the start', async () => {
    const bounded = world.openApp({ cacheSize: 2 });
    const { owner } = await signUp(world.app);
    const stream = await bigSubscription(world, owner);
    const ann = await addUser(world.app, owner, 'ann@example.com');
    const read = () => world.counters.eventsRead.get(stream) ?? 0;

    await bounded.assignLicense(owner, { userId: ann.userId, product: 'VIDEO_MEETING' });
    expect(read()).toBe(BIG);
    // Two other streams (the user's and a webinar subscription) push the video subscription out.
    await bounded.loadUser(ann.userId);
    await bounded.purchaseLicenses(owner, { product: 'WEBINAR', planId: 'webinar-100', quantity: 1 });
    await bounded.revokeLicense(owner, { userId: ann.userId, product: 'VIDEO_MEETING' });
    expect(read()).toBe(2 * BIG + 1);
  });
});
