// Projection spec: license-history — every event of the account, oldest first, by user and product, paged by position.
import { licenseHistoryProjection } from '../../projections/license-history';
import { history } from '../../projections/license-history/queries';
import { dump, seededReadModels } from '../support/projection-world';

describe('license-history projection', () => {
  const world = seededReadModels();

  it("holds every event of the account's licence streams, oldest first, and nothing secret", async () => {
    const page = history(world.db, 'acme', { first: 100 });
    const log = (await world.log.recorded()).filter(
      (e) => e.metadata.accountId === 'acme' && !e.streamName.startsWith('credentials-'),
    );
    expect(page.nodes.map((n) => n.id)).toEqual(log.map((e) => e.id));
    expect(page.nodes.map((n) => n.type)).not.toContain('PasswordSet');
    expect(page.nodes.some((n) => n.data.includes('passwordHash'))).toBe(false);
    const assigned = page.nodes.find((n) => n.type === 'LicenseAssigned');
    expect(assigned).toMatchObject({ actorId: 'ann', userId: 'bob', product: 'VIDEO_MEETING', accountId: 'acme' });
    expect(JSON.parse(assigned?.data ?? '{}')).toEqual({
      accountId: 'acme',
      product: 'VIDEO_MEETING',
      planId: 'video-standard',
      userId: 'bob',
    });
  });

  it('filters by user, by product and by both', () => {
    expect(history(world.db, 'acme', { userId: 'bob' }).nodes.map((n) => n.type)).toEqual([
      'UserCreated',
      'LicenseAssigned',
      'LicenseAssigned',
      'UserRoleChanged',
    ]);
    expect(history(world.db, 'acme', { product: 'WEBINAR' }).nodes.map((n) => n.type)).toEqual([
      'LicensePurchased',
      'LicenseAssigned',
      'LicensesReleased',
    ]);
    expect(history(world.db, 'acme', { userId: 'bob', product: 'WEBINAR' }).nodes.map((n) => n.type)).toEqual([
      'LicenseAssigned',
    ]);
    expect(history(world.db, 'acme', { userId: 'gus' }).nodes).toEqual([]);
  });

  it('pages by position: each page starts after the last position of the previous one', () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page = history(world.db, 'acme', { first: 5, after });
      seen.push(...page.nodes.map((n) => n.position));
      pages += 1;
      if (!page.hasNextPage) break;
      after = page.endCursor;
    }
    expect(pages).toBe(4);
    expect(seen).toHaveLength(16);
    expect([...seen].sort()).toEqual(seen);
    expect(new Set(seen).size).toBe(16);
  });

  it('changes nothing when the same events are applied again', async () => {
    const before = dump(world.db, licenseHistoryProjection);
    expect(world.models.apply(await world.log.recorded())).toBe(0);
    expect(dump(world.db, licenseHistoryProjection)).toEqual(before);
  });
});
