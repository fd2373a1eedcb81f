// deactivateUser over HTTP against a real server: it answers once the deactivation reactor's revocations are in the
// read models (the user with no licences, `seats` for every product with the freed seats), and where they never
// land in time (no reactor runs) it answers COMMITTED_NOT_YET_VISIBLE, never a user who still holds licences.
import { type RunningSeatledger, startSeatledger } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import {
  ASSIGN,
  createUser,
  type Gql,
  graphqlClient,
  ok,
  purchase,
  type SignedUpAccount,
  signUpAccount,
  startTestSeatledger,
  type TestSeatledger,
} from '../support/seatledger';
import { makeTempDir } from '../support/temp-dir';

jest.setTimeout(30_000);

const DEACTIVATE = `mutation ($userId: ID!) {
  deactivateUser(input: { userId: $userId }) {
    user { id active licenses { product } }
    seats { product purchased assigned available }
  }
}`;
const SEATS = 'query ($product: Product!) { seatAvailability(product: $product) { purchased assigned available } }';

describe('deactivateUser with the deactivation reactor running', () => {
  let server: TestSeatledger;
  let gql: Gql;
  let owner: SignedUpAccount;

  beforeAll(async () => {
    server = await startTestSeatledger();
    gql = server.gql;
    owner = await signUpAccount(gql, 'Deactivation');
    await purchase(gql, owner.token, 3, 'VIDEO_MEETING');
    await purchase(gql, owner.token, 2, 'WEBINAR');
  });
  afterAll(() => server?.close());

  it('given a user holding both products, then it answers the user with no licences and every seat freed', async () => {
    const bob = await createUser(gql, owner.token);
    const other = await createUser(gql, owner.token);
    for (const product of ['VIDEO_MEETING', 'WEBINAR']) {
      ok(await gql(ASSIGN, { userId: bob.id, product }, owner.token));
    }
    ok(await gql(ASSIGN, { userId: other.id, product: 'WEBINAR' }, owner.token));

    const { deactivateUser } = ok(await gql(DEACTIVATE, { userId: bob.id }, owner.token));

    expect(deactivateUser.user).toEqual({ id: bob.id, active: false, licenses: [] });
    // Every product of the catalogue, in its order; the other user's WEBINAR seat stays assigned.
    expect(deactivateUser.seats).toEqual([
      { product: 'VIDEO_MEETING', purchased: 3, assigned: 0, available: 3 },
      { product: 'WEBINAR', purchased: 2, assigned: 1, available: 1 },
    ]);
    // What the answer says is what a read right after it says.
    const webinar = ok(await gql(SEATS, { product: 'WEBINAR' }, owner.token)).seatAvailability;
    expect(webinar).toEqual({ purchased: 2, assigned: 1, available: 1 });
  });

  it('given a user holding nothing, then it answers at once with the counts unchanged', async () => {
    const carol = await createUser(gql, owner.token);
    const before = ok(await gql(SEATS, { product: 'VIDEO_MEETING' }, owner.token)).seatAvailability;
    const started = Date.now();

    const { deactivateUser } = ok(await gql(DEACTIVATE, { userId: carol.id }, owner.token));

    expect(Date.now() - started).toBeLessThan(2000);
    expect(deactivateUser.user).toEqual({ id: carol.id, active: false, licenses: [] });
    expect(deactivateUser.seats[0]).toEqual({ product: 'VIDEO_MEETING', ...before });
  });
});

describe('deactivateUser where no reactor revokes (an API-only instance, nobody else running the reactor)', () => {
  const temp = makeTempDir('seatledger-deactivate-');
  let server: RunningSeatledger;
  let gql: Gql;
  let owner: SignedUpAccount;

  beforeAll(async () => {
    const config = loadConfig(
      { SEATLEDGER_DATA_DIR: temp.dir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' },
      temp.dir,
    );
    server = await startSeatledger({
      config,
      logger: createLogger({ level: 'silent' }),
      reactors: false,
      readYourWritesTimeoutMs: 300,
    });
    gql = graphqlClient(server.url);
    owner = await signUpAccount(gql, 'No reactor');
    await purchase(gql, owner.token, 1, 'VIDEO_MEETING');
  });
  afterAll(async () => {
    await server?.close();
    temp.cleanup();
  });

  it('given a user holding a licence, then it answers COMMITTED_NOT_YET_VISIBLE (the deactivation stands)', async () => {
    const dave = await createUser(gql, owner.token);
    ok(await gql(ASSIGN, { userId: dave.id, product: 'VIDEO_MEETING' }, owner.token));

    const answer = await gql(DEACTIVATE, { userId: dave.id }, owner.token);

    expect(answer.data).toBeNull();
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'COMMITTED_NOT_YET_VISIBLE' });
    expect(typeof answer.errors?.[0]?.extensions?.position).toBe('string');
    const user = ok(await gql('query ($id: ID!) { user(id: $id) { active } }', { id: dave.id }, owner.token));
    expect(user.user.active).toBe(false);
  });

  it('given a user holding nothing, then it answers the user and the seats', async () => {
    const erin = await createUser(gql, owner.token);

    const { deactivateUser } = ok(await gql(DEACTIVATE, { userId: erin.id }, owner.token));

    expect(deactivateUser.user).toEqual({ id: erin.id, active: false, licenses: [] });
    expect(deactivateUser.seats.map((s: { product: string }) => s.product)).toEqual(['VIDEO_MEETING', 'WEBINAR']);
  });
});
