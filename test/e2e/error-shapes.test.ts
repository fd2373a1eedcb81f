// docs/errors.md's shapes over real HTTP: BAD_USER_INPUT's `fields` with rule names, NO_SEATS_AVAILABLE's `seats`,
// NOT_FOUND's `kind`, messages naming people and plans; and control characters refused in free text (issue 15,
// item 7) with nothing written.
import { openEventStore } from '../../src/eventstore/open';
import type { EventStore } from '../../src/eventstore/port';
import {
  ASSIGN,
  createUser,
  type GraphQLResult,
  ok,
  PASSWORD,
  purchase,
  type SignedUpAccount,
  signUpAccount,
  startTestSeatledger,
  type TestSeatledger,
  uniqueEmail,
} from '../support/seatledger';

const CREATE_USER = 'mutation ($input: CreateUserInput!) { createUser(input: $input) { user { id name } } }';
const PURCHASE =
  'mutation ($input: PurchaseLicensesInput!) { purchaseLicenses(input: $input) { subscription { id } } }';
const UPGRADE = 'mutation ($input: UpgradePlanInput!) { upgradePlan(input: $input) { subscription { id } } }';
const RELEASE = 'mutation ($input: ReleaseLicensesInput!) { releaseLicenses(input: $input) { subscription { id } } }';
const REVOKE_WITH_REASON = `mutation ($userId: ID!, $reason: String) {
  revokeLicense(input: { userId: $userId, product: VIDEO_MEETING, reason: $reason }) { user { id } } }`;
const SIGN_UP = 'mutation ($input: SignUpInput!) { signUp(input: $input) { token } }';

describe('error shapes over HTTP', () => {
  let server: TestSeatledger;
  let log: EventStore;
  let owner: SignedUpAccount;

  beforeAll(async () => {
    server = await startTestSeatledger();
    log = await openEventStore({ dataDir: server.dataDir });
    owner = await signUpAccount(server.gql, 'Shapes');
  });
  afterAll(async () => {
    await log?.close();
    await server?.close();
  });

  const gql: TestSeatledger['gql'] = (...args) => server.gql(...args);

  /** The head once no reactor is still writing (the notifier appends activation links in the background). */
  async function settledHead(): Promise<string | null> {
    let head = await log.headPosition();
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const again = await log.headPosition();
      if (again === head && (await mailsPending()) === 0) return head;
      head = again;
    }
  }

  async function mailsPending(): Promise<number> {
    const pending = await gql('{ notifications(status: PENDING, first: 1) { edges { cursor } } }', {}, owner.token);
    return (pending.data as { notifications: { edges: unknown[] } }).notifications.edges.length;
  }

  /** Runs a request that must be refused with `code` and append nothing; answers its one error. */
  async function refused(code: string, request: () => Promise<GraphQLResult>) {
    const before = await settledHead();
    const result = await request();
    expect(result.codes).toEqual([code]);
    expect(await log.headPosition()).toBe(before);
    const error = result.errors?.[0];
    if (!error) throw new Error('no error');
    return { message: error.message, extensions: error.extensions as Record<string, unknown> };
  }

  describe('BAD_USER_INPUT', () => {
    it('lists every rule a field breaks, by name, and keeps `field` for one release', async () => {
      const { extensions } = await refused('BAD_USER_INPUT', () =>
        gql(CREATE_USER, { input: { email: uniqueEmail(), name: `${'n'.repeat(201)}\u001b[2J` } }, owner.token),
      );
      expect(extensions.field).toBe('name');
      expect(extensions.fields).toEqual([
        {
          field: 'name',
          rules: expect.arrayContaining([
            { rule: 'maxLength', message: 'name must be at most 200 characters long' },
            {
              rule: 'noControlCharacters',
              message: expect.stringMatching(/^name must not contain control characters/),
            },
          ]),
        },
      ]);
      expect((extensions.fields as { rules: unknown[] }[])[0]?.rules).toHaveLength(2);
    });

    it('names several fields apart, with class-validator rule names', async () => {
      const { extensions } = await refused('BAD_USER_INPUT', () =>
        gql(PURCHASE, { input: { product: 'WEBINAR', plan: '', quantity: 0 } }, owner.token),
      );
      expect(extensions.fields).toEqual(
        expect.arrayContaining([
          { field: 'plan', rules: [{ rule: 'isNotEmpty', message: 'plan must not be empty' }] },
          { field: 'quantity', rules: [{ rule: 'min', message: 'quantity must be at least 1' }] },
        ]),
      );
    });

    it('has the same shape for a rule the decision checks (releasing assigned seats)', async () => {
      await purchase(gql, owner.token, 1, 'WEBINAR');
      const member = await createUser(gql, owner.token);
      ok(await gql(ASSIGN, { userId: member.id, product: 'WEBINAR' }, owner.token));
      const { extensions } = await refused('BAD_USER_INPUT', () =>
        gql(RELEASE, { input: { product: 'WEBINAR', quantity: 1 } }, owner.token),
      );
      expect(extensions).toMatchObject({
        field: 'quantity',
        fields: [
          {
            field: 'quantity',
            rules: [{ rule: 'maxReleasable', message: expect.stringMatching(/^quantity: at most 0/) }],
          },
        ],
      });
    });

    it('has the same shape for a variable that does not coerce', async () => {
      const { extensions } = await refused('BAD_USER_INPUT', () =>
        gql(
          'query ($d: DateTime) { seatAvailability(product: VIDEO_MEETING, asOf: $d) { purchased } }',
          { d: '2026-13-45T25:61:00Z' },
          owner.token,
        ),
      );
      expect(extensions).toMatchObject({
        field: 'd',
        fields: [{ field: 'd', rules: [{ rule: 'variableType', message: expect.stringContaining('$d') }] }],
      });
    });
  });

  describe('NO_SEATS_AVAILABLE', () => {
    it('carries the counts the decision saw, and names the person', async () => {
      await purchase(gql, owner.token, 2, 'VIDEO_MEETING');
      for (const name of ['First Holder', 'Second Holder']) {
        const holder = await createUser(gql, owner.token, { name });
        ok(await gql(ASSIGN, { userId: holder.id, product: 'VIDEO_MEETING' }, owner.token));
      }
      const third = await createUser(gql, owner.token, { name: 'Third Person' });
      const { message, extensions } = await refused('NO_SEATS_AVAILABLE', () =>
        gql(ASSIGN, { userId: third.id, product: 'VIDEO_MEETING' }, owner.token),
      );
      expect(extensions.seats).toEqual({ purchased: 2, assigned: 2, reserved: 0, available: 0 });
      expect(message).toContain(`Third Person <${third.email}>`);
      expect(message).not.toContain(third.id);
    });

    it('carries zeros when nothing was bought', async () => {
      const other = await signUpAccount(gql, 'Nothing Bought');
      const { extensions } = await refused('NO_SEATS_AVAILABLE', () =>
        gql(ASSIGN, { userId: other.ownerId, product: 'WEBINAR' }, other.token),
      );
      expect(extensions.seats).toEqual({ purchased: 0, assigned: 0, reserved: 0, available: 0 });
    });
  });

  describe('NOT_FOUND says what was not found', () => {
    it('a user', async () => {
      const { extensions } = await refused('NOT_FOUND', () =>
        gql(ASSIGN, { userId: '00000000-0000-4000-8000-000000000000', product: 'VIDEO_MEETING' }, owner.token),
      );
      expect(extensions.kind).toBe('user');
    });

    it('a user of another account, exactly like one that does not exist', async () => {
      const other = await signUpAccount(gql, 'Elsewhere');
      const { extensions } = await refused('NOT_FOUND', () =>
        gql(ASSIGN, { userId: other.ownerId, product: 'VIDEO_MEETING' }, owner.token),
      );
      expect(extensions.kind).toBe('user');
    });

    it('a plan', async () => {
      const { extensions } = await refused('NOT_FOUND', () =>
        gql(PURCHASE, { input: { product: 'VIDEO_MEETING', plan: 'video-platinum', quantity: 1 } }, owner.token),
      );
      expect(extensions.kind).toBe('plan');
    });

    it('a subscription', async () => {
      const other = await signUpAccount(gql, 'No Subscription');
      const { extensions } = await refused('NOT_FOUND', () =>
        gql(UPGRADE, { input: { product: 'VIDEO_MEETING', plan: 'video-pro' } }, other.token),
      );
      expect(extensions.kind).toBe('subscription');
    });
  });

  describe('messages name people and plans', () => {
    it('ALREADY_ASSIGNED and NOT_ASSIGNED name the person, not their id', async () => {
      await purchase(gql, owner.token, 1, 'VIDEO_MEETING');
      const bob = await createUser(gql, owner.token, { name: 'Bob Builder' });
      ok(await gql(ASSIGN, { userId: bob.id, product: 'VIDEO_MEETING' }, owner.token));
      const again = await refused('ALREADY_ASSIGNED', () =>
        gql(ASSIGN, { userId: bob.id, product: 'VIDEO_MEETING' }, owner.token),
      );
      expect(again.message).toBe(`Bob Builder <${bob.email}> already holds a VIDEO_MEETING licence`);

      const cat = await createUser(gql, owner.token, { name: 'Cat Keeper' });
      const notHeld = await refused('NOT_ASSIGNED', () => gql(REVOKE_WITH_REASON, { userId: cat.id }, owner.token));
      expect(notHeld.message).toBe(`Cat Keeper <${cat.email}> holds no VIDEO_MEETING licence`);
    });

    it('PLAN_MISMATCH names both plans', async () => {
      const { message } = await refused('PLAN_MISMATCH', () =>
        gql(PURCHASE, { input: { product: 'VIDEO_MEETING', plan: 'video-pro', quantity: 1 } }, owner.token),
      );
      expect(message).toContain('Video Meeting Standard (video-standard)');
      expect(message).toContain('Video Meeting Pro (video-pro)');
    });
  });

  describe('control characters are refused in free text, nothing written', () => {
    const controlled = (extensions: Record<string, unknown>, field: string) =>
      expect(extensions.fields).toEqual(
        expect.arrayContaining([
          { field, rules: expect.arrayContaining([expect.objectContaining({ rule: 'noControlCharacters' })]) },
        ]),
      );

    it.each([
      ['ESC', 'Mallory\u001b[2J'],
      ['CR/LF', 'Mallory\r\nX-Injected: yes'],
      ['U+0085 (NEL)', 'Mallory\u0085Next'],
      ['U+009B (CSI)', 'Mallory\u009b31m'],
      ['a tab', 'Mallory\tTab'],
      ['DEL', 'Mallory\u007f'],
      ['a trailing LF that trimming would hide', 'Mallory\n'],
    ])('a user name with %s', async (_what, name) => {
      const email = uniqueEmail('mallory');
      const { extensions } = await refused('BAD_USER_INPUT', () =>
        gql(CREATE_USER, { input: { email, name } }, owner.token),
      );
      controlled(extensions, 'name');
      // Not written: the e-mail is still free.
      ok(await gql(CREATE_USER, { input: { email, name: 'Mallory' } }, owner.token));
    });

    it('the account and owner names at sign-up', async () => {
      const { extensions } = await refused('BAD_USER_INPUT', () =>
        gql(SIGN_UP, {
          input: {
            accountName: 'Evil\u001b]0;pwned\u0007Corp',
            ownerName: 'Eve\u0085',
            ownerEmail: uniqueEmail('eve'),
            password: PASSWORD,
          },
        }),
      );
      controlled(extensions, 'accountName');
      controlled(extensions, 'ownerName');
    });

    it('an e-mail, a search, a revocation reason and an idempotency key', async () => {
      const email = await refused('BAD_USER_INPUT', () =>
        gql(CREATE_USER, { input: { email: `a\u001bb${uniqueEmail()}`, name: 'Esc Mail' } }, owner.token),
      );
      controlled(email.extensions, 'email');

      const search = await refused('BAD_USER_INPUT', () =>
        gql('query ($s: String) { users(search: $s) { totalCount } }', { s: 'bob\u001b' }, owner.token),
      );
      controlled(search.extensions, 'search');

      const holder = await createUser(gql, owner.token);
      const reason = await refused('BAD_USER_INPUT', () =>
        gql(REVOKE_WITH_REASON, { userId: holder.id, reason: 'left\nthe team' }, owner.token),
      );
      controlled(reason.extensions, 'reason');

      const key = await refused('BAD_USER_INPUT', () =>
        gql(
          PURCHASE,
          { input: { product: 'VIDEO_MEETING', plan: 'video-standard', quantity: 1, idempotencyKey: 'k\u001b1' } },
          owner.token,
        ),
      );
      controlled(key.extensions, 'idempotencyKey');
    });

    it('still accepts names beyond ASCII', async () => {
      const created = ok(
        await gql(CREATE_USER, { input: { email: uniqueEmail(), name: '  Zoë Ångström 山田 🙂  ' } }, owner.token),
      );
      expect(created.createUser.user.name).toBe('Zoë Ångström 山田 🙂');
    });
  });
});
