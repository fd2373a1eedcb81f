// Projection spec: users — accounts, the directory (search in any case, stable pages), licences per user in one query.
import { usersProjection } from '../../projections/users';
import {
  entitlements,
  getAccount,
  licensesByUserIds,
  searchUsers,
  userInAccount,
  usersByIds,
} from '../../projections/users/queries';
import { dump, seededReadModels } from '../support/projection-world';

const ids = (page: { nodes: { id: string }[] }) => page.nodes.map((n) => n.id);

describe('users projection', () => {
  const world = seededReadModels();

  it('keeps each account with its owner', () => {
    expect(getAccount(world.db, 'acme')).toEqual({
      id: 'acme',
      name: 'Acme Inc',
      ownerUserId: 'ann',
    });
    expect(getAccount(world.db, 'nobody')).toBeNull();
  });

  it('keeps each user with their latest role and whether they are active', () => {
    const users = usersByIds(world.db, ['bob', 'dan', 'nobody', 'gus']);
    expect([...users.keys()].sort()).toEqual(['bob', 'dan', 'gus']);
    expect(users.get('bob')).toEqual({
      id: 'bob',
      accountId: 'acme',
      email: 'bob@acme.test',
      name: 'Bob Builder',
      role: 'ADMIN',
      active: true,
      status: 'ACTIVE',
      createdAt: expect.any(String),
    });
    expect(users.get('dan')).toMatchObject({ active: false, status: 'DEACTIVATED' });
  });

  it("never shows a user to another account's query", () => {
    expect(userInAccount(world.db, 'acme', 'bob')?.id).toBe('bob');
    expect(userInAccount(world.db, 'globex', 'bob')).toBeNull();
  });

  it('lists the licences each user holds on the current plan, all users in one query', () => {
    const licenses = licensesByUserIds(world.db, ['bob', 'cat', 'dan', 'nobody']);
    expect(licenses.get('bob')?.map((l) => [l.product, l.planId, l.assignedBy])).toEqual([
      ['VIDEO_MEETING', 'video-pro', 'ann'],
      ['WEBINAR', 'webinar-100', 'ann'],
    ]);
    expect(licenses.get('cat')?.map((l) => l.planId)).toEqual(['video-pro']);
    expect(licenses.get('dan')).toEqual([]);
    expect(licenses.get('nobody')).toEqual([]);
    expect(entitlements(licenses.get('bob') ?? [])).toEqual([
      'SCHEDULE_MEETINGS',
      'DOWNLOAD_REPORTS',
      'DOWNLOAD_RECORDINGS',
      'HOST_WEBINARS',
    ]);
  });

  it('answers a batch of one id (its own statement) as it answers that id within a batch', () => {
    for (const id of ['bob', 'cat', 'dan', 'nobody']) {
      expect(usersByIds(world.db, [id])).toEqual(
        new Map([...usersByIds(world.db, ['bob', 'cat', 'dan', 'nobody'])].filter(([key]) => key === id)),
      );
      expect(licensesByUserIds(world.db, [id]).get(id)).toEqual(
        licensesByUserIds(world.db, ['bob', 'cat', 'dan', 'nobody']).get(id),
      );
    }
    expect(licensesByUserIds(world.db, ['bob']).get('bob')).toHaveLength(2);
  });

  it.each([
    ['smith', ['cat', 'dan']],
    ['SMITH', ['cat', 'dan']],
    ['catia', ['cat']],
    ['Cátia', ['cat']],
    ['ann.owner@acme', ['ann']],
    ['ACME.TEST', ['ann', 'bob', 'cat', 'dan']],
    ['bo', ['bob']],
    ['A', ['ann']],
    ['zz', []],
    ['"quoted"', []],
    ['  ', ['ann', 'bob', 'cat', 'dan']],
  ])('finds the users whose name or e-mail contains %j, in any case, in their own account only', (search, expected) => {
    const page = searchUsers(world.db, 'acme', { search });
    expect(ids(page)).toEqual(expected);
    expect(page.totalCount).toBe(expected.length);
  });

  it('pages in a stable order with opaque cursors', () => {
    const first = searchUsers(world.db, 'acme', { first: 3 });
    expect(ids(first)).toEqual(['ann', 'bob', 'cat']);
    expect(first.hasNextPage).toBe(true);
    expect(first.totalCount).toBe(4);
    const second = searchUsers(world.db, 'acme', { first: 3, after: first.endCursor });
    expect(ids(second)).toEqual(['dan']);
    expect(second.hasNextPage).toBe(false);
    expect(second.edges[0]?.cursor).toBe(second.endCursor);
    const searched = searchUsers(world.db, 'acme', { search: 'acme', first: 2, after: first.edges[0]?.cursor });
    expect(ids(searched)).toEqual(['bob', 'cat']);
    expect(() => searchUsers(world.db, 'acme', { first: -1 })).toThrow('first: must be a whole number');
  });

  it('changes nothing when the same events are applied again', async () => {
    const before = dump(world.db, usersProjection);
    expect(world.models.apply(await world.log.recorded())).toBe(0);
    expect(dump(world.db, usersProjection)).toEqual(before);
    expect(ids(searchUsers(world.db, 'acme', { search: 'smith' }))).toEqual(['cat', 'dan']);
  });
});
