// Projection specs of invitations: the invitations read model (status, products, expiry, who sent it; pages by
// status), the users' status (INVITED → ACTIVE, or DEACTIVATED when it lapses) and the seats held (reserved).
import { invitationsProjection } from '../../projections/invitations';
import { invitationsByIds, invitationsPage } from '../../projections/invitations/queries';
import { seatAvailabilityProjection } from '../../projections/seat-availability';
import { seatAvailability } from '../../projections/seat-availability/queries';
import { usersByIds } from '../../projections/users/queries';
import { invitationStream, subscriptionStream, userStream } from '../../src/domain/streams';
import type { ReadModels } from '../../src/projection-runtime/read-models';
import { buildReadModels, dump, openWorkspace, type Workspace } from '../support/projection-world';

const VIDEO = 'VIDEO_MEETING' as const;
const EXPIRES = '2024-02-01T00:00:00.000Z';

describe('invitations, seats held and invited users in the read models', () => {
  let ws: Workspace;
  let models: ReadModels;

  const invite = async (n: number, products: (typeof VIDEO)[] = [VIDEO]) => {
    const ids = { invitationId: `inv-${n}`, accountId: 'acme', userId: `ivy-${n}` };
    const given = { accountId: 'acme', actorId: 'ann' };
    for (const product of products) {
      await ws.log.append(
        subscriptionStream('acme', product),
        'SeatReserved',
        { ...ids, product, expiresAt: EXPIRES },
        given,
      );
    }
    await ws.log.createUser(
      { userId: ids.userId, accountId: 'acme', email: `ivy${n}@acme.test`, name: `Ivy ${n}` },
      given,
    );
    await ws.log.append(
      userStream(ids.userId),
      'UserInvited',
      { userId: ids.userId, invitationId: ids.invitationId },
      given,
    );
    await ws.log.append(
      invitationStream(ids.invitationId),
      'InvitationSent',
      { ...ids, email: `ivy${n}@acme.test`, name: `Ivy ${n}`, role: 'MEMBER', products, expiresAt: EXPIRES },
      given,
    );
    return ids;
  };

  beforeAll(async () => {
    ws = openWorkspace();
    const given = { accountId: 'acme', actorId: 'ann' };
    await ws.log.openAccount('acme', 'ann');
    await ws.log.createUser({ userId: 'ann', accountId: 'acme', email: 'ann@acme.test', name: 'Ann', role: 'OWNER' });
    await ws.log.purchase('acme', VIDEO, 'video-pro', 5, given);
    // 1 accepted, 2 cancelled, 3 expired, 4 pending.
    const accepted = await invite(1);
    await ws.log.append(
      subscriptionStream('acme', VIDEO),
      'SeatReservationConverted',
      { ...accepted, product: VIDEO },
      { accountId: 'acme', actorId: accepted.userId },
    );
    await ws.log.assign('acme', VIDEO, 'video-pro', accepted.userId, { actorId: accepted.userId });
    await ws.log.append(invitationStream(accepted.invitationId), 'InvitationAccepted', accepted, {
      accountId: 'acme',
      actorId: accepted.userId,
    });
    await ws.log.append(
      userStream(accepted.userId),
      'UserActivated',
      { userId: accepted.userId, invitationId: accepted.invitationId },
      { accountId: 'acme', actorId: accepted.userId },
    );
    const cancelled = await invite(2);
    await ws.log.append(invitationStream(cancelled.invitationId), 'InvitationCancelled', cancelled, given);
    await ws.log.append(
      subscriptionStream('acme', VIDEO),
      'SeatReservationCancelled',
      { ...cancelled, product: VIDEO },
      given,
    );
    await ws.log.deactivate('acme', cancelled.userId, given);
    const expired = await invite(3);
    await ws.log.append(
      invitationStream(expired.invitationId),
      'InvitationExpired',
      { ...expired, expiresAt: EXPIRES },
      { accountId: 'acme' },
    );
    await ws.log.append(
      subscriptionStream('acme', VIDEO),
      'SeatReservationExpired',
      { ...expired, product: VIDEO, expiresAt: EXPIRES },
      { accountId: 'acme' },
    );
    await ws.log.deactivate('acme', expired.userId, { accountId: 'acme' });
    await invite(4);
    models = await buildReadModels(ws);
  });
  afterAll(async () => {
    models.close();
    await ws.close();
  });

  it('counts one seat held (the pending invitation) and the accepted one as assigned, never twice', () => {
    expect(seatAvailability(models.db, 'acme', VIDEO)).toEqual({
      product: VIDEO,
      purchased: 5,
      assigned: 1,
      reserved: 1,
      available: 3,
    });
  });

  it('lists the invitations in the order they were sent, by status, with their count', () => {
    const all = invitationsPage(models.db, 'acme');
    expect(all.nodes.map((i) => [i.id, i.status])).toEqual([
      ['inv-1', 'ACCEPTED'],
      ['inv-2', 'CANCELLED'],
      ['inv-3', 'EXPIRED'],
      ['inv-4', 'PENDING'],
    ]);
    expect(all.totalCount).toBe(4);
    expect(all.nodes[3]).toEqual({
      id: 'inv-4',
      accountId: 'acme',
      userId: 'ivy-4',
      products: [VIDEO],
      status: 'PENDING',
      expiresAt: EXPIRES,
      createdAt: expect.any(String),
      invitedById: 'ann',
    });
    const pending = invitationsPage(models.db, 'acme', { status: 'PENDING' });
    expect([pending.nodes.map((i) => i.id), pending.totalCount]).toEqual([['inv-4'], 1]);
    const first = invitationsPage(models.db, 'acme', { first: 2 });
    expect([first.nodes.map((i) => i.id), first.hasNextPage]).toEqual([['inv-1', 'inv-2'], true]);
    const next = invitationsPage(models.db, 'acme', { first: 2, after: first.endCursor });
    expect([next.nodes.map((i) => i.id), next.hasNextPage]).toEqual([['inv-3', 'inv-4'], false]);
    expect(invitationsPage(models.db, 'globex').totalCount).toBe(0);
  });

  it("answers by id only within the account: another account's ids read as unknown", () => {
    expect([...invitationsByIds(models.db, 'acme', ['inv-2', 'nope']).keys()]).toEqual(['inv-2']);
    expect(invitationsByIds(models.db, 'globex', ['inv-2']).size).toBe(0);
  });

  it('shows each invited user INVITED, ACTIVE once accepted, DEACTIVATED once lapsed or cancelled', () => {
    const users = usersByIds(models.db, ['ivy-1', 'ivy-2', 'ivy-3', 'ivy-4', 'ann']);
    expect(
      ['ivy-1', 'ivy-2', 'ivy-3', 'ivy-4', 'ann'].map((id) => [users.get(id)?.status, users.get(id)?.active]),
    ).toEqual([
      ['ACTIVE', true],
      ['DEACTIVATED', false],
      ['DEACTIVATED', false],
      ['INVITED', true],
      ['ACTIVE', true],
    ]);
  });

  it('changes nothing when the same events are applied again', async () => {
    const before = [dump(models.db, invitationsProjection), dump(models.db, seatAvailabilityProjection)];
    expect(models.apply(await ws.log.recorded())).toBe(0);
    expect([dump(models.db, invitationsProjection), dump(models.db, seatAvailabilityProjection)]).toEqual(before);
  });
});
