// Many at once over HTTP: assignLicenses/revokeLicenses and createUsers in their three modes (ALL_OR_NOTHING refused
// and applied, BEST_EFFORT partial, a dry run writing nothing), bad lists refused as a whole and bad entries of
// createUsers as their own items, idempotency keys, one mail per licence, and `replay --verify` clean after a storm of
// bulk operations.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { runReplay } from '../../src/cli/replay';
import { capture } from '../cli/io';
import {
  ok,
  purchase,
  type SignedUpAccount,
  signUpAccount,
  startTestSeatledger,
  type TestSeatledger,
} from '../support/seatledger';

const SEATS = 'id product purchased assigned available';
const ASSIGN = `mutation ($input: BulkLicenseInput!) {
  assignLicenses(input: $input) {
    dryRun applied { id email licenses { product } } refused { index userId email code message }
    seatsBefore { ${SEATS} } seatsAfter { ${SEATS} }
  }
}`;
const REVOKE = ASSIGN.replace('assignLicenses', 'revokeLicenses');
const CREATE = `mutation ($input: CreateUsersInput!) {
  createUsers(input: $input) { dryRun created { id email name role } refused { index userId email code message } }
}`;

describe('e2e: many at once', () => {
  let server: TestSeatledger;
  let acme: SignedUpAccount;
  let people: { id: string; email: string }[];

  // What the operations wrote: the notifier issues activation links (credentials streams) in the background after
  // each assignment, whenever its mail goes out, so those are left out of the count.
  const logLength = () => {
    const db = new Database(path.join(server.dataDir, 'events.db'), { readonly: true, fileMustExist: true });
    try {
      return (
        db.prepare("SELECT COUNT(*) AS n FROM events WHERE stream NOT LIKE 'credentials-%'").get() as { n: number }
      ).n;
    } finally {
      db.close();
    }
  };
  const mailsTo = (emails: readonly string[]) => {
    const outbox = path.join(server.dataDir, 'outbox');
    const texts = (fs.existsSync(outbox) ? fs.readdirSync(outbox) : [])
      .filter((name) => name.endsWith('.eml'))
      .map((name) => fs.readFileSync(path.join(outbox, name), 'utf8').toLowerCase());
    return emails.map((email) => texts.filter((text) => text.includes(`to: ${email.toLowerCase()}`)).length);
  };
  const waitFor = async (check: () => boolean, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  beforeAll(async () => {
    server = await startTestSeatledger();
    acme = await signUpAccount(server.gql);
    const users = Array.from({ length: 5 }, (_, i) => ({
      email: `bulk${i}.${Date.now()}@example.test`,
      name: `Bulk ${i}`,
    }));
    const created = ok(await server.gql(CREATE, { input: { users, mode: 'BEST_EFFORT' } }, acme.token)).createUsers;
    expect(created.refused).toEqual([]);
    people = created.created;
    await purchase(server.gql, acme.token, 4);
  }, 30_000);
  afterAll(() => server?.close());

  const ids = () => people.map((p) => p.id);

  it('ALL_OR_NOTHING with one too many: every refusal listed, nothing written', async () => {
    const length = logLength();
    const answer = ok(await server.gql(ASSIGN, { input: { userIds: ids(), product: 'VIDEO_MEETING' } }, acme.token));
    expect(answer.assignLicenses).toMatchObject({
      dryRun: false,
      applied: [],
      refused: [{ index: 4, userId: people[4]?.id, email: null, code: 'NO_SEATS_AVAILABLE' }],
      seatsBefore: { purchased: 4, assigned: 0, available: 4 },
      seatsAfter: { purchased: 4, assigned: 0, available: 4 },
    });
    expect(logLength()).toBe(length);
  });

  it('a dry run answers exactly what would happen, with ids of its own, and writes nothing', async () => {
    const length = logLength();
    const input = { userIds: ids(), product: 'VIDEO_MEETING', mode: 'BEST_EFFORT', dryRun: true };
    const { assignLicenses: dry } = ok(await server.gql(ASSIGN, { input }, acme.token));
    expect(dry.dryRun).toBe(true);
    expect(dry.applied.map((u: { id: string }) => u.id)).toEqual(ids().slice(0, 4));
    expect(dry.applied[0].licenses).toEqual([]);
    expect(dry.refused.map((r: { index: number; code: string }) => [r.index, r.code])).toEqual([
      [4, 'NO_SEATS_AVAILABLE'],
    ]);
    expect(dry.seatsAfter).toMatchObject({ assigned: 4, available: 0 });
    const live = `SeatAvailability:${acme.accountId}:VIDEO_MEETING`;
    expect(dry.seatsBefore.id).toMatch(new RegExp(`^${live}:op:[0-9a-f-]{36}:before$`));
    expect(dry.seatsAfter.id).toBe(dry.seatsBefore.id.replace(/:before$/, ':after'));
    expect(logLength()).toBe(length);
    expect(mailsTo(people.map((p) => p.email))).toEqual([0, 0, 0, 0, 0]);

    // And for real: the same answer, one mail per licence.
    const { assignLicenses: real } = ok(await server.gql(ASSIGN, { input: { ...input, dryRun: false } }, acme.token));
    expect(real.applied.map((u: { id: string }) => u.id)).toEqual(ids().slice(0, 4));
    expect(real.applied[0].licenses).toEqual([{ product: 'VIDEO_MEETING' }]);
    expect(real.seatsAfter).toMatchObject({ purchased: 4, assigned: 4, available: 0 });
    expect(real.seatsAfter.id).not.toBe(dry.seatsAfter.id);
    expect(logLength()).toBe(length + 4);
    await waitFor(() => mailsTo(people.slice(0, 4).map((p) => p.email)).every((n) => n === 1));
    expect(mailsTo(people.map((p) => p.email))).toEqual([1, 1, 1, 1, 0]);
  });

  it('revokes BEST_EFFORT with a reason: what it can, the rest listed', async () => {
    const input = {
      userIds: [people[0]?.id, people[4]?.id],
      product: 'VIDEO_MEETING',
      mode: 'BEST_EFFORT',
      reason: 'moved on',
    };
    const { revokeLicenses } = ok(await server.gql(REVOKE, { input }, acme.token));
    expect(revokeLicenses.applied).toEqual([expect.objectContaining({ id: people[0]?.id, licenses: [] })]);
    expect(revokeLicenses.refused).toMatchObject([{ index: 1, code: 'NOT_ASSIGNED' }]);
    expect(revokeLicenses.seatsAfter).toMatchObject({ assigned: 3, available: 1 });
  });

  it('createUsers: ALL_OR_NOTHING with an address taken writes nothing; a dry run writes nothing; BEST_EFFORT creates the rest', async () => {
    const fresh = `fresh.${Date.now()}@example.test`;
    const users = [
      { email: fresh, name: 'Fresh' },
      { email: people[1]?.email.toUpperCase(), name: 'Taken' },
    ];
    const length = logLength();
    const refused = ok(await server.gql(CREATE, { input: { users } }, acme.token)).createUsers;
    expect(refused).toMatchObject({
      dryRun: false,
      created: [],
      refused: [{ index: 1, code: 'EMAIL_TAKEN', userId: null }],
    });
    const dry = ok(
      await server.gql(CREATE, { input: { users, mode: 'BEST_EFFORT', dryRun: true } }, acme.token),
    ).createUsers;
    expect(dry).toMatchObject({ dryRun: true, created: [{ email: fresh, name: 'Fresh', role: 'MEMBER' }] });
    expect(logLength()).toBe(length);
    const made = ok(await server.gql(CREATE, { input: { users, mode: 'BEST_EFFORT' } }, acme.token)).createUsers;
    expect(made.created).toMatchObject([{ email: fresh }]);
    expect(made.created[0].id).not.toBe(dry.created[0].id);
    expect(logLength()).toBe(length + 2); // the reservation and the user
  });

  it('refuses bad lists as a whole, naming the item, writing nothing', async () => {
    const length = logLength();
    const assign = (input: Record<string, unknown>) =>
      server.gql(ASSIGN, { input: { product: 'VIDEO_MEETING', ...input } }, acme.token);
    const tooMany = await assign({ userIds: Array.from({ length: 1001 }, (_, i) => `u${i}`) });
    expect(tooMany.codes).toEqual(['BAD_USER_INPUT']);
    expect(tooMany.errors?.[0]?.extensions?.fields).toEqual([
      { field: 'userIds', rules: [expect.objectContaining({ rule: 'arrayMaxSize' })] },
    ]);
    const twice = await assign({ userIds: [people[1]?.id, people[2]?.id, people[1]?.id] });
    expect(twice.codes).toEqual(['BAD_USER_INPUT']);
    expect(twice.errors?.[0]?.extensions?.fields).toEqual([
      { field: 'userIds.2', rules: [{ rule: 'arrayUnique', message: expect.stringMatching(/item 2 repeats item 0/) }] },
    ]);
    const unknownProduct = await server.gql(
      `mutation { assignLicenses(input: { userIds: ["x"], product: CHAT }) { dryRun } }`,
      undefined,
      acme.token,
    );
    expect(unknownProduct.codes).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const unknownRole = await server.gql(
      `mutation { createUsers(input: { users: [{ email: "r@example.test", name: "R", role: BOSS }] }) { dryRun } }`,
      undefined,
      acme.token,
    );
    expect(unknownRole.codes).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(logLength()).toBe(length);
  });

  it('createUsers: a malformed or repeated entry is refused on its own (BEST_EFFORT creates the rest; ALL_OR_NOTHING nothing)', async () => {
    const good = `good.${Date.now()}@example.test`;
    const users = [
      { email: 'nope', name: 'No Address' },
      { email: good, name: 'Good' },
      { email: `ctl.${Date.now()}@example.test`, name: 'Esc\u001b[2J' },
      { email: good.toUpperCase(), name: 'Again' },
      { email: `blank.${Date.now()}@example.test`, name: '   ' },
    ];
    const refusals = [
      {
        index: 0,
        email: 'nope',
        code: 'BAD_USER_INPUT',
        message: expect.stringMatching(/e-mail address.*\(isEmail\)/),
      },
      { index: 2, code: 'BAD_USER_INPUT', message: expect.stringContaining('(noControlCharacters)') },
      { index: 3, code: 'BAD_USER_INPUT', message: expect.stringMatching(/item 1 \(arrayUnique\)/) },
      { index: 4, code: 'BAD_USER_INPUT', message: expect.stringContaining('(notBlank)') },
    ];
    const length = logLength();
    const all = ok(await server.gql(CREATE, { input: { users } }, acme.token)).createUsers;
    expect(all).toMatchObject({ dryRun: false, created: [], refused: refusals });
    expect(all.refused).toHaveLength(4);
    expect(logLength()).toBe(length);
    const some = ok(await server.gql(CREATE, { input: { users, mode: 'BEST_EFFORT' } }, acme.token)).createUsers;
    expect(some).toMatchObject({ created: [{ email: good.toLowerCase(), name: 'Good' }], refused: refusals });
    expect(logLength()).toBe(length + 2);
  });

  it('idempotency keys: the same bulk call twice writes once and answers the same; a refusal and a dry run spend no key', async () => {
    const { gql } = server;
    const shop = await signUpAccount(gql, 'Keyed Bulk');
    await purchase(gql, shop.token, 2);
    const users = Array.from({ length: 3 }, (_, i) => ({
      email: `keyed${i}.${Date.now()}@example.test`,
      name: `K ${i}`,
    }));
    // createUsers: a dry run with the key, then the real call, then the same again
    const dry = ok(await gql(CREATE, { input: { users, dryRun: true, idempotencyKey: 'cu' } }, shop.token)).createUsers;
    expect(dry.created).toHaveLength(3);
    const length = logLength();
    const made = ok(await gql(CREATE, { input: { users: users.slice(1), idempotencyKey: 'cu' } }, shop.token));
    const again = ok(await gql(CREATE, { input: { users: users.slice(1), idempotencyKey: 'cu' } }, shop.token));
    expect(again).toEqual(made);
    expect(made.createUsers.created).toHaveLength(2);
    expect(logLength()).toBe(length + 6); // two reservations, two users, the key claimed and completed
    const reused = await gql(CREATE, { input: { users, idempotencyKey: 'cu' } }, shop.token);
    expect(reused.codes).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    expect(logLength()).toBe(length + 6);

    // assignLicenses: three on two seats ALL_OR_NOTHING is refused and spends no key; two then, twice, write once
    const [a, b] = made.createUsers.created.map((u: { id: string }) => u.id);
    const extra = ok(await gql(CREATE, { input: { users: users.slice(0, 1) } }, shop.token)).createUsers.created[0].id;
    const three = { userIds: [a, b, extra], product: 'VIDEO_MEETING', idempotencyKey: 'al' };
    const before = logLength();
    const refused = ok(await gql(ASSIGN, { input: three }, shop.token)).assignLicenses;
    expect(refused.refused).toMatchObject([{ index: 2, code: 'NO_SEATS_AVAILABLE' }]);
    expect(logLength()).toBe(before);
    const two = { userIds: [a, extra], product: 'VIDEO_MEETING', mode: 'BEST_EFFORT', idempotencyKey: 'al' };
    const first = ok(await gql(ASSIGN, { input: two }, shop.token));
    expect(first.assignLicenses.applied.map((u: { id: string }) => u.id)).toEqual([a, extra]);
    const repeat = ok(await gql(ASSIGN, { input: two }, shop.token));
    expect(repeat).toEqual(first);
    const assigned = async () => {
      const history = ok(
        await gql('{ licenseHistory(first: 100) { edges { node { type } } } }', undefined, shop.token),
      );
      return history.licenseHistory.edges.filter((e: { node: { type: string } }) => e.node.type === 'LicenseAssigned')
        .length;
    };
    expect(await assigned()).toBe(2);
    const other = await gql(ASSIGN, { input: { ...two, userIds: [b] } }, shop.token);
    expect(other.codes).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    // The key of another mutation is another key: revokeLicenses runs.
    const revoked = ok(await gql(REVOKE, { input: { ...two, userIds: [a] } }, shop.token)).revokeLicenses;
    expect(revoked.applied.map((u: { id: string }) => u.id)).toEqual([a]);
    expect(await assigned()).toBe(2);
  });

  it('replay --verify is clean after a storm of bulk operations', async () => {
    await purchase(server.gql, acme.token, 40);
    const users = Array.from({ length: 30 }, (_, i) => ({
      email: `storm${i}.${Date.now()}@example.test`,
      name: `Storm ${i}`,
    }));
    const storm = ok(await server.gql(CREATE, { input: { users, mode: 'BEST_EFFORT' } }, acme.token)).createUsers;
    const stormIds: string[] = storm.created.map((u: { id: string }) => u.id);
    const halves = [stormIds.slice(0, 15), stormIds.slice(15)];
    await Promise.all([
      ...halves.map((userIds) =>
        server.gql(ASSIGN, { input: { userIds, product: 'VIDEO_MEETING', mode: 'BEST_EFFORT' } }, acme.token),
      ),
      server.gql(
        ASSIGN,
        { input: { userIds: stormIds.slice(10, 20), product: 'WEBINAR', mode: 'BEST_EFFORT' } },
        acme.token,
      ),
    ]);
    ok(
      await server.gql(
        REVOKE,
        { input: { userIds: stormIds.slice(0, 20), product: 'VIDEO_MEETING', mode: 'BEST_EFFORT' } },
        acme.token,
      ),
    );
    const out = capture(server.dataDir);
    const code = await runReplay(['--verify', '--data-dir', server.dataDir], out.io);
    expect(out.stdout()).toMatch(/: 0 differ/);
    expect(out.stdout()).toContain('0 invariant violations');
    expect(code).toBe(0);
  }, 30_000);
});
