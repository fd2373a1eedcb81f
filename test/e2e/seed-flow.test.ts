// The seed's whole flow over real HTTP against a real server on a temp data dir, as an SPA client plays it: sign up,
// log in, buy, buy more, upgrade, add users, search, assign, activate, revoke, over-assign, history and as-of seats.
import {
  type Answer,
  ASSIGN,
  activationTokenFromOutbox,
  createUser,
  ok,
  PASSWORD,
  REVOKE,
  signUpAccount,
  startTestSeatledger,
  type TestSeatledger,
} from '../support/seatledger';

const PURCHASE = `mutation ($input: PurchaseLicensesInput!) {
  purchaseLicenses(input: $input) { subscription { id product plan { id } seats { purchased assigned available } } }
}`;
const SEATS = `query ($product: Product!, $asOf: DateTime) {
  seatAvailability(product: $product, asOf: $asOf) { product purchased assigned available }
}`;
const HISTORY = `query ($first: Int, $after: String) {
  licenseHistory(first: $first, after: $after) {
    edges { cursor node { id position type occurredAt product actor { id } user { id } data } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the seed flow over HTTP', () => {
  let server: TestSeatledger;
  beforeAll(async () => {
    server = await startTestSeatledger();
  });
  afterAll(() => server?.close());

  it('signs up, buys, upgrades, adds, searches, assigns, revokes and keeps the history', async () => {
    const { gql } = server;

    // given an account, signed in again by e-mail in another case
    const owner = await signUpAccount(gql, 'Globex');
    const login = ok(
      await gql<{ login: { token: string; user: { id: string; role: string } } }>(
        'mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { token user { id role } } }',
        { email: owner.email.toUpperCase(), password: PASSWORD },
      ),
    );
    expect(login.login.user).toEqual({ id: owner.ownerId, role: 'OWNER' });
    const token = login.login.token;

    // when it buys 5 seats, then 3 more on the same plan
    const bought = ok(
      await gql(PURCHASE, { input: { product: 'VIDEO_MEETING', plan: 'video-standard', quantity: 5 } }, token),
    );
    expect(bought.purchaseLicenses.subscription).toMatchObject({
      product: 'VIDEO_MEETING',
      plan: { id: 'video-standard' },
      seats: { purchased: 5, assigned: 0, available: 5 },
    });
    await pause(20);
    const betweenPurchases = new Date().toISOString();
    await pause(20);
    const more = ok(
      await gql(PURCHASE, { input: { product: 'VIDEO_MEETING', plan: 'video-standard', quantity: 3 } }, token),
    );
    expect(more.purchaseLicenses.subscription.seats).toEqual({ purchased: 8, assigned: 0, available: 8 });

    // and upgrades every seat to Pro
    const upgraded = ok(
      await gql(
        'mutation { upgradePlan(input: { product: VIDEO_MEETING, plan: "video-pro" }) { subscription { plan { id rank } seats { purchased } } } }',
        undefined,
        token,
      ),
    );
    expect(upgraded.upgradePlan.subscription).toEqual({ plan: { id: 'video-pro', rank: 2 }, seats: { purchased: 8 } });

    // and adds two users
    const ann = await createUser(gql, token, { email: 'Ann.Lovelace@Globex.test', name: 'Ann Lovelace' });
    const bob = await createUser(gql, token, { email: 'bob.builder@globex.test', name: 'Bob Builder' });

    // then a search by part of the name or e-mail, in any case, finds them
    const search = async (text: string) =>
      ok(
        await gql<{ users: { edges: { node: { id: string } }[]; totalCount: number } }>(
          'query ($s: String) { users(search: $s) { edges { node { id } } totalCount } }',
          { s: text },
          token,
        ),
      ).users;
    expect((await search('LOVELACE')).edges.map((e) => e.node.id)).toEqual([ann.id]);
    expect((await search('builder@GLOBEX')).edges.map((e) => e.node.id)).toEqual([bob.id]);
    const both = await search('globex.test');
    expect(both.totalCount).toBe(2);
    expect(new Set(both.edges.map((e) => e.node.id))).toEqual(new Set([ann.id, bob.id]));

    // when Ann gets a licence
    const assigned = ok(await gql(ASSIGN, { userId: ann.id, product: 'VIDEO_MEETING' }, token)).assignLicense;
    expect(assigned.license).toMatchObject({
      product: 'VIDEO_MEETING',
      plan: { id: 'video-pro' },
      assignedBy: { id: owner.ownerId },
    });
    expect(Date.parse(assigned.license.assignedAt)).not.toBeNaN();
    expect(assigned.user).toEqual({ id: ann.id });
    expect(assigned.seats).toEqual({ product: 'VIDEO_MEETING', purchased: 8, assigned: 1, available: 7 });

    // then her licences and entitlements show it, and the subscription lists her as an assignee
    const annNow = ok(
      await gql(
        'query ($id: ID!) { user(id: $id) { licenses { product plan { id } assignedBy { name } } entitlements } }',
        { id: ann.id },
        token,
      ),
    ).user;
    expect(annNow.licenses).toEqual([
      { product: 'VIDEO_MEETING', plan: { id: 'video-pro' }, assignedBy: { name: 'Globex Owner' } },
    ]);
    expect(annNow.entitlements).toEqual(['SCHEDULE_MEETINGS', 'DOWNLOAD_REPORTS', 'DOWNLOAD_RECORDINGS']);
    const subscriptions = ok(
      await gql(
        '{ subscriptions { product assignees { edges { node { id } } totalCount } seats { assigned } } }',
        undefined,
        token,
      ),
    ).subscriptions;
    expect(subscriptions).toEqual([
      {
        product: 'VIDEO_MEETING',
        assignees: { edges: [{ node: { id: ann.id } }], totalCount: 1 },
        seats: { assigned: 1 },
      },
    ]);

    // and her notification carries an activation link that lets her set a password and sign in
    const activation = await activationTokenFromOutbox(server.dataDir, ann.email);
    const annSession = ok(
      await gql('mutation ($input: ActivateAccountInput!) { activateAccount(input: $input) { token user { id } } }', {
        input: { token: activation, password: 'anns-own-password' },
      }),
    ).activateAccount;
    expect(annSession.user).toEqual({ id: ann.id });
    const me = ok(await gql('{ me { id entitlements } }', undefined, annSession.token)).me;
    expect(me).toEqual({ id: ann.id, entitlements: ['SCHEDULE_MEETINGS', 'DOWNLOAD_REPORTS', 'DOWNLOAD_RECORDINGS'] });

    // when her licence is revoked, the seat is free again
    const revoked = ok(await gql(REVOKE, { userId: ann.id, product: 'VIDEO_MEETING' }, token)).revokeLicense;
    expect(revoked).toEqual({ user: { id: ann.id, licenses: [] }, seats: { purchased: 8, assigned: 0, available: 8 } });

    // and over-assigning a product with one seat is refused
    ok(await gql(PURCHASE, { input: { product: 'WEBINAR', plan: 'webinar-100', quantity: 1 } }, token));
    ok(await gql(ASSIGN, { userId: ann.id, product: 'WEBINAR' }, token));
    const refused = await gql(ASSIGN, { userId: bob.id, product: 'WEBINAR' }, token);
    expect(refused.codes).toEqual(['NO_SEATS_AVAILABLE']);
    expect(ok(await gql(SEATS, { product: 'WEBINAR' }, token)).seatAvailability).toEqual({
      product: 'WEBINAR',
      purchased: 1,
      assigned: 1,
      available: 0,
    });

    // then the history lists every event oldest first, a page at a time by cursor
    type Page = {
      licenseHistory: {
        edges: {
          cursor: string;
          node: { position: string; type: string; occurredAt: string } & Record<string, Answer>;
        }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    };
    const events: Page['licenseHistory']['edges'] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page: Page['licenseHistory'] = ok(await gql<Page>(HISTORY, { first: 3, after }, token)).licenseHistory;
      events.push(...page.edges);
      pages++;
      if (!page.pageInfo.hasNextPage) break;
      expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor);
      after = page.pageInfo.endCursor;
    }
    expect(pages).toBeGreaterThan(1);
    const licenceTypes = events
      .map((e) => e.node.type)
      .filter((t) => ['LicensePurchased', 'PlanUpgraded', 'LicenseAssigned', 'LicenseRevoked'].includes(t));
    expect(licenceTypes).toEqual([
      'LicensePurchased',
      'LicensePurchased',
      'PlanUpgraded',
      'LicenseAssigned',
      'LicenseRevoked',
      'LicensePurchased',
      'LicenseAssigned',
    ]);
    expect(events.map((e) => e.node.type)).toEqual(expect.arrayContaining(['AccountOpened', 'UserCreated']));
    const positions = events.map((e) => e.node.position);
    expect([...positions].sort()).toEqual(positions);
    expect(new Set(positions).size).toBe(positions.length);
    const occurred = events.map((e) => Date.parse(e.node.occurredAt));
    expect([...occurred].sort((a, b) => a - b)).toEqual(occurred);
    const firstAssign = events.find((e) => e.node.type === 'LicenseAssigned');
    expect(firstAssign?.node).toMatchObject({
      product: 'VIDEO_MEETING',
      actor: { id: owner.ownerId },
      user: { id: ann.id },
    });
    expect(JSON.parse(firstAssign?.node.data)).toMatchObject({ userId: ann.id, product: 'VIDEO_MEETING' });

    // and the seats as they stood between the two purchases show the earlier count
    expect(ok(await gql(SEATS, { product: 'VIDEO_MEETING', asOf: betweenPurchases }, token)).seatAvailability).toEqual({
      product: 'VIDEO_MEETING',
      purchased: 5,
      assigned: 0,
      available: 5,
    });
    expect(ok(await gql(SEATS, { product: 'VIDEO_MEETING' }, token)).seatAvailability.purchased).toBe(8);
  });
});
