// `seatledger migrate --from <EventStoreDB> --data-dir <empty dir>`: the other way, EventStoreDB's log into a new
// embedded log, for moving back or for a copy to test on. The same copy as `--to` (src/cli/migrate.ts: log order,
// same ids, types, data, metadata and per-stream order, `credentials-` streams at their latest event) and the same
// verification of both sides, exit 1 on a difference (and nothing left a server could start on). Only into an empty
// dir, never merging logs; the embedded positions are new. No mail is sent again from the new dir: its notifier
// starts at the copied head, as after a restore of a backup without mail progress.
import fs from 'node:fs';
import path from 'node:path';
import type { DataDirLock } from '../data-dir-lock';
import { eventsFile } from '../eventstore/open';
import type { EventStore } from '../eventstore/port';
import { NOTIFIER_NAME, openNotificationsDb, writeCheckpoint } from '../notifications/db';
import { NOTIFICATIONS_FILE, removeDatabase } from './backup-files';
import { lockEmptyDir, NotAnEmptyDir } from './empty-data-dir';
import { copyLog, verify } from './migrate';
import type { CliIo } from './replay';

export async function migrateBack(connectionString: string, dataDir: string, io: CliIo): Promise<number> {
  let lock: (DataDirLock & { created: boolean }) | null = null;
  let source: EventStore | null = null;
  let target: EventStore | null = null;
  let complete = false;
  try {
    try {
      lock = await lockEmptyDir(dataDir, 'a migration back');
    } catch (error) {
      if (!(error instanceof NotAnEmptyDir)) throw error;
      io.stderr.write(`seatledger migrate: ${error.message}\n`);
      return 1;
    }
    const { openEventStoreDbEventStore } = await import('../eventstore/eventstoredb');
    source = openEventStoreDbEventStore({ connectionString, deadlineMs: 30_000 });
    const { openSqliteEventStore } = await import('../eventstore/sqlite');
    target = openSqliteEventStore({ file: eventsFile(dataDir) });

    const started = performance.now();
    const copied = await copyLog(source, target, io, Number.POSITIVE_INFINITY);
    const elapsed = (performance.now() - started) / 1000;
    io.stdout.write(
      `copied ${copied.appended.toLocaleString('en')} events from ${connectionString.replace(/\/\/[^@/]*@/, '//')} ` +
        `into ${dataDir} in ${elapsed.toFixed(1)} s, ${Math.round(copied.appended / Math.max(elapsed, 0.001))} events/s\n`,
    );
    const { differing, misplaced } = await verify(source, target, copied.streams, null, {
      head: null,
      ids: copied.sent,
    });
    if (misplaced !== null) {
      io.stderr.write(`seatledger migrate: verification failed: not in log order: ${misplaced}\n`);
      return 1;
    }
    if (differing.length > 0) {
      io.stderr.write(
        `seatledger migrate: verification failed: ${differing.length} of ${copied.streams.size} streams differ ` +
          `between EventStoreDB and the copy (removed):\n${differing.map((line) => `  ${line}\n`).join('')}`,
      );
      return 1;
    }
    const head = await target.headPosition();
    if (head !== null) {
      // The mails of the copied history were EventStoreDB's server's to send: this dir's notifier starts after them.
      const db = openNotificationsDb(dataDir);
      try {
        writeCheckpoint(db, NOTIFIER_NAME, head);
      } finally {
        db.close();
      }
    }
    complete = true;
    io.stdout.write(
      `verified: ${copied.streams.size} streams, the same on both sides\n` +
        `serve on ${dataDir} without EVENTSTORE_CONNECTION_STRING (positions and cursors are the new log's own; ` +
        'no mail is sent again for copied events)\n',
    );
    return 0;
  } finally {
    await target?.close();
    await source?.close();
    if (!complete && lock !== null) {
      // Nothing a server could start on: the copy and its notifier progress go (the dir too, if this made it).
      removeDatabase(eventsFile(dataDir));
      removeDatabase(path.join(dataDir, NOTIFICATIONS_FILE));
    }
    lock?.release();
    if (!complete && lock?.created) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
