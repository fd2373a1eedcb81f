// `seatledger history`: an account's licence history from the log, filtered, as of a time, as a table or JSON.
import { runHistory } from '../../src/cli/history';
import { subscriptionStream } from '../../src/domain/streams';
import { openWorkspace, seedAcme, type Workspace } from '../support/projection-world';
import { capture } from './io';

describe('seatledger history', () => {
  let ws: Workspace;
  const history = async (...args: string[]) => {
    const out = capture(ws.dir);
    const code = await runHistory([...args, '--data-dir', ws.dir], out.io);
    return { code, stdout: out.stdout(), stderr: out.stderr() };
  };

  beforeAll(async () => {
    ws = openWorkspace();
    await seedAcme(ws.log);
  });
  afterAll(() => ws.close());

  it("prints the account's events oldest first and its seats now, as a table", async () => {
    const { code, stdout } = await history('--account', 'acme');
    expect(code).toBe(0);
    expect(stdout).toContain('history of account acme: 16 events');
    expect(stdout).toMatch(/LicensePurchased +ann +VIDEO_MEETING +\+3 seats on video-standard/);
    expect(stdout).toMatch(/PlanUpgraded .* video-standard → video-pro/);
    expect(stdout).not.toContain('PasswordSet');
    expect(stdout).not.toContain('globex');
    expect(stdout).toContain('VIDEO_MEETING: 3 purchased, 2 assigned, 1 available');
    expect(stdout).toContain('WEBINAR: 3 purchased, 1 assigned, 2 available');
  });

  it('filters by user and product, and answers JSON', async () => {
    const { code, stdout } = await history('--account', 'acme', '--user', 'bob', '--product', 'WEBINAR', '--json');
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout);
    expect(parsed.events.map((e: { type: string }) => e.type)).toEqual(['LicenseAssigned']);
    expect(parsed.events[0]).toMatchObject({ userId: 'bob', product: 'WEBINAR', actorId: 'ann' });
    expect(parsed.seats).toEqual([{ product: 'WEBINAR', purchased: 3, assigned: 1, reserved: 0, available: 2 }]);
  });

  it('shows the history and the seats as they stood at a past time', async () => {
    const all = JSON.parse((await history('--account', 'acme', '--json')).stdout);
    const secondAssignment = all.events.filter((e: { type: string }) => e.type === 'LicenseAssigned')[1];
    const { stdout } = await history('--account', 'acme', '--as-of', secondAssignment.occurredAt, '--json');
    const past = JSON.parse(stdout);
    expect(past.events.at(-1).id).toBe(secondAssignment.id);
    expect(past.seats).toEqual([{ product: 'VIDEO_MEETING', purchased: 3, assigned: 2, reserved: 0, available: 1 }]);
  });

  it.each([
    [[], '--account is required'],
    [['--account', 'acme', '--product', 'FAX'], '--product must be one of VIDEO_MEETING, WEBINAR'],
    [['--account', 'acme', '--as-of', 'yesterday'], '--as-of must be an ISO-8601 date or time'],
    [['--account', 'acme', '--colour'], "Unknown option '--colour'"],
  ])('refuses %j with exit 2 and says why', async (args, message) => {
    const { code, stderr } = await history(...(args as string[]));
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it('answers exit 1 for an account the log does not know', async () => {
    const { code, stderr } = await history('--account', 'initech');
    expect(code).toBe(1);
    expect(stderr).toContain('no account initech in the log');
  });
});

describe('seatledger history --csv', () => {
  let ws: Workspace;
  const history = async (...args: string[]) => {
    const out = capture(ws.dir);
    const code = await runHistory([...args, '--data-dir', ws.dir], out.io);
    return { code, stdout: out.stdout(), stderr: out.stderr() };
  };

  /** RFC 4180 read back: what a spreadsheet makes of the file. */
  const parseCsv = (text: string): string[][] => {
    const rows: string[][] = [];
    let row: string[] = [];
    let cell = '';
    let quoted = false;
    for (let i = 0; i < text.length; i += 1) {
      const c = text[i] as string;
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') {
          cell += '"';
          i += 1;
        } else if (c === '"') quoted = false;
        else cell += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') {
        row.push(cell);
        cell = '';
      } else if (c === '\r' && text[i + 1] === '\n') {
        row.push(cell);
        rows.push(row);
        row = [];
        cell = '';
        i += 1;
      } else cell += c;
    }
    if (cell !== '' || row.length > 0) throw new Error('the last record does not end with CRLF');
    return rows;
  };

  beforeAll(async () => {
    ws = openWorkspace();
    await seedAcme(ws.log);
    // Names an auditor's spreadsheet must show exactly as typed, and never run.
    await ws.log.createUser(
      { userId: 'eve', accountId: 'acme', email: 'eve@acme.test', name: '=HYPERLINK("http://evil.test","open")' },
      { actorId: 'ann' },
    );
    await ws.log.createUser(
      { userId: 'fox', accountId: 'acme', email: 'fox@acme.test', name: 'Fox, "Foxy"\nSecond line' },
      { actorId: 'ann' },
    );
    await ws.log.createUser(
      { userId: '@gus', accountId: 'acme', email: 'gus@acme.test', name: '+Gus -Grün' },
      { actorId: 'ann' },
    );
  });
  afterAll(() => ws.close());

  it('writes a header row and one record per event, CRLF-terminated, that read back to the JSON output', async () => {
    const { code, stdout } = await history('--account', 'acme', '--csv');
    const json = JSON.parse((await history('--account', 'acme', '--json')).stdout);

    expect(code).toBe(0);
    expect(stdout.endsWith('\r\n')).toBe(true);
    // The one bare line feed is inside the quoted two-line name.
    expect(stdout.match(/(?<!\r)\n/g)).toHaveLength(1);
    const [header, ...records] = parseCsv(stdout);
    expect(header).toEqual(['position', 'id', 'occurredAt', 'type', 'actorId', 'userId', 'product', 'details', 'data']);
    expect(records).toHaveLength(json.events.length);
    expect(records.map((r) => r[1])).toEqual(json.events.map((e: { id: string }) => e.id));
    expect(records.map((r) => r.length)).toEqual(records.map(() => 9));
    const bob = records.find((r) => r[5] === 'bob' && r[3] === 'UserCreated') as string[];
    expect(JSON.parse(bob[8] as string)).toEqual(json.events.find((e: { id: string }) => e.id === bob[1]).data);
    expect(records.find((r) => r[5] === 'cat')?.[7]).toBe('Cátia Smith <cat@acme.test> as MEMBER');
  });

  it('quotes fields with a comma, quote or line break, doubling the quotes, and keeps UTF-8', async () => {
    const { stdout } = await history('--account', 'acme', '--user', 'fox', '--csv');

    expect(stdout).toContain('"Fox, ""Foxy""\nSecond line <fox@acme.test> as MEMBER"');
    expect(Buffer.from(stdout, 'utf8').toString('utf8')).toBe(stdout);
    const [, record] = parseCsv(stdout);
    expect(record?.[7]).toBe('Fox, "Foxy"\nSecond line <fox@acme.test> as MEMBER');
    expect(JSON.parse(record?.[8] as string).name).toBe('Fox, "Foxy"\nSecond line');
  });

  it('guards cells a spreadsheet would run as a formula (= + - @) with a leading single quote', async () => {
    const eve = parseCsv((await history('--account', 'acme', '--user', 'eve', '--csv')).stdout)[1] as string[];
    const gus = parseCsv((await history('--account', 'acme', '--user', '@gus', '--csv')).stdout)[1] as string[];
    const releases = parseCsv((await history('--account', 'acme', '--csv')).stdout).filter(
      (r) => r[3] === 'LicensesReleased',
    );

    expect(eve[7]).toBe(`'=HYPERLINK("http://evil.test","open") <eve@acme.test> as MEMBER`);
    expect(gus[5]).toBe("'@gus");
    expect(gus[7]).toBe("'+Gus -Grün <gus@acme.test> as MEMBER");
    expect(releases.map((r) => r[7])).toEqual(["'-2 seats"]);
    // A JSON payload starts with `{`: it stays as it is.
    expect(eve[8]?.startsWith('{')).toBe(true);
  });

  it('refuses --json with --csv with exit 2 and says why', async () => {
    const { code, stdout, stderr } = await history('--account', 'acme', '--json', '--csv');

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('--json and --csv cannot be used together');
  });
});

// Events written before control characters were refused at input hold them still: the table must show them,
// never send them to the auditor's terminal (an ESC sequence would clear or rewrite the screen).
describe('seatledger history with control characters in the log', () => {
  let ws: Workspace;
  // ESC [2J clears the screen; CR rewrites the line; U+009B is the C1 form of ESC [.
  const NAME = 'Eve\u001b[2J\u001b[31mEvil\rOK \u009b1mX';
  const REASON = 'left\nthe team\u0007';

  beforeAll(async () => {
    ws = openWorkspace();
    await ws.log.openAccount('evilcorp', 'eve', 'Evil\u001b]0;pwned\u0007Corp');
    await ws.log.createUser({
      userId: 'eve',
      accountId: 'evilcorp',
      email: 'eve@evil.test',
      name: NAME,
      role: 'OWNER',
    });
    await ws.log.purchase('evilcorp', 'WEBINAR', 'webinar-100', 2, { actorId: 'eve' });
    await ws.log.assign('evilcorp', 'WEBINAR', 'webinar-100', 'eve', { actorId: 'eve' });
    await ws.log.append(
      subscriptionStream('evilcorp', 'WEBINAR'),
      'LicenseRevoked',
      { accountId: 'evilcorp', product: 'WEBINAR', planId: 'webinar-100', userId: 'eve', reason: REASON },
      { accountId: 'evilcorp', actorId: 'eve' },
    );
  });
  afterAll(() => ws.close());

  it('escapes every control character in the table, visibly', async () => {
    const out = capture(ws.dir);
    const code = await runHistory(['--account', 'evilcorp', '--data-dir', ws.dir], out.io);
    expect(code).toBe(0);
    const stdout = out.stdout();
    // Nothing but line feeds between rows reaches the terminal: no C0, DEL or C1 character.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what must be absent.
    expect(stdout.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(stdout).toContain('Eve\\u001b[2J\\u001b[31mEvil\\u000dOK \\u009b1mX <eve@evil.test> as OWNER');
    expect(stdout).toContain('Evil\\u001b]0;pwned\\u0007Corp (owner eve)');
    expect(stdout).toContain('reason: left\\u000athe team\\u0007');
    // One line per event: the LF in the reason did not break the table.
    expect(stdout.split('\n').filter((line) => /^\d{16} /.test(line))).toHaveLength(5);
  });

  it('keeps the exact text in --json, where a parser reads it', async () => {
    const out = capture(ws.dir);
    await runHistory(['--account', 'evilcorp', '--json', '--data-dir', ws.dir], out.io);
    const parsed = JSON.parse(out.stdout());
    expect(parsed.events[1].data.name).toBe(NAME);
  });
});
