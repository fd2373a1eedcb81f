// The seat invariant under real HTTP concurrency: 100 assignLicense requests at once on 30 seats.
import {
  ASSIGN,
  createUser,
  ok,
  purchase,
  signUpAccount,
  startTestSeatledger,
  type TestSeatledger,
} from '../support/seatledger';

describe('concurrent assignLicense over HTTP', () => {
  let server: TestSeatledger;
  beforeAll(async () => {
    server = await startTestSeatledger();
  });
  afterAll(() => server?.close());

  it('100 requests at once on 30 seats: exactly 30 succeed, the rest NO_SEATS_AVAILABLE', async () => {
    const { gql } = server;
    const owner = await signUpAccount(gql, 'Rush Hour');
    await purchase(gql, owner.token, 30);
    const users: string[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const created = await Promise.all(Array.from({ length: 10 }, () => createUser(gql, owner.token)));
      users.push(...created.map((user) => user.id));
    }

    const results = await Promise.all(
      users.map((userId) => gql(ASSIGN, { userId, product: 'VIDEO_MEETING' }, owner.token)),
    );

    const succeeded = results.filter((result) => result.codes.length === 0);
    expect(succeeded).toHaveLength(30);
    expect(results.filter((result) => result.codes.join() === 'NO_SEATS_AVAILABLE')).toHaveLength(70);
    // Each success read its own write back (at least one seat taken), and never more than were bought.
    for (const result of succeeded) {
      const { seats } = result.data?.assignLicense ?? {};
      expect(seats.assigned).toBeGreaterThanOrEqual(1);
      expect(seats.assigned).toBeLessThanOrEqual(30);
      expect(seats.assigned + seats.available).toBe(30);
    }

    const seats = ok(
      await gql(
        '{ seatAvailability(product: VIDEO_MEETING) { purchased assigned available } subscriptions { assignees { totalCount } } }',
        undefined,
        owner.token,
      ),
    );
    expect(seats.seatAvailability).toEqual({ purchased: 30, assigned: 30, available: 0 });
    expect(seats.subscriptions).toEqual([{ assignees: { totalCount: 30 } }]);
  });
});
