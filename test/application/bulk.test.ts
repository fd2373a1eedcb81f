// Specs of the bulk operations through the real handler and SQLite store: one append per licence operation with one
// correlation id, nothing written by refusals and dry runs, and each new user on its own stream with its e-mail.
import type { Application, RequestContext } from '../../src/application/application';
import { emailStreamOf } from '../../src/application/email-reservation';
import { subscriptionStream } from '../../src/domain/streams';
import type { EventStore } from '../../src/eventstore/port';
import { addUser, allEvents, ctxOf, openWorld, outcome, signUp, streamEvents, type TestWorld } from './support';

const VIDEO = 'VIDEO_MEETING' as const;

describe('application: many at once', () => {
  let world: TestWorld;
  let app: Application;
  let owner: RequestContext;
  let admin: RequestContext;
  let accountId: string;
  const ids: string[] = [];
  let inactive: string;
  let stranger: string;

  beforeAll(async () => {
    world = await openWorld();
    app = world.app;
    const acme = await signUp(app, 'olive@example.com');
    owner = acme.owner;
    accountId = acme.accountId;
    admin = (await addUser(app, owner, 'ada@example.com', 'ADMIN')).ctx;
    for (let i = 0; i < 5; i++) ids.push((await addUser(app, owner, `user${i}@example.com`)).userId);
    inactive = (await addUser(app, owner, 'gone@example.com')).userId;
    await app.deactivateUser(owner, { userId: inactive });
    stranger = (await addUser(app, (await signUp(app, 'other@example.com')).owner, 'eve@example.com')).userId;
    await app.purchaseLicenses(owner, { product: VIDEO, planId: 'video-standard', quantity: 4 });
  });
  afterAll(() => world.close());

  const logLength = async () => (await allEvents(world.store)).length;
  const stream = () => subscriptionStream(accountId, VIDEO);

  it('given 4 seats, when 5 users are assigned ALL_OR_NOTHING, then nothing is appended and the fifth is refused', async () => {
    const length = await logLength();
    const answer = await app.assignLicenses(ctxOf(owner.actor, 'op-refused'), {
      userIds: ids,
      product: VIDEO,
      mode: 'ALL_OR_NOTHING',
      dryRun: false,
    });
    expect(answer.position).toBeNull();
    expect(answer.applied).toEqual([]);
    expect(answer.refused.map((r) => [r.index, r.code])).toEqual([[4, 'NO_SEATS_AVAILABLE']]);
    expect(answer.before).toEqual({ purchased: 4, assigned: 0, reserved: 0, available: 4 });
    expect(answer.after).toEqual(answer.before);
    expect(await logLength()).toBe(length);
  });

  it('when the same is a dry run in BEST_EFFORT, then it answers four applied and writes nothing', async () => {
    const length = await logLength();
    const answer = await app.assignLicenses(owner, { userIds: ids, product: VIDEO, mode: 'BEST_EFFORT', dryRun: true });
    expect(answer.dryRun).toBe(true);
    expect(answer.position).toBeNull();
    expect(answer.applied.map((u) => u.status !== 'absent' && u.userId)).toEqual(ids.slice(0, 4));
    expect(answer.after).toEqual({ purchased: 4, assigned: 4, reserved: 0, available: 0 });
    expect(await logLength()).toBe(length);
  });

  it('when assigned BEST_EFFORT for real, then one append of four events carrying one correlation and operation id', async () => {
    const before = (await streamEvents(world.store, stream())).length;
    const answer = await app.assignLicenses(ctxOf(admin.actor, 'op-bulk'), {
      userIds: [...ids, inactive, stranger],
      product: VIDEO,
      mode: 'BEST_EFFORT',
      dryRun: false,
    });
    expect(answer.refused.map((r) => [r.index, r.code])).toEqual([
      [4, 'NO_SEATS_AVAILABLE'],
      [5, 'USER_INACTIVE'],
      [6, 'NOT_FOUND'],
    ]);
    const events = (await streamEvents(world.store, stream())).slice(before);
    expect(events.map((e) => [e.type, e.data.userId])).toEqual(ids.slice(0, 4).map((id) => ['LicenseAssigned', id]));
    // One append: consecutive revisions, one position each, all ending at the answer's position.
    expect(events.at(-1)?.position).toBe(answer.position);
    expect(new Set(events.map((e) => e.metadata.correlationId))).toEqual(new Set(['op-bulk']));
    expect(new Set(events.map((e) => e.metadata.operationId))).toEqual(new Set([answer.operationId]));
  });

  it('when two of them are revoked with a reason, then LicenseRevoked carries it', async () => {
    const answer = await app.revokeLicenses(owner, {
      userIds: [ids[0] as string, ids[4] as string],
      product: VIDEO,
      mode: 'BEST_EFFORT',
      dryRun: false,
      reason: 'left the team',
    });
    expect(answer.refused.map((r) => [r.index, r.code])).toEqual([[1, 'NOT_ASSIGNED']]);
    const [last] = (await streamEvents(world.store, stream())).slice(-1);
    expect(last?.data).toMatchObject({ userId: ids[0], reason: 'left the team' });
    expect(answer.after).toEqual({ purchased: 4, assigned: 3, reserved: 0, available: 1 });
  });

  it('refuses a MEMBER and a list with a repeated id as a whole, appending nothing', async () => {
    const member = ctxOf({ userId: ids[1] as string, accountId, role: 'MEMBER' });
    const input = { userIds: [ids[4] as string], product: VIDEO, mode: 'BEST_EFFORT' as const, dryRun: false };
    const length = await logLength();
    expect(await outcome(app.assignLicenses(member, input))).toBe('FORBIDDEN');
    expect(await outcome(app.assignLicenses(owner, { ...input, userIds: [ids[4] as string, ids[4] as string] }))).toBe(
      'BAD_USER_INPUT',
    );
    expect(await logLength()).toBe(length);
  });

  describe('createUsers', () => {
    it('ALL_OR_NOTHING with a taken e-mail and an ADMIN made by an ADMIN: two refusals, nothing written', async () => {
      const length = await logLength();
      const answer = await app.createUsers(admin, {
        users: [
          { email: 'new1@example.com', name: 'New One', role: 'MEMBER' },
          { email: 'USER1@example.com', name: 'Taken', role: 'MEMBER' },
          { email: 'boss@example.com', name: 'Boss', role: 'ADMIN' },
        ],
        mode: 'ALL_OR_NOTHING',
        dryRun: false,
      });
      expect(answer.created).toEqual([]);
      expect(answer.refused.map((r) => [r.index, r.email, r.code])).toEqual([
        [1, 'USER1@example.com', 'EMAIL_TAKEN'],
        [2, 'boss@example.com', 'FORBIDDEN'],
      ]);
      expect(await logLength()).toBe(length);
    });

    it('a dry run answers who would be created and writes nothing', async () => {
      const length = await logLength();
      const answer = await app.createUsers(owner, {
        users: [{ email: 'dry@example.com', name: 'Dry Run', role: 'ADMIN' }],
        mode: 'ALL_OR_NOTHING',
        dryRun: true,
      });
      expect(answer.created).toEqual([expect.objectContaining({ email: 'dry@example.com', role: 'ADMIN' })]);
      expect(await logLength()).toBe(length);
    });

    it('BEST_EFFORT creates each valid user on its own stream with its reservation and lists the rest', async () => {
      const answer = await app.createUsers(ctxOf(owner.actor, 'op-users'), {
        users: [
          { email: 'a@example.com', name: 'Ann', role: 'MEMBER' },
          { email: 'not an e-mail', name: 'Bad', role: 'MEMBER' },
          { email: 'b@example.com', name: 'Bea', role: 'ADMIN' },
        ],
        mode: 'BEST_EFFORT',
        dryRun: false,
      });
      expect(answer.refused.map((r) => [r.index, r.code])).toEqual([[1, 'BAD_USER_INPUT']]);
      expect(answer.created.map((u) => u.status !== 'absent' && [u.email, u.role])).toEqual([
        ['a@example.com', 'MEMBER'],
        ['b@example.com', 'ADMIN'],
      ]);
      for (const user of answer.created) {
        if (user.status === 'absent') throw new Error('created users exist');
        expect(await app.loadUser(user.userId)).toEqual(user);
        expect(await app.findUserByEmail(user.email)).toEqual({ userId: user.userId, accountId });
        const [reserved] = await streamEvents(world.store, emailStreamOf(user.email));
        expect(reserved?.metadata).toMatchObject({ correlationId: 'op-users', operationId: answer.operationId });
      }
    });

    it('an e-mail taken between the check and the write refuses that item only; the others stay', async () => {
      // Another application (its own cache, as another process) takes race3's address right after this one's check
      // read its reservation stream, before this one writes.
      const rival = world.openApp();
      const contested = emailStreamOf('race3@example.com');
      let reads = 0;
      const racing: EventStore = {
        appendToStream: (name, events, options) => world.store.appendToStream(name, events, options),
        readStream: (name, options) =>
          (async function* () {
            yield* world.store.readStream(name, options);
            if (name === contested && ++reads === 1) {
              await rival.createUser(owner, { email: 'race3@example.com', name: 'Rival', role: 'MEMBER' });
            }
          })(),
        readAll: (options) => world.store.readAll(options),
        headPosition: () => world.store.headPosition(),
        subscribeToAll: (options) => world.store.subscribeToAll(options),
        close: async () => undefined,
      };
      const answer = await world.openApp({ store: racing }).createUsers(owner, {
        users: Array.from({ length: 6 }, (_, i) => ({
          email: `race${i}@example.com`,
          name: `Racer ${i}`,
          role: 'MEMBER' as const,
        })),
        mode: 'ALL_OR_NOTHING',
        dryRun: false,
      });
      expect(reads).toBeGreaterThan(1);
      expect(answer.refused.map((r) => [r.index, r.code])).toEqual([[3, 'EMAIL_TAKEN']]);
      expect(answer.created.map((u) => u.status !== 'absent' && u.email)).toEqual(
        [0, 1, 2, 4, 5].map((i) => `race${i}@example.com`),
      );
      const holder = await app.findUserByEmail('race3@example.com');
      expect(holder && (await app.loadUser(holder.userId))).toMatchObject({ name: 'Rival' });
    });

    it('refuses a MEMBER and more than 1,000 users as a whole', async () => {
      const member = ctxOf({ userId: ids[1] as string, accountId, role: 'MEMBER' });
      const one = { email: 'x@example.com', name: 'X', role: 'MEMBER' as const };
      const input = { mode: 'BEST_EFFORT' as const, dryRun: false };
      expect(await outcome(app.createUsers(member, { ...input, users: [one] }))).toBe('FORBIDDEN');
      const many = Array.from({ length: 1001 }, (_, i) => ({ ...one, email: `m${i}@example.com` }));
      await expect(app.createUsers(owner, { ...input, users: many })).rejects.toMatchObject({ rule: 'arrayMaxSize' });
    });

    it('given an e-mail given twice (any case) and an entry the input rules refused, when created BEST_EFFORT, then only those items are refused', async () => {
      const length = await logLength();
      const one = { email: 'twice@example.com', name: 'Once', role: 'MEMBER' as const };
      const answer = await app.createUsers(owner, {
        mode: 'BEST_EFFORT',
        dryRun: false,
        users: [
          one,
          { ...one, email: 'TWICE@example.com', name: 'Twice' },
          {
            ...one,
            email: 'bad@example.com',
            problems: [{ field: 'name', rule: 'notBlank', message: 'name must not be blank' }],
          },
        ],
      });
      expect(answer.created.map((u) => u.status !== 'absent' && u.email)).toEqual(['twice@example.com']);
      expect(answer.refused).toEqual([
        {
          index: 1,
          email: 'TWICE@example.com',
          code: 'BAD_USER_INPUT',
          message: 'email repeats the e-mail of item 0 (arrayUnique)',
        },
        { index: 2, email: 'bad@example.com', code: 'BAD_USER_INPUT', message: 'name must not be blank (notBlank)' },
      ]);
      expect(await logLength()).toBe(length + 2);
    });

    it('given the same items ALL_OR_NOTHING, then every refusal is listed and nothing is written', async () => {
      const length = await logLength();
      const one = { email: 'all@example.com', name: 'All', role: 'MEMBER' as const };
      const answer = await app.createUsers(owner, {
        mode: 'ALL_OR_NOTHING',
        dryRun: false,
        users: [one, { ...one, email: 'ALL@example.com' }, { ...one, email: 'not an address' }],
      });
      expect(answer.created).toEqual([]);
      expect(answer.refused.map((r) => [r.index, r.code])).toEqual([
        [1, 'BAD_USER_INPUT'],
        [2, 'BAD_USER_INPUT'],
      ]);
      expect(await logLength()).toBe(length);
    });
  });
});
