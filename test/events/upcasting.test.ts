// Reading old versions: a LicenseRevoked stored as v1 (no reason) in the real SQLite log is read as v2 through
// every read path of withUpcasting, and current events pass through untouched.
import path from 'node:path';
import { toExportedEvent } from '../../src/cli/export';
import { EVENT_UPCASTERS } from '../../src/domain/event-schemas';
import { subscriptionStream } from '../../src/domain/streams';
import { EVENT_SCHEMAS, eventJsonSchema, HISTORICAL_EVENT_SCHEMAS } from '../../src/events-docs/schemas';
import type { EventStore, EventToAppend, RecordedEvent } from '../../src/eventstore/port';
import { openSqliteEventStore, type SqliteEventStore } from '../../src/eventstore/sqlite';
import { type Upcaster, unwrapUpcasting, upcaster, withUpcasting } from '../../src/eventstore/upcasting';
import { makeTempDir } from '../support/temp-dir';
import { validate } from './json-schema';

const STREAM = subscriptionStream('acc-1', 'VIDEO_MEETING');
const metadata = (schemaVersion: number) => ({
  accountId: 'acc-1',
  actorId: 'owner-1',
  occurredAt: '2024-05-01T10:00:00.000Z',
  correlationId: 'req-1',
  causationId: 'req-1',
  schemaVersion,
});
const onVideo = { accountId: 'acc-1', product: 'VIDEO_MEETING', planId: 'video-pro' };
/** As a 2024 writer stored it: LicenseRevoked v1 had no reason. */
const revokedV1: EventToAppend = {
  id: '00000000-0000-4000-8000-000000000002',
  type: 'LicenseRevoked',
  data: { ...onVideo, userId: 'ann' },
  metadata: metadata(1),
};
const assigned: EventToAppend = {
  id: '00000000-0000-4000-8000-000000000001',
  type: 'LicenseAssigned',
  data: { ...onVideo, userId: 'ann' },
  metadata: metadata(1),
};
const revokedV2: EventToAppend = {
  id: '00000000-0000-4000-8000-000000000003',
  type: 'LicenseRevoked',
  data: { ...onVideo, userId: 'bob', reason: 'left' },
  metadata: metadata(2),
};

async function collect(events: AsyncIterable<RecordedEvent>): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

const schemaV2 = eventJsonSchema(EVENT_SCHEMAS.find((d) => d.type === 'LicenseRevoked')!);
const schemaV1 = eventJsonSchema(HISTORICAL_EVENT_SCHEMAS.find((d) => d.type === 'LicenseRevoked')!);

describe('withUpcasting over the real SQLite log', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let raw: SqliteEventStore;
  let store: EventStore;

  beforeEach(async () => {
    temp = makeTempDir();
    raw = openSqliteEventStore({ file: path.join(temp.dir, 'events.db') });
    store = withUpcasting(raw, EVENT_UPCASTERS);
    // given a stored v1 revocation between current events, written raw as an old writer did
    await raw.appendToStream(STREAM, [assigned, revokedV1, revokedV2], { expectedRevision: 'no_stream' });
  });

  afterEach(async () => {
    await raw.close();
    temp.cleanup();
  });

  it('the raw log really holds v1: no reason, schemaVersion 1, valid against the v1 schema only', async () => {
    const [, stored] = await collect(raw.readStream(STREAM));
    expect(stored?.metadata.schemaVersion).toBe(1);
    expect(stored?.data).not.toHaveProperty('reason');
    expect(validate(schemaV1, toExportedEvent(stored!))).toEqual([]);
    expect(validate(schemaV2, toExportedEvent(stored!))).not.toEqual([]);
  });

  it('readStream reads the v1 event as v2: reason null, schemaVersion 2, valid against the v2 schema', async () => {
    const [first, revoked, current] = await collect(store.readStream(STREAM));
    expect(revoked).toMatchObject({
      id: revokedV1.id,
      type: 'LicenseRevoked',
      revision: 1,
      data: { ...onVideo, userId: 'ann', reason: null },
      metadata: { ...metadata(2) },
    });
    expect(validate(schemaV2, toExportedEvent(revoked!))).toEqual([]);
    // and leaves the others alone
    expect(first?.data).toEqual(assigned.data);
    expect(current?.data).toEqual(revokedV2.data);
  });

  it('readAll and subscribeToAll read it as v2 as well', async () => {
    const all = await collect(store.readAll());
    expect(all[1]?.data).toEqual({ ...onVideo, userId: 'ann', reason: null });
    expect(all[1]?.metadata.schemaVersion).toBe(2);

    const subscription = store.subscribeToAll();
    const seen: RecordedEvent[] = [];
    for await (const message of subscription) {
      if (message.kind === 'event') seen.push(message.event);
      if (message.kind === 'caughtUp') break;
    }
    await subscription.unsubscribe();
    expect(seen.map((e) => e.data.reason)).toEqual([undefined, null, 'left']);
    expect(seen.map((e) => e.metadata.schemaVersion)).toEqual([1, 2, 2]);
  });

  it('a live v1 event arriving after catch-up is upcast too', async () => {
    const subscription = store.subscribeToAll();
    const live: RecordedEvent[] = [];
    for await (const message of subscription) {
      if (message.kind === 'caughtUp') {
        await raw.appendToStream(STREAM, [{ ...revokedV1, id: '00000000-0000-4000-8000-000000000004' }], {
          expectedRevision: 2,
        });
      }
      if (message.kind === 'event' && message.event.revision === 3) {
        live.push(message.event);
        break;
      }
    }
    await subscription.unsubscribe();
    expect(live[0]?.data.reason).toBeNull();
    expect(live[0]?.metadata.schemaVersion).toBe(2);
  });

  it('unwrapUpcasting tells a bulk reader what the wrapper wraps and with which upcasters', () => {
    expect(unwrapUpcasting(store)).toEqual({ store: raw, upcasters: EVENT_UPCASTERS });
    expect(unwrapUpcasting(raw)).toEqual({ store: raw, upcasters: [] });
  });

  it('appends pass through: what is written is read back', async () => {
    await store.appendToStream(STREAM, [{ ...revokedV2, id: '00000000-0000-4000-8000-000000000005' }], {
      expectedRevision: 2,
    });
    expect((await collect(store.readStream(STREAM, { fromRevision: 3 })))[0]?.data.reason).toBe('left');
    expect(await store.headPosition()).toBe(await raw.headPosition());
  });
});

describe('upcaster chains', () => {
  const recorded = (type: string, schemaVersion: number | undefined, data: Record<string, unknown>): RecordedEvent => ({
    id: 'e',
    type,
    streamName: 's-1',
    revision: 0,
    position: '0000000000000001',
    data,
    metadata: { ...metadata(1), schemaVersion } as RecordedEvent['metadata'],
    recordedAt: new Date(0),
  });
  // A made-up history of a made-up type: v1 {n} → v2 {count} → v3 {count, unit}.
  const chain: Upcaster[] = [
    { type: 'Counted', fromVersion: 2, upcast: (data) => ({ ...data, unit: 'seat' }) },
    { type: 'Counted', fromVersion: 1, upcast: ({ n, ...rest }) => ({ ...rest, count: n }) },
  ];

  it('runs every step from the stored version to the latest, in order', () => {
    const upcast = upcaster(chain);
    expect(upcast(recorded('Counted', 1, { n: 3 })).data).toEqual({ count: 3, unit: 'seat' });
    expect(upcast(recorded('Counted', 2, { count: 3 })).data).toEqual({ count: 3, unit: 'seat' });
    expect(upcast(recorded('Counted', 1, { n: 3 })).metadata.schemaVersion).toBe(3);
  });

  it('tells a reader of stored text which events it must parse', () => {
    const upcast = upcaster(chain);
    expect([upcast.changes('Counted', 1), upcast.changes('Counted', 2), upcast.changes('Counted', undefined)]).toEqual([
      true,
      true,
      true,
    ]);
    expect([upcast.changes('Counted', 3), upcast.changes('Counted', 4), upcast.changes('Other', 1)]).toEqual([
      false,
      false,
      false,
    ]);
    expect([upcast.touches('Counted'), upcast.touches('Other')]).toEqual([true, false]);
  });

  it('treats an event without schemaVersion as v1', () => {
    expect(upcaster(chain)(recorded('Counted', undefined, { n: 2 })).data).toEqual({ count: 2, unit: 'seat' });
  });

  it('returns current, newer and other types’ events as they are (no copy)', () => {
    const upcast = upcaster(chain);
    for (const event of [
      recorded('Counted', 3, { count: 1, unit: 'seat' }),
      recorded('Counted', 4, {}),
      recorded('Other', 1, {}),
    ]) {
      expect(upcast(event)).toBe(event);
    }
  });

  it('keeps a reason that a v1-labelled LicenseRevoked already carries (written before writers used the registry)', () => {
    const event = recorded('LicenseRevoked', 1, { ...onVideo, userId: 'ann', reason: 'moved team' });
    expect(upcaster(EVENT_UPCASTERS)(event).data.reason).toBe('moved team');
  });

  it('refuses a chain with a gap or a duplicate at start, not on the first old event', () => {
    expect(() => upcaster([chain[0] as Upcaster])).toThrow(/skip v1/);
    expect(() => upcaster([...chain, chain[1] as Upcaster])).toThrow(/two upcasters/);
  });
});
