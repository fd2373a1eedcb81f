// Relay's connection model over real HTTP: every connection pages forward (first/after) and backward (last/before),
// says where a page lies at both ends (hasNextPage, hasPreviousPage, startCursor, endCursor), counts its whole list
// (totalCount), and refuses first with last, and negative counts, as BAD_USER_INPUT.
import {
  ASSIGN,
  createUser,
  type Gql,
  ok,
  purchase,
  REVOKE,
  type SignedUpAccount,
  signUpAccount,
  startTestSeatledger,
  type TestSeatledger,
} from '../support/seatledger';

jest.setTimeout(30_000);

interface Page {
  readonly ids: string[];
  readonly pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string; endCursor: string };
  readonly totalCount: number;
}

/** The three root connections, each read through one generic query. */
const CONNECTIONS = {
  users: { field: 'users', id: 'id' },
  licenseHistory: { field: 'licenseHistory', id: 'id' },
  notifications: { field: 'notifications', id: 'id' },
} as const;
type ConnectionName = keyof typeof CONNECTIONS;

describe('connections page both ways (Relay)', () => {
  let server: TestSeatledger;
  let gql: Gql;
  let acme: SignedUpAccount;

  /** One page of a connection, with the paging arguments given. */
  const page = async (name: ConnectionName, args: Record<string, unknown>): Promise<Page> => {
    const { field } = CONNECTIONS[name];
    const data = ok(
      await gql(
        `query ($first: Int, $after: String, $last: Int, $before: String) {
          c: ${field}(first: $first, after: $after, last: $last, before: $before) {
            edges { cursor node { id } }
            pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
            totalCount
          }
        }`,
        args,
        acme.token,
      ),
    );
    const { edges, pageInfo, totalCount } = data.c;
    if (edges.length > 0) {
      expect(pageInfo.startCursor).toBe(edges[0].cursor);
      expect(pageInfo.endCursor).toBe(edges.at(-1).cursor);
    }
    return { ids: edges.map((e: { node: { id: string } }) => e.node.id), pageInfo, totalCount };
  };

  /** Every id of the list, read in one page. */
  const all = async (name: ConnectionName) => (await page(name, { first: 500 })).ids;

  beforeAll(async () => {
    server = await startTestSeatledger();
    gql = server.gql;
    acme = await signUpAccount(gql, 'Acme');
    await purchase(gql, acme.token, 5);
    // given an owner and four users (5 users), 4 licence mails and their history
    const users = [];
    for (let i = 0; i < 4; i++) users.push(await createUser(gql, acme.token));
    for (const user of users.slice(0, 2)) {
      ok(await gql(ASSIGN, { userId: user.id, product: 'VIDEO_MEETING' }, acme.token));
      ok(await gql(REVOKE, { userId: user.id, product: 'VIDEO_MEETING' }, acme.token));
    }
    const deadline = Date.now() + 10_000;
    while ((await page('notifications', {})).totalCount < 4) {
      if (Date.now() > deadline) throw new Error('the four licence mails were never recorded');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  afterAll(async () => {
    await server?.close();
  });

  describe.each(Object.keys(CONNECTIONS) as ConnectionName[])('%s', (name) => {
    it('pages forward to the end, knowing at each page what lies on either side', async () => {
      const everything = await all(name);
      expect(everything.length).toBeGreaterThanOrEqual(4);

      // when reading two at a time with first/after
      const seen: string[] = [];
      let after: string | null = null;
      let pages: Page[] = [];
      for (;;) {
        const p: Page = await page(name, { first: 2, after });
        pages = [...pages, p];
        seen.push(...p.ids);
        if (!p.pageInfo.hasNextPage) break;
        after = p.pageInfo.endCursor;
      }

      // then every item came once, in order; only the first page has nothing before it
      expect(seen).toEqual(everything);
      expect(pages.map((p) => p.pageInfo.hasPreviousPage)).toEqual(pages.map((_, i) => i > 0));
      expect(pages.every((p) => p.totalCount === everything.length)).toBe(true);
    });

    it('pages backward from the end to the start, knowing at each page what lies on either side', async () => {
      const everything = await all(name);

      // when reading two at a time with last/before, starting from the end
      const seen: string[] = [];
      let before: string | null = null;
      let pages: Page[] = [];
      for (;;) {
        const p: Page = await page(name, { last: 2, before });
        pages = [...pages, p];
        seen.unshift(...p.ids);
        if (!p.pageInfo.hasPreviousPage) break;
        before = p.pageInfo.startCursor;
      }

      // then the same items in the same order: the last page read is the list's start, the first its end
      expect(seen).toEqual(everything);
      expect(pages[0]?.ids).toEqual(everything.slice(-2));
      expect(pages.at(-1)?.ids).toEqual(everything.slice(0, pages.at(-1)?.ids.length));
      expect(pages.map((p) => p.pageInfo.hasNextPage)).toEqual(pages.map((_, i) => i > 0));
      expect(pages.every((p) => p.totalCount === everything.length)).toBe(true);
    });

    it('reads a slice between two cursors', async () => {
      const everything = await all(name);
      const first = await page(name, { first: 1 });
      const last = await page(name, { last: 1 });

      // when asking for what lies between the first and the last item, from either side
      const forward = await page(name, {
        first: 500,
        after: first.pageInfo.endCursor,
        before: last.pageInfo.startCursor,
      });
      const backward = await page(name, {
        last: 500,
        after: first.pageInfo.endCursor,
        before: last.pageInfo.startCursor,
      });

      // then both answer the middle, with something on either side
      expect(forward.ids).toEqual(everything.slice(1, -1));
      expect(backward.ids).toEqual(everything.slice(1, -1));
      expect(backward.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
      expect(forward.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    });

    it.each([
      ['first with last', { first: 2, last: 2 }, 'last'],
      ['a negative first', { first: -1 }, 'first'],
      ['a negative last', { last: -1 }, 'last'],
      ['a last over 500', { last: 501 }, 'last'],
    ])('refuses %s with BAD_USER_INPUT naming the argument', async (_what, args, field) => {
      const { field: root } = CONNECTIONS[name];
      const result = await gql(
        `query ($first: Int, $last: Int) { ${root}(first: $first, last: $last) { totalCount } }`,
        args,
        acme.token,
      );
      expect(result.codes).toEqual(['BAD_USER_INPUT']);
      expect(result.errors?.[0]?.message).toMatch(new RegExp(`\\b${field}\\b`));
    });

    it('refuses a before cursor that is not one of its own', async () => {
      const { field: root } = CONNECTIONS[name];
      const result = await gql(`{ ${root}(last: 2, before: "not a cursor") { totalCount } }`, {}, acme.token);
      expect(result.codes).toEqual(['BAD_USER_INPUT']);
      expect(result.errors?.[0]?.message).toMatch(/\bbefore\b/);
    });
  });

  it('pages a subscription’s assignees backward too', async () => {
    // given two holders of VIDEO_MEETING
    const [bea, cal] = [await createUser(gql, acme.token), await createUser(gql, acme.token)];
    for (const user of [bea, cal]) ok(await gql(ASSIGN, { userId: user.id, product: 'VIDEO_MEETING' }, acme.token));

    // when the last one is asked for
    const data = ok(
      await gql(
        `{ subscriptions { assignees(last: 1) { edges { node { id } } totalCount pageInfo { hasPreviousPage hasNextPage } } } }`,
        {},
        acme.token,
      ),
    );

    // then it is the latest holder, with one before it
    expect(data.subscriptions[0].assignees).toEqual({
      edges: [{ node: { id: cal.id } }],
      totalCount: 2,
      pageInfo: { hasPreviousPage: true, hasNextPage: false },
    });
  });
});
