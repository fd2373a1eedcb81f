// A hot account over real HTTP, from two API instances (two processes' worth of caches and batches) on one
// EventStoreDB: each instance decides the commands queued on the subscription stream together and appends them in
// one append; when the other instance wrote in between, the batch loses its append and is decided again. However
// the batches fall, exactly as many assignments succeed as there are seats and every other one is refused.
// Runs against the in-repo TEST STAND-IN (not EventStoreDB), or a real server when EVENTSTORE_CONNECTION_STRING is set.
import { eventually } from '../notifications/support';
import { type EventStoreDbForTests, eventStoreDbForTests, eventStoreDbTarget } from '../support/eventstoredb-target';
import {
  ASSIGN,
  createUser,
  ok,
  purchase,
  REVOKE,
  signUpAccount,
  startTestSeatledger,
  TEST_AUTH_SECRET,
  type TestSeatledger,
} from '../support/seatledger';

const SEATS = '{ seatAvailability(product: VIDEO_MEETING) { purchased assigned available } }';

describe(`a hot account from two API instances on ${eventStoreDbTarget}`, () => {
  let eventStoreDb: EventStoreDbForTests | undefined;
  let one: TestSeatledger;
  let two: TestSeatledger;

  beforeAll(async () => {
    eventStoreDb = await eventStoreDbForTests();
    const env = { EVENTSTORE_CONNECTION_STRING: eventStoreDb.connectionString, AUTH_SECRET: TEST_AUTH_SECRET };
    [one, two] = await Promise.all([startTestSeatledger({ env }), startTestSeatledger({ env })]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([one, two].map((server) => server?.close()));
    await eventStoreDb?.stop();
  });

  it('40 assignments and 8 revocations at once on 30 seats, half through each instance: the seat rule holds', async () => {
    const owner = await signUpAccount(one.gql, 'Hot Account');
    await purchase(one.gql, owner.token, 30);
    const users: string[] = [];
    for (let batch = 0; batch < 4; batch++) {
      const created = await Promise.all(Array.from({ length: 10 }, () => createUser(one.gql, owner.token)));
      users.push(...created.map((user) => user.id));
    }
    // Both instances know the account before the race.
    await eventually(async () => {
      const seats = ok(await two.gql(SEATS, undefined, owner.token)).seatAvailability;
      if (seats?.purchased !== 30) throw new Error(`two sees ${JSON.stringify(seats)}`);
    }, 5_000);

    const via = (i: number) => (i % 2 === 0 ? one : two).gql;
    const assigns = users.map((userId, i) => via(i)(ASSIGN, { userId, product: 'VIDEO_MEETING' }, owner.token));
    // Revocations of users who may or may not hold a licence yet: NOT_ASSIGNED or a freed seat.
    const revokes = users
      .slice(0, 8)
      .map((userId, i) => via(i + 1)(REVOKE, { userId, product: 'VIDEO_MEETING' }, owner.token));
    const [assigned, revoked] = await Promise.all([Promise.all(assigns), Promise.all(revokes)]);

    const codes = [...assigned, ...revoked].flatMap((result) => result.codes);
    // Refusals only, never a lost race: a conflict redoes the batch instead of failing it.
    expect(new Set(codes)).toEqual(new Set(codes.filter((c) => c === 'NO_SEATS_AVAILABLE' || c === 'NOT_ASSIGNED')));
    const assignedOk = assigned.filter((result) => result.codes.length === 0).length;
    const revokedOk = revoked.filter((result) => result.codes.length === 0).length;
    expect(assignedOk).toBeGreaterThanOrEqual(30);
    // Every seat ends taken: each revocation that freed one let a later assignment in, or left it free.
    const final = await eventually(async () => {
      const seats = [
        ok(await one.gql(SEATS, undefined, owner.token)).seatAvailability,
        ok(await two.gql(SEATS, undefined, owner.token)).seatAvailability,
      ];
      if (seats[0].assigned !== assignedOk - revokedOk || seats[1].assigned !== seats[0].assigned) {
        throw new Error(`instances see ${JSON.stringify(seats)}`);
      }
      return seats[0];
    }, 10_000);
    expect(final.purchased).toBe(30);
    expect(final.assigned).toBeLessThanOrEqual(30);
    expect(final.assigned).toBe(assignedOk - revokedOk);
  });
});
