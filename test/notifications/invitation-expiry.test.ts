// The invitation-expiry reactor: it follows the log (a processor of the log consumer, on the real SQLite store) and
// writes each lapse within a tick of expiresAt: SeatReservationExpired and InvitationExpired, as the system, caused by
// the event that set the expiry; nothing before it, nothing for an accepted one; and a seat left held by an invitation
// that was never written (a crash half-way) lapses too.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { RequestContext } from '../../src/application/application';
import { createApplication } from '../../src/application/create-application';
import { invitationStream, subscriptionStream, userStream } from '../../src/domain/streams';
import type { RecordedEvent } from '../../src/eventstore/port';
import { openSqliteEventStore } from '../../src/eventstore/sqlite';
import { openNotificationsDb } from '../../src/notifications/db';
import { createInvitationExpiryReactor } from '../../src/notifications/invitation-expiry-reactor';
import { LogConsumer } from '../../src/processing/log-consumer';
import { makeTempDir } from '../support/temp-dir';
import { captureLogger } from './support';

const TICK_SECONDS = 0.05;

async function world() {
  const temp = makeTempDir();
  const store = openSqliteEventStore({ file: path.join(temp.dir, 'events.db') });
  let clock = new Date('2025-05-01T08:00:00.000Z');
  const now = () => clock;
  const app = createApplication({ store, now });
  const logger = captureLogger();
  const consumer = new LogConsumer({ store, logger, retry: { baseMs: 20, maxMs: 200 } });
  await consumer.start();
  const db = openNotificationsDb(temp.dir);
  const reactor = createInvitationExpiryReactor({ store, consumer, app, db, logger, tickSeconds: TICK_SECONDS, now });
  const opened = await app.openAccount(
    { correlationId: randomUUID() },
    { accountName: 'Acme', ownerName: 'Olga Owner', ownerEmail: 'olga@acme.example' },
  );
  const owner: RequestContext = {
    actor: { userId: opened.ownerUserId, accountId: opened.accountId, role: 'OWNER' },
    correlationId: randomUUID(),
  };
  await app.purchaseLicenses(owner, { product: 'VIDEO_MEETING', planId: 'video-pro', quantity: 1 });
  await reactor.start();
  const read = async (stream: string) => {
    const out: RecordedEvent[] = [];
    for await (const e of store.readStream(stream)) out.push(e);
    return out;
  };
  /** Waits (a bounded while) until the stream's last event is of `type`. */
  const lastOf = async (stream: string, type: string) => {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const last = (await read(stream)).at(-1);
      if (last?.type === type || Date.now() > deadline) return last;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return {
    app,
    store,
    owner,
    accountId: opened.accountId,
    reactor,
    read,
    lastOf,
    advance(ms: number) {
      clock = new Date(clock.getTime() + ms);
    },
    /** Lets the consumer hand the reactor what was written, then runs ticks. */
    async settle() {
      await new Promise((resolve) => setTimeout(resolve, 200));
    },
    async close() {
      await reactor.stop();
      await consumer.stop();
      db.close();
      await store.close();
      temp.cleanup();
    },
  };
}

describe('invitation-expiry reactor', () => {
  let w: Awaited<ReturnType<typeof world>>;
  beforeEach(async () => {
    w = await world();
  });
  afterEach(() => w.close());

  const invite = () =>
    w.app.invitations.inviteUser(w.owner, {
      email: 'ivy@example.com',
      name: 'Ivy',
      role: 'MEMBER',
      products: ['VIDEO_MEETING'],
      expiresIn: 'PT1M',
    });

  it('writes nothing before expiresAt; within a tick after it, frees the seat and lapses the invitation as the system', async () => {
    const { invitation } = await invite();
    w.advance(59_000);
    await w.settle();
    expect((await w.read(subscriptionStream(w.accountId, 'VIDEO_MEETING'))).at(-1)?.type).toBe('SeatReserved');
    w.advance(1_000);
    const seat = await w.lastOf(subscriptionStream(w.accountId, 'VIDEO_MEETING'), 'SeatReservationExpired');
    expect(seat?.type).toBe('SeatReservationExpired');
    expect(seat?.metadata).toMatchObject({ actorId: 'system', onBehalfOf: w.owner.actor.userId });
    const lapsed = await w.lastOf(invitationStream(invitation.invitationId), 'InvitationExpired');
    expect(lapsed?.type).toBe('InvitationExpired');
    const sent = (await w.read(invitationStream(invitation.invitationId)))[0];
    expect(lapsed?.metadata.causationId).toBe(sent?.id);
    // The user is ended last (after the invitation and its seats): wait for it rather than race it.
    expect((await w.lastOf(userStream(invitation.userId), 'UserDeactivated'))?.type).toBe('UserDeactivated');
    expect((await w.app.loadUser(invitation.userId)).status).toBe('inactive');
    // The seat is free again: an assignment gets it.
    const { userId } = await w.app.createUser(w.owner, { email: 'bob@example.com', name: 'Bob', role: 'MEMBER' });
    await w.app.assignLicense(w.owner, { userId, product: 'VIDEO_MEETING' });
  });

  it('leaves an accepted invitation alone', async () => {
    const { invitation } = await invite();
    const token = w.app.invitations.linkToken(invitation.invitationId, 1);
    await w.app.invitations.acceptInvitation(
      { correlationId: 'accept' },
      { token, password: 'correct horse' },
      async (p) => `h:${p}`,
    );
    w.advance(120_000);
    await w.settle();
    await w.reactor.tick();
    expect((await w.read(invitationStream(invitation.invitationId))).at(-1)?.type).toBe('InvitationAccepted');
    expect((await w.read(subscriptionStream(w.accountId, 'VIDEO_MEETING'))).at(-1)?.type).toBe('LicenseAssigned');
  });

  it('frees a seat held by an invitation that was never written (a crash half-way)', async () => {
    const stream = subscriptionStream(w.accountId, 'VIDEO_MEETING');
    const at = new Date('2025-05-01T08:00:00.000Z');
    await w.store.appendToStream(
      stream,
      [
        {
          id: randomUUID(),
          type: 'SeatReserved',
          data: {
            accountId: w.accountId,
            product: 'VIDEO_MEETING',
            invitationId: 'never-written',
            userId: 'never-created',
            expiresAt: new Date(at.getTime() + 60_000).toISOString(),
          },
          metadata: {
            accountId: w.accountId,
            actorId: w.owner.actor.userId,
            occurredAt: at.toISOString(),
            correlationId: 'crashed',
            causationId: 'crashed',
            schemaVersion: 1,
          },
        },
      ],
      { expectedRevision: 'any' },
    );
    w.advance(60_000);
    const last = await w.lastOf(stream, 'SeatReservationExpired');
    expect(last?.type).toBe('SeatReservationExpired');
    expect(last?.data).toMatchObject({ invitationId: 'never-written' });
  });
});
