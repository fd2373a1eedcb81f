// Projection spec: seat-availability — events in, rows out, twice changes nothing; and seats as of a past time.
import { seatAvailabilityProjection } from '../../projections/seat-availability';
import { seatsAsOf } from '../../projections/seat-availability/as-of';
import { forAccount, seatAvailability } from '../../projections/seat-availability/queries';
import { subscriptionStream } from '../../src/domain/streams';
import type { ReadModels } from '../../src/projection-runtime/read-models';
import { openWorkspace, seedAcme, type Workspace } from './fixtures';
import { buildReadModels, dump } from './read-models';

describe('seat-availability projection', () => {
  let ws: Workspace;
  let models: ReadModels;
  beforeAll(async () => {
    ws = openWorkspace();
    await seedAcme(ws.log);
    models = await buildReadModels(ws);
  });
  afterAll(async () => {
    models.close();
    await ws.close();
  });

  it('counts purchased (less released) and assigned (less revoked) seats per account and product', () => {
    expect(seatAvailability(models.db, 'acme', 'VIDEO_MEETING')).toEqual({
      product: 'VIDEO_MEETING',
      purchased: 3,
      assigned: 2,
      available: 1,
    });
    expect(forAccount(models.db, 'acme')).toEqual([
      { product: 'VIDEO_MEETING', purchased: 3, assigned: 2, available: 1 },
      { product: 'WEBINAR', purchased: 3, assigned: 1, available: 2 },
    ]);
    expect(forAccount(models.db, 'globex')).toEqual([
      { product: 'VIDEO_MEETING', purchased: 1, assigned: 1, available: 0 },
    ]);
  });

  it('answers zeros for a product never bought', () => {
    expect(seatAvailability(models.db, 'globex', 'WEBINAR')).toEqual({
      product: 'WEBINAR',
      purchased: 0,
      assigned: 0,
      available: 0,
    });
    expect(forAccount(models.db, 'nobody')).toEqual([]);
  });

  it('changes nothing when the same events are applied again', async () => {
    const before = dump(models.db, seatAvailabilityProjection);
    expect(models.apply(await ws.log.recorded())).toBe(0);
    expect(dump(models.db, seatAvailabilityProjection)).toEqual(before);
  });

  it('folds the seats as they stood at a past time from the subscription stream', async () => {
    const stream = [...(await ws.log.recorded())].filter(
      (e) => e.streamName === subscriptionStream('acme', 'VIDEO_MEETING'),
    );
    const at = (index: number) => new Date((stream[index] as (typeof stream)[number]).metadata.occurredAt);
    const replay = async function* () {
      yield* stream;
    };
    // purchase 3, assign bob, assign cat, upgrade, assign dan, revoke dan
    expect(await seatsAsOf(replay(), new Date(Date.parse(at(0).toISOString()) - 1))).toEqual({
      purchased: 0,
      assigned: 0,
      available: 0,
    });
    expect(await seatsAsOf(replay(), at(0))).toEqual({ purchased: 3, assigned: 0, available: 3 });
    expect(await seatsAsOf(replay(), at(4))).toEqual({ purchased: 3, assigned: 3, available: 0 });
    expect(await seatsAsOf(ws.store.readStream(subscriptionStream('acme', 'VIDEO_MEETING')), new Date())).toEqual({
      purchased: 3,
      assigned: 2,
      available: 1,
    });
  });
});
