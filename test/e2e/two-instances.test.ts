// Several API instances on one EventStoreDB, over real HTTP: each keeps its own read models (its own data dir) from
// $all, tokens are good on every instance (shared AUTH_SECRET), and the notifier's consumer group sends each mail
// once however many instances run reactors; an instance with reactors off sends none. Runs against the in-repo
// TEST STAND-IN (not EventStoreDB), or a real server when EVENTSTORE_CONNECTION_STRING is set.
import fs from 'node:fs';
import path from 'node:path';
import { eventually, parseMail, sleep } from '../notifications/support';
import { type EventStoreDbForTests, eventStoreDbForTests, eventStoreDbTarget } from '../support/eventstoredb-target';
import {
  ASSIGN,
  createUser,
  ok,
  purchase,
  signUpAccount,
  startTestSeatledger,
  TEST_AUTH_SECRET,
  type TestSeatledger,
} from '../support/seatledger';

/** The recipients (To:) of every mail in a data dir's outbox. */
function recipients(dataDir: string): string[] {
  const outbox = path.join(dataDir, 'outbox');
  if (!fs.existsSync(outbox)) return [];
  return fs
    .readdirSync(outbox)
    .filter((name) => name.endsWith('.eml'))
    .map((name) => (parseMail(fs.readFileSync(path.join(outbox, name), 'utf8')).header('to') ?? '').toLowerCase());
}

const SEATS = '{ seatAvailability(product: VIDEO_MEETING) { purchased assigned available } }';

describe(`two API instances (and one without reactors) on ${eventStoreDbTarget}`, () => {
  let eventStoreDb: EventStoreDbForTests | undefined;
  let one: TestSeatledger;
  let two: TestSeatledger;
  let quiet: TestSeatledger;

  beforeAll(async () => {
    eventStoreDb = await eventStoreDbForTests();
    const env = { EVENTSTORE_CONNECTION_STRING: eventStoreDb.connectionString, AUTH_SECRET: TEST_AUTH_SECRET };
    [one, two, quiet] = await Promise.all([
      startTestSeatledger({ env }),
      startTestSeatledger({ env }),
      // A third instance with reactors switched off (`serve --no-reactors`): it serves, it sends nothing.
      startTestSeatledger({ env, reactors: false }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([one, two, quiet].map((server) => server?.close()));
    await eventStoreDb?.stop();
  });

  it('a mutation on one instance shows in the other instance’s queries once its projections catch up', async () => {
    const owner = await signUpAccount(one.gql, 'Two Sites');
    ok(await one.gql(SEATS, undefined, owner.token)); // the token is one's

    await purchase(two.gql, owner.token, 4); // ...and good on two: same secret, user from the shared log

    // one has its own read models: it sees two's purchase after its subscription brings it in.
    const onOne = await eventually(async () => {
      const seats = ok(await one.gql(SEATS, undefined, owner.token)).seatAvailability;
      if (seats?.purchased !== 4) throw new Error(`one sees ${JSON.stringify(seats)}`);
      return seats;
    }, 5_000);
    expect(onOne).toEqual({ purchased: 4, assigned: 0, available: 4 });
    expect(one.dataDir).not.toBe(two.dataDir);
  });

  it('/readyz shows the reactors’ consumer groups, joined, beside the processors', async () => {
    const ready = await eventually(async () => {
      const body = (await (await fetch(new URL('/readyz', one.url))).json()) as {
        detail: { groups?: { name: string; state: string }[] };
      };
      if (body.detail.groups?.some((group) => group.state !== 'joined')) throw new Error('still joining');
      return body;
    }, 10_000);
    expect(ready.detail.groups?.map(({ name, state }) => [name, state]).sort()).toEqual([
      ['deactivation', 'joined'],
      ['invitation-expiry', 'joined'],
      ['notifier', 'joined'],
      ['seat-alerts', 'joined'],
      ['webhooks', 'joined'],
    ]);
  });

  it('each assignment is mailed once, not once per instance running reactors, and never by the one without', async () => {
    const owner = await signUpAccount(one.gql, 'Mail Once');
    await purchase(one.gql, owner.token, 8);
    const servers = [one, two, quiet];
    const members: string[] = [];
    for (let i = 0; i < 8; i++) {
      const server = servers[i % servers.length] as TestSeatledger;
      const member = await createUser(server.gql, owner.token);
      ok(await server.gql(ASSIGN, { userId: member.id, product: 'VIDEO_MEETING' }, owner.token));
      members.push(member.email.toLowerCase());
    }

    const mailed = () => [...recipients(one.dataDir), ...recipients(two.dataDir), ...recipients(quiet.dataDir)];
    await eventually(() => {
      const count = mailed().filter((to) => members.some((email) => to.includes(email))).length;
      if (count < members.length) throw new Error(`${count} of ${members.length} mails so far`);
    }, 10_000);
    // Time for a second copy to show up, were the group not working.
    await sleep(500);

    const perMember = members.map((email) => mailed().filter((to) => to.includes(email)).length);
    expect(perMember).toEqual(members.map(() => 1));
    // Both instances with reactors took a share of the group's events; the quiet one sent nothing.
    expect(recipients(one.dataDir).some((to) => members.some((email) => to.includes(email)))).toBe(true);
    expect(recipients(two.dataDir).some((to) => members.some((email) => to.includes(email)))).toBe(true);
    expect(recipients(quiet.dataDir)).toEqual([]);
  });

  it('a seat alert written through both instances crosses once and is mailed once to the owner and the admin', async () => {
    const owner = await signUpAccount(one.gql, 'Alert Once');
    const admin = await createUser(two.gql, owner.token, { role: 'ADMIN' });
    await purchase(one.gql, owner.token, 4);
    const SET = 'mutation { setSeatAlert(input: { product: VIDEO_MEETING, availableAtMost: 1 }) { alert { id } } }';
    ok(await two.gql(SET, undefined, owner.token));
    const servers = [one, two, one];
    for (const server of servers) {
      const member = await createUser(server.gql, owner.token);
      ok(await server.gql(ASSIGN, { userId: member.id, product: 'VIDEO_MEETING' }, owner.token));
    }
    const people = [owner.email.toLowerCase(), admin.email.toLowerCase()];
    const alertMails = () =>
      [one, two, quiet].flatMap((server) => {
        const outbox = path.join(server.dataDir, 'outbox');
        if (!fs.existsSync(outbox)) return [];
        return fs
          .readdirSync(outbox)
          .map((name) => parseMail(fs.readFileSync(path.join(outbox, name), 'utf8')))
          .filter((mail) => /seats available/.test(mail.header('subject') ?? ''))
          .map((mail) => (mail.header('to') ?? '').toLowerCase());
      });
    await eventually(() => {
      if (alertMails().length < 2) throw new Error(`${alertMails().length} alert mails so far`);
    }, 10_000);
    await sleep(500);
    expect(people.map((email) => alertMails().filter((to) => to.includes(email)).length)).toEqual([1, 1]);
    const HISTORY = '{ licenseHistory(product: VIDEO_MEETING, first: 100) { edges { node { type } } } }';
    const types = ok(await one.gql(HISTORY, undefined, owner.token)).licenseHistory.edges.map(
      (edge: { node: { type: string } }) => edge.node.type,
    );
    expect(types.filter((type: string) => type === 'SeatThresholdCrossed')).toEqual(['SeatThresholdCrossed']);
  });
});
