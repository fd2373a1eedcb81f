// Invitations through the real command handler and SQLite store: seats held in the decision that counts them, every
// check before any write, a lost race giving back what was held, acceptance turning held seats into licences once,
// links that lapse, are replaced or spent, and the system's expiry. Plus the invariant under 200 concurrent requests.
import type { Application, RequestContext } from '../../src/application/application';
import { SYSTEM_ACTOR_ID } from '../../src/domain/decider';
import { invitationStream, subscriptionStream } from '../../src/domain/streams';
import {
  type SubscriptionEvent,
  type SubscriptionState,
  seatCounts,
  subscriptionDecider,
} from '../../src/domain/subscription';
import type { EventStore } from '../../src/eventstore/port';
import { addUser, allEvents, openWorld, outcome, signUp, streamEvents, type TestWorld } from './support';

const VIDEO = 'VIDEO_MEETING' as const;
const WEBINAR = 'WEBINAR' as const;
const hash = async (password: string) => {
  if (password.length < 8) throw Object.assign(new Error('password: too short'), { code: 'BAD_USER_INPUT' });
  return `hashed:${password}`;
};

async function fold(
  world: TestWorld,
  accountId: string,
  product: typeof VIDEO | typeof WEBINAR,
): Promise<SubscriptionState> {
  const events = await streamEvents(world.store, subscriptionStream(accountId, product));
  return events.reduce(
    (state, e) => subscriptionDecider.evolve(state, { type: e.type, data: e.data } as SubscriptionEvent),
    subscriptionDecider.initialState(),
  );
}

describe('application: invitations', () => {
  let world: TestWorld;
  let clock: Date;
  let app: Application;
  let owner: RequestContext;
  let accountId: string;
  beforeEach(async () => {
    clock = new Date('2025-03-01T10:00:00.000Z');
    world = await openWorld({ now: () => clock });
    app = world.app;
    ({ owner, accountId } = await signUp(app));
    await app.purchaseLicenses(owner, { product: VIDEO, planId: 'video-pro', quantity: 2 });
    await app.purchaseLicenses(owner, { product: WEBINAR, planId: 'webinar-100', quantity: 1 });
  });
  afterEach(() => world.close());

  const invite = (email: string, products = [VIDEO] as ('VIDEO_MEETING' | 'WEBINAR')[], expiresIn = 'P7D') =>
    app.invitations.inviteUser(owner, { email, name: 'Ivy', role: 'MEMBER', products, expiresIn });

  it('holds a seat per product, creates the user INVITED and the invitation; the counts say reserved', async () => {
    const written = await invite('ivy@example.com', [VIDEO, WEBINAR]);
    expect(written.invitation).toMatchObject({ status: 'PENDING', products: [VIDEO, WEBINAR], issue: 1 });
    expect(written.invitation.expiresAt).toBe('2025-03-08T10:00:00.000Z');
    expect(written.seats.map((s) => [s.product, s.assigned, s.reserved])).toEqual([
      [VIDEO, 0, 1],
      [WEBINAR, 0, 1],
    ]);
    expect(written.user).toMatchObject({ status: 'active', invitationId: written.invitation.invitationId });
    expect(seatCounts(await fold(world, accountId, WEBINAR))).toEqual({
      purchased: 1,
      assigned: 0,
      reserved: 1,
      available: 0,
    });
    // The e-mail is held: a second invitation or createUser with it is EMAIL_TAKEN.
    expect(await outcome(invite('IVY@example.com'))).toBe('EMAIL_TAKEN');
    expect(await outcome(app.createUser(owner, { email: 'ivy@example.com', name: 'Ivy', role: 'MEMBER' }))).toBe(
      'EMAIL_TAKEN',
    );
  });

  it('no seat on any product: NO_SEATS_AVAILABLE and nothing written', async () => {
    await invite('a@example.com', [WEBINAR]);
    const before = (await allEvents(world.store)).length;
    expect(await outcome(invite('b@example.com', [VIDEO, WEBINAR]))).toBe('NO_SEATS_AVAILABLE');
    expect(await outcome(invite('c@example.com', [VIDEO], 'PT30S'))).toBe('BAD_USER_INPUT');
    expect(await outcome(invite('c@example.com', [VIDEO], 'P31D'))).toBe('BAD_USER_INPUT');
    expect(await outcome(invite('c@example.com', [VIDEO], 'soon'))).toBe('BAD_USER_INPUT');
    expect((await allEvents(world.store)).length).toBe(before);
    expect(
      await outcome(
        app.invitations.inviteUser(owner, {
          email: 'm@example.com',
          name: 'M',
          role: 'OWNER',
          products: [],
          expiresIn: 'P1D',
        }),
      ),
    ).toBe('FORBIDDEN');
  });

  it('a later product lost to a race: the seats already held are given back, refused with that product’s code', async () => {
    // Another process takes the last WEBINAR seat right after this invitation held its VIDEO seat (every check had
    // passed by then): the store is the real one, it only lets the other process in at that moment.
    const other = world.openApp({ ownStore: true, now: () => clock });
    const { userId } = await addUser(app, owner, 'bob@example.com');
    let raced = false;
    const racing: EventStore = {
      appendToStream: async (stream, events, options) => {
        const result = await world.store.appendToStream(stream, events, options);
        if (!raced && events.some((e) => e.type === 'SeatReserved')) {
          raced = true;
          await other.assignLicense(owner, { userId, product: WEBINAR });
        }
        return result;
      },
      readStream: (stream, options) => world.store.readStream(stream, options),
      readAll: (options) => world.store.readAll(options),
      subscribeToAll: (options) => world.store.subscribeToAll(options),
      headPosition: () => world.store.headPosition(),
      close: async () => undefined,
    };
    const inviter = world.openApp({ store: racing, now: () => clock });
    const result = await outcome(
      inviter.invitations.inviteUser(owner, {
        email: 'ivy@example.com',
        name: 'Ivy',
        role: 'MEMBER',
        products: [VIDEO, WEBINAR],
        expiresIn: 'P7D',
      }),
    );
    expect(raced).toBe(true);
    expect(result).toBe('NO_SEATS_AVAILABLE');
    const video = await streamEvents(world.store, subscriptionStream(accountId, VIDEO));
    expect(video.slice(-2).map((e) => e.type)).toEqual(['SeatReserved', 'SeatReservationCancelled']);
    expect(seatCounts(await fold(world, accountId, VIDEO))).toMatchObject({ assigned: 0, reserved: 0, available: 2 });
    // Nothing of the invitation or its user was written; its e-mail is free.
    expect((await allEvents(world.store)).some((e) => e.streamName.startsWith('invitation-'))).toBe(false);
    expect(await app.findUserByEmail('ivy@example.com')).toBeNull();
  });

  it('accepting converts each held seat into a licence once, activates the user and sets the password', async () => {
    const { invitation, user } = await invite('ivy@example.com', [VIDEO, WEBINAR]);
    const token = app.invitations.linkToken(invitation.invitationId, 1);
    const accepted = await app.invitations.acceptInvitation(
      { correlationId: 'accept' },
      { token, password: 'correct horse' },
      hash,
    );
    expect(accepted.userId).toBe(user.status === 'absent' ? '' : user.userId);
    expect(accepted.invitation.status).toBe('ACCEPTED');
    for (const product of [VIDEO, WEBINAR]) {
      const events = await streamEvents(world.store, subscriptionStream(accountId, product));
      expect(events.slice(-2).map((e) => e.type)).toEqual(['SeatReservationConverted', 'LicenseAssigned']);
      expect(events.slice(-1)[0]?.metadata.actorId).toBe(accepted.userId);
    }
    expect(seatCounts(await fold(world, accountId, VIDEO))).toEqual({
      purchased: 2,
      assigned: 1,
      reserved: 0,
      available: 1,
    });
    expect(await app.loadUser(accepted.userId)).not.toHaveProperty('invitationId');
    // The link has served: UNAUTHENTICATED, nothing written.
    const before = (await allEvents(world.store)).length;
    expect(
      await outcome(
        app.invitations.acceptInvitation({ correlationId: 'again' }, { token, password: 'correct horse' }, hash),
      ),
    ).toBe('UNAUTHENTICATED');
    expect((await allEvents(world.store)).length).toBe(before);
  });

  it('checks the token before hashing the password; a refused password writes nothing', async () => {
    const { invitation } = await invite('ivy@example.com');
    let hashed = 0;
    const counting = async (password: string) => {
      hashed++;
      return hash(password);
    };
    const bad = `${invitation.invitationId}.${'A'.repeat(43)}`;
    expect(
      await outcome(
        app.invitations.acceptInvitation({ correlationId: 'x' }, { token: bad, password: 'correct horse' }, counting),
      ),
    ).toBe('UNAUTHENTICATED');
    expect(
      await outcome(
        app.invitations.acceptInvitation({ correlationId: 'x' }, { token: 'junk', password: 'x' }, counting),
      ),
    ).toBe('UNAUTHENTICATED');
    expect(hashed).toBe(0);
    const before = (await allEvents(world.store)).length;
    const token = app.invitations.linkToken(invitation.invitationId, 1);
    expect(
      await outcome(app.invitations.acceptInvitation({ correlationId: 'x' }, { token, password: 'short' }, counting)),
    ).toBe('BAD_USER_INPUT');
    expect((await allEvents(world.store)).length).toBe(before);
  });

  it('resend issues a new link and spends the old one (INVITATION_EXPIRED); the new one works', async () => {
    const { invitation } = await invite('ivy@example.com');
    const resent = await app.invitations.resendInvitation(owner, { invitationId: invitation.invitationId });
    expect(resent.invitation.issue).toBe(2);
    const old = app.invitations.linkToken(invitation.invitationId, 1);
    const fresh = app.invitations.linkToken(invitation.invitationId, 2);
    const before = (await allEvents(world.store)).length;
    expect(
      await outcome(
        app.invitations.acceptInvitation({ correlationId: 'x' }, { token: old, password: 'correct horse' }, hash),
      ),
    ).toBe('INVITATION_EXPIRED');
    expect((await allEvents(world.store)).length).toBe(before);
    expect(
      await outcome(
        app.invitations.acceptInvitation({ correlationId: 'x' }, { token: fresh, password: 'correct horse' }, hash),
      ),
    ).toBe('OK');
  });

  it('cancel frees the seats and deactivates the user; its link is INVITATION_EXPIRED; a second cancel changes nothing', async () => {
    const { invitation } = await invite('ivy@example.com', [VIDEO, WEBINAR]);
    const cancelled = await app.invitations.cancelInvitation(owner, { invitationId: invitation.invitationId });
    expect(cancelled.invitation.status).toBe('CANCELLED');
    expect(cancelled.seats.map((s) => s.reserved)).toEqual([0, 0]);
    expect((await app.loadUser(invitation.userId)).status).toBe('inactive');
    const token = app.invitations.linkToken(invitation.invitationId, 1);
    expect(
      await outcome(
        app.invitations.acceptInvitation({ correlationId: 'x' }, { token, password: 'correct horse' }, hash),
      ),
    ).toBe('INVITATION_EXPIRED');
    const before = (await allEvents(world.store)).length;
    await app.invitations.cancelInvitation(owner, { invitationId: invitation.invitationId });
    expect((await allEvents(world.store)).length).toBe(before);
    const { ctx: member } = await addUser(app, owner, 'mem@example.com');
    expect(await outcome(app.invitations.cancelInvitation(member, { invitationId: invitation.invitationId }))).toBe(
      'FORBIDDEN',
    );
  });

  it('expiry: refused at expiresAt before the reactor writes it; the system then frees the seats, as the system', async () => {
    const { invitation } = await invite('ivy@example.com', [VIDEO], 'PT1M');
    const token = app.invitations.linkToken(invitation.invitationId, 1);
    const cause = { correlationId: 'tick', causationId: 'event-1', onBehalfOf: owner.actor.userId };
    // Not due: nothing written.
    await app.invitations.expireInvitation(cause, { invitationId: invitation.invitationId });
    expect((await streamEvents(world.store, invitationStream(invitation.invitationId))).length).toBe(1);
    clock = new Date(clock.getTime() + 60_000);
    expect(
      await outcome(
        app.invitations.acceptInvitation({ correlationId: 'x' }, { token, password: 'correct horse' }, hash),
      ),
    ).toBe('INVITATION_EXPIRED');
    await app.invitations.expireInvitation(cause, { invitationId: invitation.invitationId });
    const events = await streamEvents(world.store, subscriptionStream(accountId, VIDEO));
    const last = events.slice(-1)[0];
    expect(last?.type).toBe('SeatReservationExpired');
    expect(last?.metadata).toMatchObject({
      actorId: SYSTEM_ACTOR_ID,
      onBehalfOf: owner.actor.userId,
      causationId: 'event-1',
    });
    expect(seatCounts(await fold(world, accountId, VIDEO)).reserved).toBe(0);
    expect((await app.loadUser(invitation.userId)).status).toBe('inactive');
    expect((await app.invitations.loadInvitation(invitation.invitationId)).status).toBe('EXPIRED');
  });

  it('never writes a token or its hash into a published stream', async () => {
    const { invitation } = await invite('ivy@example.com', [VIDEO]);
    await app.invitations.resendInvitation(owner, { invitationId: invitation.invitationId });
    const token = app.invitations.linkToken(invitation.invitationId, 2);
    const secret = token.split('.')[1] as string;
    for (const event of await allEvents(world.store)) {
      const text = JSON.stringify(event.data);
      if (event.streamName.startsWith('credentials-')) continue;
      expect(text).not.toContain(secret);
      expect(text).not.toMatch(/[0-9a-f]{64}/);
    }
  });
});

describe('application: 200 concurrent invites and assigns on 50 seats', () => {
  let world: TestWorld;
  beforeEach(async () => {
    world = await openWorld();
  });
  afterEach(() => world.close());

  it('never exceed 50 assigned + reserved, in one process and across two', async () => {
    const { app } = world;
    const { owner, accountId } = await signUp(app);
    const users = await Promise.all(
      Array.from({ length: 100 }, (_, i) => addUser(app, owner, `user${i}@example.com`).then((u) => u.userId)),
    );
    await app.purchaseLicenses(owner, { product: 'VIDEO_MEETING', planId: 'video-pro', quantity: 50 });
    const other = world.openApp({ ownStore: true });
    const results = await Promise.all([
      ...users.map((userId, i) =>
        outcome((i % 2 ? other : app).assignLicense(owner, { userId, product: 'VIDEO_MEETING' })),
      ),
      ...Array.from({ length: 100 }, (_, i) =>
        outcome(
          (i % 2 ? app : other).invitations.inviteUser(owner, {
            email: `invitee${i}@example.com`,
            name: `Invitee ${i}`,
            role: 'MEMBER',
            products: ['VIDEO_MEETING'],
            expiresIn: 'P1D',
          }),
        ),
      ),
    ]);
    const ok = results.filter((r) => r === 'OK').length;
    expect(ok).toBe(50);
    expect(results.filter((r) => r !== 'OK' && r !== 'NO_SEATS_AVAILABLE')).toEqual([]);
    const state = await fold(world, accountId, 'VIDEO_MEETING');
    const seats = seatCounts(state);
    expect(seats.assigned + seats.reserved).toBe(50);
    // At every point of the stream, not only at the end.
    let running = subscriptionDecider.initialState();
    for (const e of await streamEvents(world.store, subscriptionStream(accountId, 'VIDEO_MEETING'))) {
      running = subscriptionDecider.evolve(running, { type: e.type, data: e.data } as SubscriptionEvent);
      const now = seatCounts(running);
      expect(now.assigned + now.reserved).toBeLessThanOrEqual(now.purchased);
    }
  }, 60_000);
});
