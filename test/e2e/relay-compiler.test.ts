// relay-compiler 21 accepts the schema as a Relay client uses it: `@connection` on `users` (forward) and
// `licenseHistory` (backward), `@refetchable` on a `User` fragment (a refetch through node(id:)) and on Query
// fragments. The compiler runs on a temp dir holding the schema printed from the code and a fragment set; the
// operations it writes are then sent to a real server, which must answer them.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildSeatledgerSchema, printSeatledgerSchema } from '../../src/graphql/schema';
import { ok, purchase, signUpAccount, startTestSeatledger } from '../support/seatledger';
import { makeTempDir } from '../support/temp-dir';

jest.setTimeout(60_000);

const RELAY_CLI = require.resolve('relay-compiler/cli.js');

/** Each module as an SPA would hold it: the fragment or query names start with the module's name. */
const MODULES: Record<string, string> = {
  'UserList.ts': `
    fragment UserList_query on Query
    @argumentDefinitions(count: { type: "Int", defaultValue: 20 }, cursor: { type: "String" }, search: { type: "String" })
    @refetchable(queryName: "UserListPaginationQuery") {
      users(first: $count, after: $cursor, search: $search) @connection(key: "UserList_users", filters: ["search"]) {
        totalCount
        edges { node { id ...UserCard_user } }
      }
    }`,
  'UserCard.ts': `
    fragment UserCard_user on User @refetchable(queryName: "UserCardRefetchQuery") {
      id name email role active
      licenses { id product plan { id name } }
    }`,
  'History.ts': `
    fragment History_query on Query
    @argumentDefinitions(count: { type: "Int", defaultValue: 50 }, cursor: { type: "String" })
    @refetchable(queryName: "HistoryPaginationQuery") {
      licenseHistory(last: $count, before: $cursor) @connection(key: "History_licenseHistory") {
        totalCount
        edges { node { id eventType payload occurredAt } }
      }
    }`,
  'SeatWidget.ts': `
    query SeatWidgetQuery {
      ...History_query
      ...UserList_query
      seatAvailability(product: VIDEO_MEETING) { id purchased assigned reserved available }
    }`,
};

/** The operation text relay-compiler wrote into an artifact (what a Relay app sends). */
function operationText(artifacts: string, name: string): string {
  const source = fs.readFileSync(path.join(artifacts, `${name}.graphql.ts`), 'utf8');
  const match = /"text": ("(?:[^"\\]|\\.)*")/.exec(source);
  if (!match?.[1]) throw new Error(`no operation text in ${name}`);
  return JSON.parse(match[1]) as string;
}

describe('relay-compiler accepts a Relay fragment set against the schema', () => {
  const temp = makeTempDir('seatledger-relay-');
  const artifacts = path.join(temp.dir, 'src', '__generated__');
  let compile: ReturnType<typeof spawnSync>;

  beforeAll(async () => {
    // given the schema as the code prints it, a relay.config.json, and the modules
    fs.mkdirSync(artifacts, { recursive: true });
    fs.writeFileSync(path.join(temp.dir, 'schema.graphql'), printSeatledgerSchema(await buildSeatledgerSchema()));
    fs.writeFileSync(
      path.join(temp.dir, 'relay.config.json'),
      JSON.stringify({
        src: './src',
        schema: './schema.graphql',
        language: 'typescript',
        artifactDirectory: './src/__generated__',
      }),
    );
    for (const [file, document] of Object.entries(MODULES)) {
      const source = `const graphql = (s: TemplateStringsArray) => s.join('');\nexport default graphql\`${document}\n\`;\n`;
      fs.writeFileSync(path.join(temp.dir, 'src', file), source);
    }

    // when relay-compiler runs there
    compile = spawnSync(process.execPath, [RELAY_CLI], { cwd: temp.dir, encoding: 'utf8', timeout: 50_000 });
  });

  afterAll(() => temp.cleanup());

  it('exits 0 and writes the refetch and pagination queries', () => {
    expect({ status: compile.status, output: `${compile.stdout}${compile.stderr}` }).toEqual({
      status: 0,
      output: expect.stringContaining('Compilation completed'),
    });
    expect(fs.readdirSync(artifacts).sort()).toEqual(
      [
        'HistoryPaginationQuery.graphql.ts',
        'History_query.graphql.ts',
        'SeatWidgetQuery.graphql.ts',
        'UserCardRefetchQuery.graphql.ts',
        'UserCard_user.graphql.ts',
        'UserListPaginationQuery.graphql.ts',
        'UserList_query.graphql.ts',
      ].sort(),
    );
    // The User fragment refetches through node(id:); the backward connection reads hasPreviousPage/startCursor.
    expect(operationText(artifacts, 'UserCardRefetchQuery')).toMatch(/node\(id: \$id\)/);
    expect(operationText(artifacts, 'HistoryPaginationQuery')).toMatch(/hasPreviousPage\s+startCursor/);
    expect(operationText(artifacts, 'UserListPaginationQuery')).toMatch(/hasNextPage/);
  });

  it('writes operations a real server answers', async () => {
    const server = await startTestSeatledger();
    try {
      // given an account with some history
      const owner = await signUpAccount(server.gql, 'Acme');
      await purchase(server.gql, owner.token, 2);

      // when the app's query, a refetch of the owner's card and a page of older history are sent as Relay sends them
      const app = ok(await server.gql(operationText(artifacts, 'SeatWidgetQuery'), {}, owner.token));
      const card = ok(
        await server.gql(operationText(artifacts, 'UserCardRefetchQuery'), { id: owner.ownerId }, owner.token),
      );
      const page = (variables: Record<string, unknown>) =>
        server.gql(operationText(artifacts, 'HistoryPaginationQuery'), variables, owner.token);
      const latest = ok(await page({ count: 1 })).licenseHistory;
      const older = ok(await page({ count: 1, cursor: latest.pageInfo.startCursor })).licenseHistory;

      // then each answers what the fragments ask for, and the backward pages follow on
      expect(app.users.totalCount).toBe(1);
      expect(app.seatAvailability).toMatchObject({ purchased: 2, assigned: 0, reserved: 0, available: 2 });
      expect(app.licenseHistory.pageInfo.hasPreviousPage).toBe(false);
      expect(card.node).toMatchObject({ __typename: 'User', id: owner.ownerId, role: 'OWNER' });
      const all = app.licenseHistory.edges.map((e: { node: { id: string } }) => e.node.id);
      expect(latest.edges.map((e: { node: { eventType: string } }) => e.node.eventType)).toEqual(['LicensePurchased']);
      expect(latest.pageInfo.hasPreviousPage).toBe(true);
      expect([...older.edges, ...latest.edges].map((e: { node: { id: string } }) => e.node.id)).toEqual(all.slice(-2));
    } finally {
      await server.close();
    }
  });
});
