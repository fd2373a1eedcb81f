// `seatledger migrate --to <EventStoreDB>` into the in-repo TEST STAND-IN (not EventStoreDB): a log of a few thousand
// events written through the API is copied while the server serves, the run stopped half-way (as a kill leaves it)
// and run again, more written, the server stopped, and `--final` copies the tail: exactly one copy of every event,
// same ids, types, data and metadata in per-stream order, `credentials-` streams at their latest event with $maxCount
// 1, the notifier's group created at the migrated head. An event altered on the target fails the verification. And
// back with --from into an empty dir: the same streams; a dir with files in it refused.
import fs from 'node:fs';
import { EventStoreDBClient } from '@eventstore/db-client';
import Database from 'better-sqlite3';
import { runMigrate } from '../../src/cli/migrate';
import { type RunningSeatledger, startSeatledger } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import { type DataDirLock, lockDataDir } from '../../src/data-dir-lock';
import { createLogger } from '../../src/logger';
import { runCli } from '../reliability/support';
import { type EventStoreDbStandIn, startEventStoreDbStandIn } from '../support/eventstoredb-standin';
import {
  ASSIGN,
  createUser,
  type Gql,
  graphqlClient,
  ok,
  purchase,
  REVOKE,
  signUpAccount,
} from '../support/seatledger';
import { makeTempDir } from '../support/temp-dir';
import { capture } from './io';

jest.setTimeout(300_000);

const STATE = `{
  users(first: 100) { totalCount edges { node { email status licenses { product } } } }
  seatAvailability(product: VIDEO_MEETING) { purchased assigned available }
}`;

interface SourceEvent {
  id: string;
  stream: string;
  type: string;
  data: string;
  metadata: string;
}

function sourceEvents(dataDir: string): SourceEvent[] {
  const db = new Database(`${dataDir}/events.db`, { readonly: true });
  try {
    return db.prepare('SELECT id, stream, type, data, metadata FROM events ORDER BY position').all() as SourceEvent[];
  } finally {
    db.close();
  }
}

/** Events of the notifier's streams after its checkpoint in notifications.db. */
function unhandledByNotifier(dataDir: string): number {
  const notifications = new Database(`${dataDir}/notifications.db`, { readonly: true });
  const log = new Database(`${dataDir}/events.db`, { readonly: true });
  try {
    const row = notifications.prepare(`SELECT position FROM checkpoint WHERE name = 'notifier'`).get() as
      | { position: string }
      | undefined;
    const after = row ? Number(row.position) : 0;
    return (
      log
        .prepare(
          `SELECT count(*) AS n FROM events WHERE position > ? AND (stream LIKE 'subscription-%' OR stream LIKE 'invitation-%')`,
        )
        .get(after) as { n: number }
    ).n;
  } finally {
    notifications.close();
    log.close();
  }
}

/** The application's events in the target's $all, in its order (system events left out). */
async function targetEvents(connectionString: string): Promise<SourceEvent[]> {
  const client = EventStoreDBClient.connectionString(connectionString);
  try {
    const events: SourceEvent[] = [];
    for await (const resolved of client.readAll()) {
      const event = resolved.event;
      if (!event || event.streamId.startsWith('$') || event.type.startsWith('$')) continue;
      events.push({
        id: event.id,
        stream: event.streamId,
        type: event.type,
        data: JSON.stringify(event.data),
        metadata: JSON.stringify(event.metadata),
      });
    }
    return events;
  } finally {
    await client.dispose();
  }
}

/** Writes through the API: accounts, users (with their credentials), assigns and revokes. */
async function writeSome(gql: Gql, users: number): Promise<string> {
  const owner = await signUpAccount(gql, 'Migrating');
  await purchase(gql, owner.token, users);
  for (let batch = 0; batch < users / 10; batch++) {
    const created = await Promise.all(Array.from({ length: 10 }, () => createUser(gql, owner.token)));
    for (const round of [ASSIGN, REVOKE, ASSIGN]) {
      await Promise.all(
        created.map((user) => gql(round, { userId: user.id, product: 'VIDEO_MEETING' }, owner.token).then(ok)),
      );
    }
  }
  return owner.token;
}

describe('seatledger migrate into the test stand-in (not EventStoreDB)', () => {
  let standIn: EventStoreDbStandIn;
  let server: RunningSeatledger | null = null;
  // Held as `seatledger serve` holds it around the server.
  let lock: DataDirLock | null = null;
  const temp = makeTempDir('seatledger-migrate-');
  const dataDir = temp.dir;
  const migrate = async (extra: string[], env: Record<string, string> = {}) => {
    const out = capture(dataDir);
    const code = await runMigrate(['--to', standIn.connectionString, '--data-dir', dataDir, ...extra], {
      ...out.io,
      env,
    });
    return { code, stdout: out.stdout(), stderr: out.stderr() };
  };

  beforeAll(async () => {
    standIn = await startEventStoreDbStandIn();
    const config = loadConfig(
      { SEATLEDGER_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' },
      dataDir,
    );
    lock = await lockDataDir(dataDir);
    server = await startSeatledger({ config, logger: createLogger({ level: 'silent' }), reactors: true });
  });

  afterAll(async () => {
    await server?.close();
    lock?.release();
    await standIn?.stop();
    temp.cleanup();
  });

  it('copies a live log, resumes a stopped run, copies the tail with --final, and verifies', async () => {
    const gql = graphqlClient((server as RunningSeatledger).url);
    await writeSome(gql, 500);
    const before = sourceEvents(dataDir).length;
    expect(before).toBeGreaterThan(2000);

    // Stopped half-way, as a kill leaves it: no verification, no clean-up.
    const stopped = await migrate([], { SEATLEDGER_MIGRATE_STOP_AFTER: String(Math.floor(before / 2)) });
    expect(stopped.code).toBe(3);
    const half = (await targetEvents(standIn.connectionString)).length;
    expect(half).toBeGreaterThanOrEqual(Math.floor(before / 2));
    expect(half).toBeLessThan(before);

    // --final is refused while the server holds the data dir.
    // (A process of its own, the built binary: the lock refuses other processes.)
    const refused = await runCli(['migrate', '--to', standIn.connectionString, '--data-dir', dataDir, '--final']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/stop the server before --final/);

    // Again while the server serves: continues where it stopped.
    const resumed = await migrate([]);
    expect(resumed.stderr).not.toMatch(/verification failed/);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/verified: \d+ streams/);
    // What the first run copied is skipped, less the few streams the server's reactors rewrote meanwhile.
    const skipped = Number(/\(([\d,]+) already on the target\)/.exec(resumed.stdout)?.[1]?.replace(/,/g, ''));
    expect(skipped).toBeLessThanOrEqual(half);
    expect(skipped).toBeGreaterThan(half - 50);

    const token = await writeSome(gql, 20);
    const embeddedAnswer = ok(await gql(STATE, undefined, token));
    await server?.close();
    server = null;
    lock?.release();
    lock = null;

    const final = await migrate(['--final']);
    expect(final.stderr).not.toMatch(/verification failed/);
    expect(final.code).toBe(0);
    expect(final.stdout).toMatch(/events\/s/);
    // Events the embedded notifier had not handled are named: its group on the target starts after them.
    const unhandled = unhandledByNotifier(dataDir);
    if (unhandled > 0) expect(final.stderr).toContain(`had not handled the last ${unhandled} events`);
    else expect(final.stderr).not.toMatch(/warning/);
    expect(final.stdout).toMatch(/created the consumer group seatledger-notifier at the migrated head/);

    expect(fs.existsSync(`${dataDir}/readmodels.db`)).toBe(false);
    expect(fs.existsSync(`${dataDir}/history.db`)).toBe(false);

    // Exactly one copy of every event, in each stream's order, the same ids, types, data and metadata.
    const source = sourceEvents(dataDir);
    const target = await targetEvents(standIn.connectionString);
    const live = new Set((await liveTargetIds(standIn.connectionString, target)).values());
    const ids = target.map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
    // credentials- streams: the target keeps older events physically until a scavenge, readable ones are the latest.
    const readable = target.filter((event) => live.has(event.id));
    expect(readable.length).toBe(source.length);
    const byStream = (events: SourceEvent[]) => {
      const streams = new Map<string, SourceEvent[]>();
      for (const event of events) streams.set(event.stream, [...(streams.get(event.stream) ?? []), event]);
      return streams;
    };
    const normalised = (events: SourceEvent[]) =>
      events.map((e) => ({
        ...e,
        data: JSON.stringify(JSON.parse(e.data)),
        metadata: JSON.stringify(JSON.parse(e.metadata)),
      }));
    expect(byStream(readable)).toEqual(byStream(normalised(source)));

    const client = EventStoreDBClient.connectionString(standIn.connectionString);
    try {
      const credentials = source.find((event) => event.stream.startsWith('credentials-')) as SourceEvent;
      expect((await client.getStreamMetadata(credentials.stream)).metadata?.maxCount).toBe(1);
    } finally {
      await client.dispose();
    }

    // A second --final finds nothing to copy and verifies again.
    const again = await migrate(['--final']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/copied 0 events/);
    expect(again.stdout).toMatch(/seatledger-notifier exists already/);

    // The notifier's group starts at the migrated head; the other reactors' groups are left to their first join.
    expect(standIn.persistent.checkpointOf('seatledger-notifier')).toBe(standIn.log.events.length);
    expect(standIn.persistent.checkpointOf('seatledger-deactivation')).toBeUndefined();

    // serve on EventStoreDB, same data dir: the same answers, once its read models have rebuilt.
    const config = loadConfig(
      {
        SEATLEDGER_DATA_DIR: dataDir,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        EVENTSTORE_CONNECTION_STRING: standIn.connectionString,
      },
      dataDir,
    );
    server = await startSeatledger({ config, logger: createLogger({ level: 'silent' }), reactors: true });
    const onEsdb = graphqlClient(server.url);
    // A wait, not a sleep: on a loaded 2-core machine the rebuild on the stand-in has taken over 30 s.
    const deadline = Date.now() + 90_000;
    let esdbAnswer = ok(await onEsdb(STATE, undefined, token));
    while (JSON.stringify(esdbAnswer) !== JSON.stringify(embeddedAnswer) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      esdbAnswer = ok(await onEsdb(STATE, undefined, token));
    }
    expect(esdbAnswer).toEqual(embeddedAnswer);
    await server.close();
    server = null;

    // And back (--from): the stand-in's log into an empty dir, every stream the same; a dir with files is refused.
    const back = makeTempDir('seatledger-migrate-back-');
    try {
      const backDir = `${back.dir}/data`;
      const out = capture(back.dir);
      const code = await runMigrate(['--from', standIn.connectionString, '--data-dir', backDir], out.io);
      expect(out.stderr()).not.toMatch(/verification failed/);
      expect(code).toBe(0);
      expect(out.stdout()).toMatch(/verified: \d+ streams, the same on both sides/);
      // Every stream as a read of it on the stand-in answers (with what serve on it wrote: claims, activations).
      const onStandIn = await targetEvents(standIn.connectionString);
      const readableNow = await liveTargetIds(standIn.connectionString, onStandIn);
      expect(byStream(normalised(sourceEvents(backDir)))).toEqual(
        byStream(onStandIn.filter((event) => readableNow.has(event.id))),
      );
      // The mails of the copied history are not sent again: the notifier starts at the copied head.
      expect(unhandledByNotifier(backDir)).toBe(0);

      const again = capture(back.dir);
      expect(await runMigrate(['--from', standIn.connectionString, '--data-dir', backDir], again.io)).toBe(1);
      expect(again.stderr()).toMatch(/^seatledger migrate: .*data is not empty/);
    } finally {
      back.cleanup();
    }

    // An event altered on the target: the verification fails, naming its stream. Serve on the stand-in may already
    // have written to a few `credentials-` streams (activation links of mails left pending at the move, sent from
    // there): those differ before the alteration too, and the altered stream comes on top of them.
    const altered = standIn.log.events.find((event) => event.streamName.startsWith('subscription-'));
    if (!altered) throw new Error('no subscription event on the target');
    const unaltered = await migrate(['--final']);
    expect(unaltered.stderr).not.toContain(`  ${altered.streamName}: log `);
    for (const line of unaltered.stderr.split('\n').filter((l) => l.startsWith('  '))) {
      expect(line).toMatch(/^ {2}credentials-/);
    }
    const already = Number(/verification failed: (\d+) of/.exec(unaltered.stderr)?.[1] ?? 0);
    (altered as { data: Uint8Array }).data = Buffer.from(JSON.stringify({ tampered: true }));
    const failed = await migrate(['--final']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(new RegExp(`verification failed: ${already + 1} of \\d+ streams differ`));
    expect(failed.stderr).toContain(`  ${altered.streamName}: log `);
  });
});

/** Ids of the events a read of each stream returns ($maxCount hides the older events of `credentials-` streams). */
async function liveTargetIds(connectionString: string, events: SourceEvent[]): Promise<Set<string>> {
  const client = EventStoreDBClient.connectionString(connectionString);
  const ids = new Set<string>();
  try {
    for (const stream of new Set(events.map((event) => event.stream))) {
      for await (const resolved of client.readStream(stream)) if (resolved.event) ids.add(resolved.event.id);
    }
  } finally {
    await client.dispose();
  }
  return ids;
}
