// `seatledger export` on a small real SQLite log: one line per published event in log order, current versions,
// filters, never a credentials event, backpressure, progress on stderr, exit 2 on bad arguments; once over the
// real CLI entry (bin/seatledger.js, built by `npm run build`).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { type ExportedEvent, exportEvents, parseExportArgs, runExport, toExportedEvent } from '../../src/cli/export';
import { EVENT_UPCASTERS } from '../../src/domain/event-schemas';
import {
  accountStream,
  credentialsStream,
  emailReservationStream,
  idempotencyStream,
  subscriptionStream,
  userStream,
} from '../../src/domain/streams';
import { EVENT_SCHEMAS, eventJsonSchema } from '../../src/events-docs/schemas';
import type { EventStore, EventToAppend } from '../../src/eventstore/port';
import { openSqliteEventStore } from '../../src/eventstore/sqlite';
import { withUpcasting } from '../../src/eventstore/upcasting';
import { validate } from '../events/json-schema';
import { makeTempDir } from '../support/temp-dir';

const ROOT = path.join(__dirname, '..', '..');
const PASSWORD_HASH = 'scrypt$N=16384$c2FsdA$aGFzaA';
let sequence = 0;

function event(type: string, accountId: string, data: Record<string, unknown>, schemaVersion = 1): EventToAppend {
  sequence += 1;
  return {
    id: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
    type,
    data,
    metadata: {
      accountId,
      actorId: `owner-${accountId}`,
      occurredAt: new Date(Date.UTC(2025, 0, 1, 0, 0, sequence)).toISOString(),
      correlationId: `req-${sequence}`,
      causationId: `req-${sequence}`,
      schemaVersion,
    },
  };
}

/** Two accounts' worth of every stream kind, a stored v1 revocation, and credentials that must never leave. */
async function writeLog(file: string): Promise<void> {
  const store = openSqliteEventStore({ file });
  const append = (stream: string, ...events: EventToAppend[]) =>
    store.appendToStream(stream, events, { expectedRevision: 'any' });
  for (const acc of ['acc-1', 'acc-2']) {
    const owner = `owner-${acc}`;
    const video = { accountId: acc, product: 'VIDEO_MEETING', planId: 'video-standard' };
    await append(
      emailReservationStream('a'.repeat(63) + acc.slice(-1)),
      event('EmailReserved', acc, { userId: owner, accountId: acc }),
    );
    await append(
      userStream(owner),
      event('UserCreated', acc, {
        userId: owner,
        accountId: acc,
        email: `Owner@${acc}.example`,
        emailNormalized: `owner@${acc}.example`,
        name: 'Olga Owner',
        role: 'OWNER',
      }),
    );
    await append(
      accountStream(acc),
      event('AccountOpened', acc, { accountId: acc, name: `Company ${acc}`, ownerUserId: owner }),
    );
    await append(credentialsStream(owner), event('PasswordSet', acc, { userId: owner, passwordHash: PASSWORD_HASH }));
    await append(
      idempotencyStream(acc, 'order-1'),
      event('IdempotencyKeyClaimed', acc, {
        inputHash: 'b'.repeat(64),
        claimId: 'claim-1',
        stream: subscriptionStream(acc, 'VIDEO_MEETING'),
        fromRevision: 0,
      }),
    );
    await append(
      subscriptionStream(acc, 'VIDEO_MEETING'),
      event('LicensePurchased', acc, { ...video, quantity: 5 }),
      event('LicenseAssigned', acc, { ...video, userId: owner }),
      // Stored by a writer from before revocations had a reason.
      event('LicenseRevoked', acc, { ...video, userId: owner }, 1),
      event('LicenseAssigned', acc, { ...video, userId: owner }),
      event('LicenseRevoked', acc, { ...video, userId: owner, reason: 'audit' }, 2),
    );
  }
  await store.close();
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  lines: ExportedEvent[];
}

async function exportIn(dataDir: string, args: string[], options: { tty?: boolean } = {}): Promise<Run> {
  const stdout = Object.assign(new PassThrough(), { isTTY: options.tty });
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const code = await runExport(args, { stdout, stderr, env: { SEATLEDGER_DATA_DIR: dataDir }, cwd: ROOT });
  const text = Buffer.concat(out).toString('utf8');
  return {
    code,
    stdout: text,
    stderr: Buffer.concat(err).toString('utf8'),
    lines:
      text === ''
        ? []
        : text
            .trimEnd()
            .split('\n')
            .map((line) => JSON.parse(line) as ExportedEvent),
  };
}

describe('seatledger export', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let all: Run;

  beforeAll(async () => {
    temp = makeTempDir();
    await writeLog(path.join(temp.dir, 'events.db'));
    all = await exportIn(temp.dir, []);
  });
  afterAll(() => temp.cleanup());

  it('writes one line per published event, in log order, as {id, type, stream, position, revision, data, metadata, recordedAt}', () => {
    expect(all.code).toBe(0);
    // 2 accounts × (email, user, account, idempotency, 5 subscription events); the 2 credentials events withheld
    expect(all.lines).toHaveLength(18);
    expect(all.stdout.endsWith('\n')).toBe(true);
    const positions = all.lines.map((line) => line.position);
    expect([...positions].sort()).toEqual(positions);
    expect(new Set(positions).size).toBe(positions.length);
    expect(Object.keys(all.lines[0] ?? {})).toEqual([
      'id',
      'type',
      'stream',
      'position',
      'revision',
      'data',
      'metadata',
      'recordedAt',
    ]);
    expect(all.lines[0]).toMatchObject({ type: 'EmailReserved', revision: 0, data: { userId: 'owner-acc-1' } });
  });

  it('each line is exactly JSON.stringify of the event as the upcasting store reads it', async () => {
    const store = withUpcasting(openSqliteEventStore({ file: path.join(temp.dir, 'events.db') }), EVENT_UPCASTERS);
    const expected: string[] = [];
    for await (const event of store.readAll()) {
      if (!event.streamName.startsWith('credentials-')) expected.push(JSON.stringify(toExportedEvent(event)));
    }
    await store.close();
    expect(all.stdout.trimEnd().split('\n')).toEqual(expected);
  });

  it.each([[[]], [['--account', 'acc-2']], [['--types', 'LicenseRevoked,UserCreated', '--after', '0000000000000003']]])(
    'writes the same bytes from the SQLite fast path as through the port (%j)',
    async (args) => {
      // given the same log seen through the port only (a wrapper that is not the SQLite adapter)
      const raw = openSqliteEventStore({ file: path.join(temp.dir, 'events.db') });
      const portOnly: EventStore = {
        appendToStream: (stream, events, options) => raw.appendToStream(stream, events, options),
        readStream: (stream, options) => raw.readStream(stream, options),
        readAll: (options) => raw.readAll(options),
        subscribeToAll: (options) => raw.subscribeToAll(options),
        headPosition: () => raw.headPosition(),
        close: () => raw.close(),
      };
      const text = async (store: EventStore) => {
        const out = new PassThrough();
        const parts: Buffer[] = [];
        out.on('data', (part: Buffer) => parts.push(part));
        await exportEvents(withUpcasting(store, EVENT_UPCASTERS), out, parseExportArgs(args));
        return Buffer.concat(parts).toString('utf8');
      };
      try {
        // when both export, then the bytes are the same, and the v1 revocations came out upcast on both
        const fast = await text(raw);
        expect(fast).toBe(await text(portOnly));
        expect(fast).not.toBe('');
        expect(fast).not.toMatch(/"type":"LicenseRevoked"[^\n]*"schemaVersion":1/);
      } finally {
        await raw.close();
      }
    },
  );

  it('never writes a credentials event, nor anything of one', () => {
    expect(all.stdout).not.toContain('credentials-');
    expect(all.stdout).not.toContain('PasswordSet');
    expect(all.stdout).not.toContain(PASSWORD_HASH);
  });

  it('writes current versions only, each line valid against its type’s schema', () => {
    const revoked = all.lines.filter((line) => line.type === 'LicenseRevoked');
    expect(revoked.map((line) => [line.data.reason, line.metadata.schemaVersion])).toEqual([
      [null, 2],
      ['audit', 2],
      [null, 2],
      ['audit', 2],
    ]);
    for (const line of all.lines) {
      const definition = EVENT_SCHEMAS.find((d) => d.type === line.type);
      expect({
        type: line.type,
        errors: definition ? validate(eventJsonSchema(definition), line) : ['no schema'],
      }).toEqual({
        type: line.type,
        errors: [],
      });
    }
  });

  it('--after <position> resumes strictly after it: an export in two parts is the whole export', async () => {
    const cut = all.lines[6]?.position as string;
    const rest = await exportIn(temp.dir, ['--after', cut]);
    expect(rest.code).toBe(0);
    expect(rest.lines).toEqual(all.lines.slice(7));
    expect((await exportIn(temp.dir, ['--after', all.lines[17]?.position as string])).lines).toEqual([]);
  });

  it('--types keeps only the named types', async () => {
    const run = await exportIn(temp.dir, ['--types', 'LicenseAssigned, AccountOpened']);
    expect(run.code).toBe(0);
    expect(run.lines).toEqual(all.lines.filter((line) => ['LicenseAssigned', 'AccountOpened'].includes(line.type)));
    expect(run.lines).toHaveLength(6);
  });

  it('--account keeps only that account’s events, and combines with the other filters', async () => {
    const run = await exportIn(temp.dir, ['--account', 'acc-2']);
    expect(run.lines).toHaveLength(9);
    expect(run.lines.every((line) => line.metadata.accountId === 'acc-2')).toBe(true);
    const both = await exportIn(temp.dir, [
      '--account',
      'acc-2',
      '--types',
      'LicenseRevoked',
      '--after',
      all.lines[0]?.position as string,
    ]);
    expect(both.lines.map((line) => [line.metadata.accountId, line.type])).toEqual([
      ['acc-2', 'LicenseRevoked'],
      ['acc-2', 'LicenseRevoked'],
    ]);
  });

  it('reports progress on stderr when stdout is not a terminal, and stays quiet when it is', async () => {
    expect(all.stderr).toMatch(/^exported 18 events \([\d,]+ events\/s\)\n$/);
    const onScreen = await exportIn(temp.dir, [], { tty: true });
    expect(onScreen.lines).toHaveLength(18);
    expect(onScreen.stderr).toBe('');
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['events.ndjson'], /Unexpected argument 'events.ndjson'/],
    [['--after'], /--after.*argument missing/],
    [['--after', 'yesterday'], /--after: malformed position "yesterday"/],
    [['--types', 'LicenseStolen'], /unknown event type LicenseStolen; known: AccountOpened/],
    [['--types', 'PasswordSet'], /unknown event type PasswordSet/],
    [['--types', ','], /--types needs at least one event type/],
    [['--account', ' '], /--account needs an account id/],
  ])('exits 2 with a clear message on %j', async (args, message) => {
    const run = await exportIn(temp.dir, args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });

  it('exits 1 naming the file when there is no log, without creating one', async () => {
    const empty = makeTempDir();
    try {
      const run = await exportIn(empty.dir, []);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`no event log at ${path.join(empty.dir, 'events.db')}`);
      expect(fs.readdirSync(empty.dir)).toEqual([]);
    } finally {
      empty.cleanup();
    }
  });
});

describe('seatledger export: backpressure', () => {
  it('never lets a slow stdout buffer more than its high-water mark and one chunk', async () => {
    // given a log of 20,000 events (about 5 MB of NDJSON)
    const temp = makeTempDir();
    try {
      const store = openSqliteEventStore({ file: path.join(temp.dir, 'events.db') });
      const video = { accountId: 'acc-1', product: 'VIDEO_MEETING', planId: 'video-standard' };
      for (let batch = 0; batch < 40; batch++) {
        const events = Array.from({ length: 500 }, (_, i) =>
          event('LicenseAssigned', 'acc-1', { ...video, userId: `user-${batch * 500 + i}` }),
        );
        await store.appendToStream(subscriptionStream('acc-1', 'VIDEO_MEETING'), events, { expectedRevision: 'any' });
      }
      await store.close();

      // when it is exported to a stdout that takes a while over each write
      let maxBuffered = 0;
      let bytes = 0;
      const slow = new Writable({
        highWaterMark: 16 * 1024,
        write(chunk: Buffer, _encoding, done) {
          bytes += chunk.length;
          setTimeout(done, 1);
        },
      });
      const write = slow.write.bind(slow);
      slow.write = ((chunk: string) => {
        const ok = write(chunk);
        maxBuffered = Math.max(maxBuffered, slow.writableLength);
        return ok;
      }) as typeof slow.write;
      const code = await runExport(['--data-dir', temp.dir], {
        stdout: slow,
        stderr: new PassThrough(),
        env: {},
        cwd: ROOT,
      });
      await new Promise<void>((resolve) => slow.end(resolve));

      // then all of it arrived, and the writer waited for 'drain' instead of piling it up in memory
      expect(code).toBe(0);
      expect(bytes).toBeGreaterThan(4_000_000);
      expect(maxBuffered).toBeLessThanOrEqual(16 * 1024 + 70 * 1024);
    } finally {
      temp.cleanup();
    }
  });
});

describe('npx seatledger export (bin/seatledger.js, built)', () => {
  it('writes the same lines as in-process, and exits 2 on a bad argument', async () => {
    const built = path.join(ROOT, 'dist', 'src', 'cli', 'export.js');
    if (!fs.existsSync(built)) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
    const temp = makeTempDir();
    try {
      await writeLog(path.join(temp.dir, 'events.db'));
      const env = { PATH: process.env.PATH, SEATLEDGER_DATA_DIR: temp.dir };
      const run = spawnSync(process.execPath, ['bin/seatledger.js', 'export', '--types', 'LicenseRevoked'], {
        cwd: ROOT,
        env,
        encoding: 'utf8',
      });
      expect(run.stderr).toMatch(/^exported 4 events/);
      expect(run.status).toBe(0);
      const lines = run.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as ExportedEvent);
      expect(lines).toEqual((await exportIn(temp.dir, ['--types', 'LicenseRevoked'])).lines);

      const bad = spawnSync(process.execPath, ['bin/seatledger.js', 'export', '--after'], {
        cwd: ROOT,
        env,
        encoding: 'utf8',
      });
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain('usage: seatledger export');
    } finally {
      temp.cleanup();
    }
  });
});
