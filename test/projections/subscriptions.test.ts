// Projection spec: subscriptions — the plan of each product, licence holders with search and stable pages.
import { subscriptionsProjection } from '../../projections/subscriptions';
import { assignees, get, listForAccount } from '../../projections/subscriptions/queries';
import { dump, seededReadModels } from '../support/projection-world';

describe('subscriptions projection', () => {
  const world = seededReadModels();

  it("keeps the current plan of each product (the seats are seat-availability's)", () => {
    expect(listForAccount(world.db, 'acme')).toEqual([
      {
        id: 'subscription-acme-VIDEO_MEETING',
        accountId: 'acme',
        product: 'VIDEO_MEETING',
        planId: 'video-pro',
      },
      {
        id: 'subscription-acme-WEBINAR',
        accountId: 'acme',
        product: 'WEBINAR',
        planId: 'webinar-100',
      },
    ]);
    expect(get(world.db, 'globex', 'WEBINAR')).toBeNull();
    expect(get(world.db, 'globex', 'VIDEO_MEETING')?.planId).toBe('video-business');
  });

  it('lists the holders in the order their licences were assigned', () => {
    const page = assignees(world.db, 'acme', 'VIDEO_MEETING');
    expect(page.nodes.map((n) => n.id)).toEqual(['bob', 'cat']);
    expect(page.totalCount).toBe(2);
    expect(page.hasNextPage).toBe(false);
  });

  it('narrows holders by a search on name or e-mail, in any case', () => {
    expect(assignees(world.db, 'acme', 'VIDEO_MEETING', { search: 'SMITH' }).nodes.map((n) => n.id)).toEqual(['cat']);
    expect(assignees(world.db, 'acme', 'VIDEO_MEETING', { search: 'bo' }).nodes.map((n) => n.id)).toEqual(['bob']);
    expect(assignees(world.db, 'acme', 'VIDEO_MEETING', { search: 'dan' }).totalCount).toBe(0);
    expect(assignees(world.db, 'globex', 'VIDEO_MEETING', { search: 'smith' }).nodes.map((n) => n.id)).toEqual(['gus']);
  });

  it('pages holders with an opaque cursor', () => {
    const first = assignees(world.db, 'acme', 'VIDEO_MEETING', { first: 1 });
    expect(first.nodes.map((n) => n.id)).toEqual(['bob']);
    expect(first.hasNextPage).toBe(true);
    const second = assignees(world.db, 'acme', 'VIDEO_MEETING', { first: 1, after: first.endCursor });
    expect(second.nodes.map((n) => n.id)).toEqual(['cat']);
    expect(second.hasNextPage).toBe(false);
    expect(second.totalCount).toBe(2);
    expect(() => assignees(world.db, 'acme', 'VIDEO_MEETING', { after: 'garbage' })).toThrow(
      'after: is not a cursor from this list',
    );
  });

  it('changes nothing when the same events are applied again', async () => {
    const before = dump(world.db, subscriptionsProjection);
    expect(world.models.apply(await world.log.recorded())).toBe(0);
    expect(dump(world.db, subscriptionsProjection)).toEqual(before);
  });
});
