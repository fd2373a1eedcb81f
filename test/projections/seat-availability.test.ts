// Projection spec: seat-availability — events in, rows out, twice changes nothing; and seats as of a past time.
import { seatAvailabilityProjection } from '../../projections/seat-availability';
import { seatsAsOf } from '../../projections/seat-availability/as-of';
import { forAccount, seatAvailability } from '../../projections/seat-availability/queries';
import { subscriptionStream } from '../../src/domain/streams';
import { dump, seededReadModels } from '../support/projection-world';

describe('seat-availability projection', () => {
  const world = seededReadModels();

  it('counts purchased (less released) and assigned (less revoked) seats per account and product', () => {
    expect(seatAvailability(world.db, 'acme', 'VIDEO_MEETING')).toEqual({
      product: 'VIDEO_MEETING',
      purchased: 3,
      assigned: 2,
      reserved: 0,
      available: 1,
    });
    expect(forAccount(world.db, 'acme')).toEqual([
      { product: 'VIDEO_MEETING', purchased: 3, assigned: 2, reserved: 0, available: 1 },
      { product: 'WEBINAR', purchased: 3, assigned: 1, reserved: 0, available: 2 },
    ]);
    expect(forAccount(world.db, 'globex')).toEqual([
      { product: 'VIDEO_MEETING', purchased: 1, assigned: 1, reserved: 0, available: 0 },
    ]);
  });

  it('answers zeros for a product never bought', () => {
    expect(seatAvailability(world.db, 'globex', 'WEBINAR')).toEqual({
      product: 'WEBINAR',
      purchased: 0,
      assigned: 0,
      reserved: 0,
      available: 0,
    });
    expect(forAccount(world.db, 'nobody')).toEqual([]);
  });

  it('changes nothing when the same events are applied again', async () => {
    const before = dump(world.db, seatAvailabilityProjection);
    expect(world.models.apply(await world.log.recorded())).toBe(0);
    expect(dump(world.db, seatAvailabilityProjection)).toEqual(before);
  });

  it('folds the seats as they stood at a past time from the subscription stream', async () => {
    const stream = [...(await world.log.recorded())].filter(
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
      reserved: 0,
      available: 0,
    });
    expect(await seatsAsOf(replay(), at(0))).toEqual({ purchased: 3, assigned: 0, reserved: 0, available: 3 });
    expect(await seatsAsOf(replay(), at(4))).toEqual({ purchased: 3, assigned: 3, reserved: 0, available: 0 });
    expect(await seatsAsOf(world.store.readStream(subscriptionStream('acme', 'VIDEO_MEETING')), new Date())).toEqual({
      purchased: 3,
      assigned: 2,
      reserved: 0,
      available: 1,
    });
  });
});
