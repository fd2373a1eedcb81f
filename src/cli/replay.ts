// `seatledger replay [--verify]`: rebuilds every read model from the log into a fresh file, for auditors.
// --verify compares it row for row with the live read models and checks the seat invariants over the whole log.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { SingleBar } from 'cli-progress';
import { allProjections, type ReadModelFile, readModelFiles, readModelsFile } from '../../projections';
import { allSeatCounters } from '../../projections/seat-availability/queries';
import { loadConfig } from '../config';
import { type DataDirLock, DataDirLocked, lockDataDir } from '../data-dir-lock';
import { assertNever, foldEvents } from '../domain/decider';
import { isEventOf, isSubscriptionEvent } from '../domain/events';
import type { Product } from '../domain/plans';
import { LICENSE_STREAM_PREFIXES } from '../domain/streams';
import { type SeatCounts, type SubscriptionState, seatCounts, subscriptionDecider } from '../domain/subscription';
import { eventsFile, openEventStore } from '../eventstore/open';
import type { EventStore, Position } from '../eventstore/port';
import { compareTable, projectionTables, type TableDifference } from '../projection-runtime/compare';
import type { ProjectionDefinition } from '../projection-runtime/define';
import { type RebuildProgress, rebuildReadModels } from '../projection-runtime/rebuild';
import type { CliCommand } from './main';
import { checkSeatAlerts } from './seat-alert-check';
import { escapeControlCharacters } from './terminal-text';

export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

const USAGE = `usage: seatledger replay [--verify] [--data-dir <dir>]

Rebuilds every read model from the event log into a fresh file, with progress on stderr.
  (no flag)   then replaces <data dir>/readmodels.db and history.db with them (atomic renames).
              Only while no server runs on this data dir (refused with exit 1 while one does).
  --verify    replaces nothing: compares the rebuilt read models row for row with the live ones (at the
              position the live ones have reached; safe while the server runs) and checks over the whole log
              that no subscription ever had more seats assigned and held for invitations than purchased, that
              every held seat was held once and freed once, and that no licence went to an
              unknown user or another account's user, folding each subscription stream through the subscription
              decider; the live seat counters must say what that fold says; and that the seat alert streams hold
              the crossings and recoveries a fold of the subscriptions and alert rules decides. Exit 1 on any
              difference or violation.
  --data-dir  the data dir (default: $SEATLEDGER_DATA_DIR or ./data)`;

const PROGRESS_LINE_MS = 2000;

export async function runReplay(args: readonly string[], io: CliIo): Promise<number> {
  let values: { verify?: boolean; 'data-dir'?: string; help?: boolean };
  let dataDir: string;
  let connectionString: string | null;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: { verify: { type: 'boolean' }, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
    const config = loadConfig(io.env, io.cwd);
    if (values['data-dir'] !== undefined && values['data-dir'].trim() === '') throw new Error('--data-dir needs a dir');
    dataDir = values['data-dir'] ? path.resolve(io.cwd, values['data-dir']) : config.dataDir;
    connectionString = config.eventStoreConnectionString;
  } catch (error) {
    io.stderr.write(`seatledger replay: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!connectionString && !fs.existsSync(eventsFile(dataDir))) {
    io.stderr.write(`seatledger replay: no event log at ${eventsFile(dataDir)} (see --data-dir)\n`);
    return 1;
  }
  const liveFile = path.join(dataDir, readModelsFile.file);
  if (values.verify && !fs.existsSync(liveFile)) {
    io.stderr.write(`seatledger replay: no read models at ${liveFile} to verify\n`);
    return 1;
  }

  // Replacing the read models under a running server would lose them to it: hold the data dir as `serve` does.
  let lock: DataDirLock | null = null;
  if (!values.verify) {
    try {
      lock = await lockDataDir(dataDir);
    } catch (error) {
      if (!(error instanceof DataDirLocked)) throw error;
      io.stderr.write(`seatledger replay: ${error.message}; stop it first (replay --verify works beside it)\n`);
      return 1;
    }
  }
  try {
    const store = await openEventStore({ dataDir, eventStoreConnectionString: connectionString });
    const tempFile = (file: ReadModelFile) => path.join(dataDir, `.${file.file}.replay-${process.pid}`);
    for (const file of readModelFiles) removeDatabase(tempFile(file));
    try {
      return values.verify
        ? await verify(store, dataDir, tempFile(readModelsFile), io)
        : await replace(store, dataDir, tempFile, io);
    } finally {
      for (const file of readModelFiles) removeDatabase(tempFile(file));
      await store.close();
    }
  } finally {
    lock?.release();
  }
}

async function replace(
  store: EventStore,
  dataDir: string,
  tempFile: (file: ReadModelFile) => string,
  io: CliIo,
): Promise<number> {
  // Both files up to the same head, one after the other; then both renamed.
  const head = await store.headPosition();
  let events = 0;
  let millis = 0;
  for (const file of readModelFiles) {
    const result = await rebuild(store, tempFile(file), file.projections, head, io);
    events = result.events;
    millis += result.millis;
  }
  const replaced: string[] = [];
  for (const file of readModelFiles) {
    const liveFile = path.join(dataDir, file.file);
    // A stale -wal beside the new file would be replayed into it: remove the old file's first.
    for (const suffix of ['-wal', '-shm']) fs.rmSync(`${liveFile}${suffix}`, { force: true });
    fs.renameSync(tempFile(file), liveFile);
    replaced.push(liveFile);
  }
  io.stdout.write(
    `replayed ${events.toLocaleString('en')} events into ${readModelFiles.length} files in ${seconds(millis)} ` +
      `(${rate(events, millis)} events/s) up to position ${head ?? '(empty log)'}\n` +
      `replaced ${replaced.join(' and ')}\n`,
  );
  return 0;
}

async function verify(store: EventStore, dataDir: string, tempFile: string, io: CliIo): Promise<number> {
  const problems: string[] = [];
  // Each live file read in one read transaction: a running server may keep writing, each comparison sees one state.
  // The two files are two lanes of the server's log consumer, so each may stand at its own position.
  const live = readModelFiles.flatMap((file) => {
    const name = path.join(dataDir, file.file);
    if (!fs.existsSync(name)) {
      problems.push(`${file.file}: missing (start the server once to create it)`);
      return [];
    }
    const db = new Database(name, { readonly: true, fileMustExist: true });
    db.exec('BEGIN');
    return [{ file, db, ...liveCheckpoints(db, file, problems) }];
  });
  try {
    // Rebuilt into one file, stopping at each live file's position in turn to compare that file's tables.
    live.sort((a, b) => comparePositions(a.position, b.position));
    const differences: TableDifference[] = [];
    let tables = 0;
    let result = { events: 0, millis: 0 };
    for (const { file, db, position, comparable } of live) {
      const step = await rebuild(store, tempFile, allProjections, position, io);
      result = { events: result.events + step.events, millis: result.millis + step.millis };
      const rebuilt = new Database(tempFile, { readonly: true });
      try {
        for (const projection of file.projections) {
          if (!comparable.has(projection.name)) continue;
          for (const table of projectionTables(projection)) {
            tables++;
            const difference = compareTable(rebuilt, db, table);
            if (difference) differences.push(difference);
          }
        }
      } finally {
        rebuilt.close();
      }
    }
    const main = live.find((l) => l.file === readModelsFile);
    // The seat invariants and counters: over the log up to where readmodels.db (which holds the counters) stands.
    const upTo = main?.position ?? null;
    const invariants = await checkInvariants(store, upTo);
    const counters = main ? compareSeatCounters(main.db, invariants.seats) : [];
    const alerts = await checkSeatAlerts(store, upTo);

    const out: string[] = [];
    out.push(
      `replayed ${result.events.toLocaleString('en')} events in ${seconds(result.millis)} ` +
        `(${rate(result.events, result.millis)} events/s) up to ${live
          .map((l) => `${l.position ?? '(empty log)'} (${l.file.file})`)
          .join(' and ')}, where the live read models are`,
    );
    out.push(
      `compared ${tables} tables of ${allProjections.length} read models row for row: ${differences.length} differ`,
    );
    for (const d of differences) {
      out.push(
        `  ${d.table}: ${d.differingRows} rows differ (rebuilt ${d.expectedRows} rows, live ${d.actualRows} rows)`,
      );
      for (const sample of d.samples) {
        out.push(`    rebuilt: ${JSON.stringify(sample.expected)}`);
        out.push(`    live:    ${JSON.stringify(sample.actual)}`);
      }
    }
    for (const problem of problems) out.push(`  ${problem}`);
    out.push(
      `checked ${invariants.events.toLocaleString('en')} events of ${invariants.subscriptions} subscriptions: ` +
        `${invariants.violations.length} invariant violations`,
    );
    for (const violation of invariants.violations.slice(0, 20)) out.push(`  ${violation}`);
    if (invariants.violations.length > 20) out.push(`  … and ${invariants.violations.length - 20} more`);
    out.push(
      `compared the live seat counters of ${invariants.seats.size} subscriptions with the fold of their streams: ` +
        `${counters.length} differ`,
    );
    for (const difference of counters.slice(0, 20)) out.push(`  ${difference}`);
    if (counters.length > 20) out.push(`  … and ${counters.length - 20} more`);
    out.push(
      `compared ${alerts.alerts} seat alert streams (${alerts.crossings} crossings) with the fold of the subscription ` +
        `and alert rules over the log: ${alerts.differences.length} differ`,
    );
    for (const difference of alerts.differences.slice(0, 20)) out.push(`  ${difference}`);
    if (alerts.differences.length > 20) out.push(`  … and ${alerts.differences.length - 20} more`);
    const ok =
      differences.length === 0 &&
      problems.length === 0 &&
      invariants.violations.length === 0 &&
      counters.length === 0 &&
      alerts.differences.length === 0;
    out.push(ok ? 'verified: the read models are what the log says' : 'FAILED: see the differences above');
    // Samples and violations quote rows of the log; JSON leaves C1 characters (a CSI among them) as they are.
    io.stdout.write(`${out.map(escapeControlCharacters).join('\n')}\n`);
    return ok ? 0 : 1;
  } finally {
    for (const { db } of live) db.close();
  }
}

/** A live file's position (where all its projections stand) and which of its projections can be compared. */
function liveCheckpoints(db: Database.Database, file: ReadModelFile, problems: string[]) {
  const rows = db.prepare('SELECT name, version, position FROM projections').all() as {
    name: string;
    version: number;
    position: Position | null;
  }[];
  const checkpoints = new Map(rows.map((row) => [row.name, row]));
  const comparable = new Set<string>();
  let position: Position | null | undefined;
  for (const projection of file.projections) {
    const checkpoint = checkpoints.get(projection.name);
    if (checkpoint === undefined) problems.push(`${projection.name}: missing from the live ${file.file}`);
    else if (checkpoint.version !== projection.version) {
      problems.push(
        `${projection.name}: live version ${checkpoint.version}, this code's version ${projection.version}`,
      );
    } else {
      comparable.add(projection.name);
      if (position === undefined) position = checkpoint.position;
      else if (checkpoint.position !== position) {
        // One file's projections commit together: they never stand apart.
        problems.push(`${projection.name}: live read model at position ${checkpoint.position}, others at ${position}`);
      }
    }
  }
  return { position: position ?? null, comparable };
}

/** Log order, the start (null) first. */
const comparePositions = (a: Position | null, b: Position | null) =>
  a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1;

async function rebuild(
  store: EventStore,
  file: string,
  projections: readonly ProjectionDefinition[],
  upTo: Position | null | undefined,
  io: CliIo,
) {
  const progress = progressReporter(io);
  try {
    return await rebuildReadModels({
      store,
      file,
      projections,
      ...(upTo === undefined ? {} : { upTo }),
      onProgress: progress.update,
    });
  } finally {
    progress.stop();
  }
}

/** A bar with events/s and ETA on a terminal; a few plain lines otherwise (logs, CI). */
function progressReporter(io: CliIo) {
  const started = performance.now();
  let bar: SingleBar | undefined;
  let nextLine = started + PROGRESS_LINE_MS;
  const update = ({ events, position, head }: RebuildProgress) => {
    const done = fraction(position, head);
    const now = performance.now();
    const eventsPerSecond = rate(events, now - started);
    if (io.stderr.isTTY) {
      if (bar === undefined) {
        bar = new SingleBar({
          stream: io.stderr as NodeJS.WritableStream as NodeJS.WriteStream,
          format: 'replay [{bar}] {percentage}% | {events} events | {speed} events/s | ETA {eta_formatted}',
          etaBuffer: 50,
        });
        bar.start(1000, 0, { events: '0', speed: '0' });
      }
      bar.update(Math.round(done * 1000), { events: events.toLocaleString('en'), speed: eventsPerSecond });
    } else if (now >= nextLine || done >= 1) {
      nextLine = now + PROGRESS_LINE_MS;
      io.stderr.write(
        `replay: ${events.toLocaleString('en')} events, ${Math.floor(done * 100)}%, ${eventsPerSecond} events/s\n`,
      );
    }
  };
  return { update, stop: () => bar?.stop() };
}

/** How far through the log a position is, when positions are decimal (the SQLite log's); else unknown (0). */
function fraction(position: Position | null, head: Position | null): number {
  if (head === null) return 1;
  if (position === null) return 0;
  if (/^\d+$/.test(position) && /^\d+$/.test(head)) return Math.min(1, Number(position) / Number(head));
  return position >= head ? 1 : 0;
}

/** Seats of each subscription, keyed by account and product, as the decider's fold of its stream says. */
type FoldedSeats = ReadonlyMap<string, { readonly accountId: string; readonly product: Product } & SeatCounts>;

interface InvariantReport {
  readonly events: number;
  readonly subscriptions: number;
  readonly violations: string[];
  /** The seats at `upTo` (or at the end of the log): what the seat counters of read models at `upTo` must say. */
  readonly seats: FoldedSeats;
}

const seatsKey = (accountId: string, product: string) => `${accountId} ${product}`;

/**
 * Folds the whole log once, each subscription stream through the subscription decider itself: assigned + reserved
 * ≤ purchased
 * after every event of every subscription, and every licence goes to a user created earlier in the same account.
 * Also flags assigning a licence twice, revoking one not held, and any change before a subscription's first purchase
 * (which the decider's fold ignores).
 */
export async function checkInvariants(store: EventStore, upTo?: Position | null): Promise<InvariantReport> {
  const users = new Map<string, string>();
  const subscriptions = new Map<string, { accountId: string; product: Product; state: SubscriptionState }>();
  const snapshot = () =>
    new Map(
      [...subscriptions].map(([key, { accountId, product, state }]) => [
        key,
        { accountId, product, ...seatCounts(state) },
      ]),
    );
  let seatsAtUpTo: FoldedSeats | null = upTo === null ? new Map() : null;
  const violations: string[] = [];
  let events = 0;
  for await (const event of store.readAll({ filter: { streamPrefixes: LICENSE_STREAM_PREFIXES } })) {
    if (seatsAtUpTo === null && upTo !== undefined && upTo !== null && event.position > upTo) seatsAtUpTo = snapshot();
    events++;
    if (isEventOf(event, 'UserCreated')) {
      users.set(event.data.userId, event.data.accountId);
      continue;
    }
    if (!event.streamName.startsWith('subscription-') || !isSubscriptionEvent(event)) continue;
    const { accountId, product } = event.data;
    const key = seatsKey(accountId, product);
    const subscription = subscriptions.get(key) ?? { accountId, product, state: subscriptionDecider.initialState() };
    subscriptions.set(key, subscription);
    const before = subscription.state;
    const at = `position ${event.position} (${event.type}, account ${accountId}, ${product})`;
    if (before.status !== 'active' && event.type !== 'LicensePurchased') violations.push(`${at}: before any purchase`);
    switch (event.type) {
      case 'LicenseAssigned': {
        const { userId } = event.data;
        const owner = users.get(userId);
        if (owner === undefined) violations.push(`${at}: licence for unknown user ${userId}`);
        else if (owner !== accountId) violations.push(`${at}: licence for user ${userId} of another account`);
        if (before.status === 'active' && before.holders.has(userId)) {
          violations.push(`${at}: user ${userId} already held a licence`);
        }
        break;
      }
      case 'LicenseRevoked':
        if (before.status !== 'active' || !before.holders.has(event.data.userId)) {
          violations.push(`${at}: user ${event.data.userId} held no licence`);
        }
        break;
      case 'SeatReserved':
        if (before.status === 'active' && before.reservations.has(event.data.invitationId)) {
          violations.push(`${at}: invitation ${event.data.invitationId} already held a seat`);
        }
        break;
      case 'SeatReservationConverted':
      case 'SeatReservationCancelled':
      case 'SeatReservationExpired':
        if (before.status !== 'active' || !before.reservations.has(event.data.invitationId)) {
          violations.push(`${at}: invitation ${event.data.invitationId} held no seat`);
        }
        break;
      case 'LicensePurchased':
      case 'PlanUpgraded':
      case 'LicensesReleased':
        break;
      default:
        assertNever(event);
    }
    // This fold owns the state: the decider may write into it rather than copy the holders per event.
    subscription.state = foldEvents(subscriptionDecider, before, [event], { inPlace: true });
    const seats = seatCounts(subscription.state);
    if (seats.assigned + seats.reserved > seats.purchased) {
      const held = seats.reserved > 0 ? ` and ${seats.reserved} held for invitations` : '';
      violations.push(`${at}: ${seats.assigned} seats assigned${held}, only ${seats.purchased} purchased`);
    }
  }
  return { events, subscriptions: subscriptions.size, violations, seats: seatsAtUpTo ?? snapshot() };
}

const counted = (seats: { purchased: number; assigned: number; reserved: number }) =>
  `${seats.purchased} purchased, ${seats.assigned} assigned, ${seats.reserved} reserved`;

/** The seat-availability projection's SQL counters against the fold of each subscription stream. */
function compareSeatCounters(live: Database.Database, folded: FoldedSeats): string[] {
  const rows = allSeatCounters(live);
  const differences: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    const key = seatsKey(row.accountId, row.product);
    seen.add(key);
    const fold = folded.get(key) ?? { purchased: 0, assigned: 0, reserved: 0 };
    if (row.purchased !== fold.purchased || row.assigned !== fold.assigned || row.reserved !== fold.reserved) {
      differences.push(
        `seat_availability ${row.accountId} ${row.product}: ${counted(row)}; the fold of its stream says ${counted(fold)}`,
      );
    }
  }
  for (const [key, fold] of folded) {
    if (!seen.has(key) && (fold.purchased !== 0 || fold.assigned !== 0 || fold.reserved !== 0)) {
      differences.push(
        `seat_availability ${fold.accountId} ${fold.product}: no row; the fold of its stream says ${counted(fold)}`,
      );
    }
  }
  return differences;
}

function removeDatabase(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(`${file}${suffix}`, { force: true });
}

const seconds = (millis: number) => `${(millis / 1000).toFixed(1)} s`;
const rate = (events: number, millis: number) =>
  millis > 0 ? Math.round((events * 1000) / millis).toLocaleString('en') : '0';

export const replayCommand: CliCommand = {
  summary: 'rebuild the read models from the log (--verify: compare with the live ones and check invariants)',
  run: (args) =>
    runReplay(args, { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }),
};
