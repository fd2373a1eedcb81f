// `seatledger export`: the published log as NDJSON on stdout for analytics, upcast to current versions, streamed
// with backpressure so a log of millions of events costs constant memory; never a `credentials-` event.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config';
import { PUBLISHED_EVENT_TYPES, PUBLISHED_STREAM_PREFIXES } from '../domain/event-schemas';
import { SECRET_STREAM_PREFIX } from '../domain/streams';
import { eventsFile, openEventStore } from '../eventstore/open';
import type { EventStore, Position, RecordedEvent } from '../eventstore/port';
import { decodePosition, encodePosition, SqliteEventStore } from '../eventstore/sqlite';
import { type Upcaster, unwrapUpcasting, upcaster } from '../eventstore/upcasting';
import type { CliCommand } from './main';

interface ExportFilter {
  /** Only events strictly after this position. */
  readonly after?: Position;
  /** Only these event types. */
  readonly types?: ReadonlySet<string>;
  /** Only events whose metadata names this account. */
  readonly accountId?: string;
}

/** One line of the export. */
export interface ExportedEvent {
  readonly id: string;
  readonly type: string;
  readonly stream: string;
  readonly position: Position;
  readonly revision: number;
  readonly data: Record<string, unknown>;
  readonly metadata: Record<string, unknown>;
  readonly recordedAt: string;
}

interface ExportProgress {
  readonly events: number;
  readonly seconds: number;
}

/** Where the command writes; process.stdout/stderr normally, anything writable in tests. */
interface ExportIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

const USAGE = `usage: seatledger export [--after <position>] [--types T1,T2] [--account <id>] [--data-dir <dir>]

Writes every published event (never credentials) as one JSON object a line:
  {id, type, stream, position, revision, data, metadata, recordedAt}
  --after     only events after this position (a "position" of an earlier export)
  --types     only these event types, comma-separated (see docs/events/README.md)
  --account   only events of this account
  --data-dir  the data dir holding events.db (default: $SEATLEDGER_DATA_DIR or ./data);
              with EVENTSTORE_CONNECTION_STRING set, events come from EventStoreDB instead`;

// Lines are joined into chunks of about this size: one write per chunk instead of one per event.
const CHUNK_CHARS = 64 * 1024;
const PROGRESS_INTERVAL_MS = 500;

/** Bad arguments: the message is for the person who typed them (exit 2). */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseExportArgs(args: readonly string[]): ExportFilter & { dataDir?: string } {
  let values: { after?: string; types?: string; account?: string; 'data-dir'?: string };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        after: { type: 'string' },
        types: { type: 'string' },
        account: { type: 'string' },
        'data-dir': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const filter: { after?: string; types?: Set<string>; accountId?: string; dataDir?: string } = {};
  if (values.after !== undefined) {
    if (values.after.trim() === '') throw new UsageError('--after needs a position, e.g. 0000000000001043');
    filter.after = values.after.trim();
  }
  if (values.types !== undefined) {
    const known: ReadonlySet<string> = new Set(PUBLISHED_EVENT_TYPES);
    const types = values.types
      .split(',')
      .map((type) => type.trim())
      .filter(Boolean);
    if (types.length === 0) throw new UsageError('--types needs at least one event type, e.g. LicenseAssigned');
    const unknown = types.filter((type) => !known.has(type));
    if (unknown.length > 0) {
      throw new UsageError(`--types: unknown event type ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
    }
    filter.types = new Set(types);
  }
  if (values.account !== undefined) {
    if (values.account.trim() === '') throw new UsageError('--account needs an account id');
    filter.accountId = values.account.trim();
  }
  if (values['data-dir'] !== undefined) {
    if (values['data-dir'].trim() === '') throw new UsageError('--data-dir needs a directory');
    filter.dataDir = values['data-dir'];
  }
  return filter;
}

export function toExportedEvent(event: RecordedEvent): ExportedEvent {
  return {
    id: event.id,
    type: event.type,
    stream: event.streamName,
    position: event.position,
    revision: event.revision,
    data: event.data,
    metadata: event.metadata,
    recordedAt: event.recordedAt.toISOString(),
  };
}

type Chunk = { readonly text: string; readonly events: number };

/**
 * Builds NDJSON lines, each exactly `JSON.stringify(toExportedEvent(event))`, glued from their parts so no
 * intermediate object is built per event; the recorded time's ISO form is reused (a group commit shares one).
 */
class LineWriter {
  private lastMs = Number.NaN;
  private lastIso = '';

  event(event: RecordedEvent): string {
    return this.line(
      event.id,
      event.type,
      event.streamName,
      event.position,
      event.revision,
      JSON.stringify(event.data),
      JSON.stringify(event.metadata),
      event.recordedAt.getTime(),
    );
  }

  /** From stored JSON text, which is JSON.stringify's own output: put in as it is, never parsed. */
  line(
    id: string,
    type: string,
    stream: string,
    position: Position,
    revision: number,
    data: string,
    metadata: string,
    recordedAtMs: number,
  ): string {
    if (recordedAtMs !== this.lastMs) {
      this.lastMs = recordedAtMs;
      this.lastIso = new Date(recordedAtMs).toISOString();
    }
    return (
      `{"id":${JSON.stringify(id)},"type":${JSON.stringify(type)},"stream":${JSON.stringify(stream)},` +
      `"position":${JSON.stringify(position)},"revision":${revision},"data":${data},"metadata":${metadata},` +
      `"recordedAt":"${this.lastIso}"}\n`
    );
  }
}

interface Selection {
  readonly types: ReadonlySet<string> | undefined;
  readonly accountId: string | undefined;
  readonly upcasters: readonly Upcaster[];
}

const readOptions = (filter: ExportFilter) => ({
  ...(filter.after !== undefined ? { after: filter.after } : {}),
  filter: { streamPrefixes: PUBLISHED_STREAM_PREFIXES },
});

/** Any store: events through the port, as it reads them. */
async function* portChunks(
  store: EventStore,
  filter: ExportFilter,
  selection: Omit<Selection, 'upcasters'>,
): AsyncIterable<Chunk> {
  const { types, accountId } = selection;
  const lines = new LineWriter();
  let text = '';
  let events = 0;
  for await (const event of store.readAll(readOptions(filter))) {
    // The store filters by prefix already; this line is what guarantees it, whatever the adapter does.
    if (event.streamName.startsWith(SECRET_STREAM_PREFIX)) continue;
    if (types !== undefined && !types.has(event.type)) continue;
    if (accountId !== undefined && event.metadata.accountId !== accountId) continue;
    text += lines.event(event);
    events += 1;
    if (text.length >= CHUNK_CHARS) {
      yield { text, events };
      text = '';
      events = 0;
    }
  }
  if (events > 0) yield { text, events };
}

/**
 * The embedded log, page by page as stored: an event already in its current version goes out as its stored JSON
 * text, unparsed (parse and re-stringify would be most of the export's cost). An older version is parsed and goes
 * through the same upcasters as the port path.
 */
async function* sqliteChunks(
  store: SqliteEventStore,
  filter: ExportFilter,
  selection: Selection,
): AsyncIterable<Chunk> {
  const { types, accountId } = selection;
  const upcast = upcaster(selection.upcasters);
  const prefixes = readOptions(filter).filter;
  const lines = new LineWriter();
  let after = filter.after === undefined ? 0 : decodePosition(filter.after);
  let text = '';
  let events = 0;
  for (;;) {
    const rows = store.readAllPage(after, store.pageSize, prefixes) as SqliteRow[];
    for (const [position, id, stream, revision, type, data, metadata, recordedAt] of rows) {
      if (stream.startsWith(SECRET_STREAM_PREFIX)) continue;
      if (types !== undefined && !types.has(type)) continue;
      // Only the metadata is parsed when it alone decides (its account, its version); the data only to upcast.
      const parsedMetadata = accountId !== undefined || upcast.touches(type) ? JSON.parse(metadata) : undefined;
      if (accountId !== undefined && parsedMetadata.accountId !== accountId) continue;
      if (parsedMetadata !== undefined && upcast.changes(type, parsedMetadata.schemaVersion)) {
        const event = upcast({
          id,
          type,
          streamName: stream,
          revision,
          position: encodePosition(position),
          data: JSON.parse(data),
          metadata: parsedMetadata,
          recordedAt: new Date(recordedAt),
        });
        text += lines.event(event);
      } else {
        text += lines.line(id, type, stream, encodePosition(position), revision, data, metadata, recordedAt);
      }
      events += 1;
      if (text.length >= CHUNK_CHARS) {
        yield { text, events };
        text = '';
        events = 0;
      }
    }
    if (rows.length < store.pageSize) break;
    after = (rows[rows.length - 1] as SqliteRow)[0];
  }
  if (events > 0) yield { text, events };
}

/** A row of the SQLite log as its page read returns it. */
type SqliteRow = [
  position: number,
  id: string,
  stream: string,
  revision: number,
  type: string,
  data: string,
  metadata: string,
  recordedAt: number,
];

/**
 * Writes the published events of `store` matching `filter` to `out` as NDJSON, current versions only (give it
 * the store as openEventStore returns it, read through the upcasters); answers how many. Waits for 'drain'
 * whenever `out` says its buffer is full, so memory stays flat however slow `out` is.
 */
export async function exportEvents(
  store: EventStore,
  out: NodeJS.WritableStream,
  filter: ExportFilter = {},
  onProgress?: (progress: ExportProgress) => void,
): Promise<number> {
  const { types, accountId } = filter;
  // The embedded log under the upcasters has a faster path; anything else reads through the port as it is.
  const inner = unwrapUpcasting(store);
  const chunks =
    inner.store instanceof SqliteEventStore
      ? sqliteChunks(inner.store, filter, { types, accountId, upcasters: inner.upcasters })
      : portChunks(store, filter, { types, accountId });
  const started = performance.now();
  let nextProgress = started + PROGRESS_INTERVAL_MS;
  let events = 0;
  let closed = false;
  let failure: Error | undefined;
  const onClose = () => {
    closed = true;
  };
  // A reader that went away (`| head`) shows as EPIPE: the export ends quietly, there is no one left to tell.
  const onError = (error: NodeJS.ErrnoException) => {
    closed = true;
    if (error.code !== 'EPIPE') failure = error;
  };
  out.on('close', onClose);
  out.on('error', onError);
  try {
    for await (const chunk of chunks) {
      if (closed) break;
      if (!out.write(chunk.text)) await drained(out);
      if (failure) throw failure;
      events += chunk.events;
      if (onProgress) {
        const now = performance.now();
        if (now >= nextProgress) {
          nextProgress = now + PROGRESS_INTERVAL_MS;
          onProgress({ events, seconds: (now - started) / 1000 });
        }
      }
    }
  } finally {
    out.removeListener('close', onClose);
    out.removeListener('error', onError);
  }
  onProgress?.({ events, seconds: (performance.now() - started) / 1000 });
  return events;
}

/** Resolves when `out` wants more, or will never want any (closed, failed: the caller looks at which). */
function drained(out: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.removeListener('drain', done);
      out.removeListener('close', done);
      out.removeListener('error', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
    out.on('error', done);
  });
}

function progressLine({ events, seconds }: ExportProgress): string {
  const rate = seconds > 0 ? Math.round(events / seconds) : 0;
  return `exported ${events.toLocaleString('en')} events (${rate.toLocaleString('en')} events/s)`;
}

/** The command, with its streams and environment passed in so tests run it in-process. */
export async function runExport(args: readonly string[], io: ExportIo): Promise<number> {
  let options: ReturnType<typeof parseExportArgs>;
  let config: ReturnType<typeof loadConfig>;
  try {
    options = parseExportArgs(args);
    config = loadConfig(io.env, io.cwd);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      io.stderr.write(`seatledger export: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
  const dataDir = options.dataDir ?? config.dataDir;
  const connectionString = config.eventStoreConnectionString;
  if (!connectionString && !fs.existsSync(eventsFile(dataDir))) {
    io.stderr.write(`seatledger export: no event log at ${eventsFile(dataDir)} (see --data-dir)\n`);
    return 1;
  }

  const store = await openEventStore({ dataDir, eventStoreConnectionString: connectionString });
  // Progress only when the events go somewhere else than the screen; on a terminal the line is redrawn.
  const showProgress = !io.stdout.isTTY;
  const redraw = io.stderr.isTTY === true;
  const onProgress = showProgress
    ? (progress: ExportProgress) =>
        io.stderr.write(redraw ? `\r${progressLine(progress)}` : `${progressLine(progress)}\n`)
    : undefined;
  try {
    await exportEvents(store, io.stdout, options, onProgress);
    if (showProgress && redraw) io.stderr.write('\n');
    return 0;
  } catch (error) {
    // A malformed --after is found by the adapter, which alone knows its position format.
    if (error instanceof RangeError && options.after !== undefined) {
      io.stderr.write(`seatledger export: --after: ${error.message}\n`);
      return 2;
    }
    throw error;
  } finally {
    await store.close();
  }
}

export const exportCommand: CliCommand = {
  summary: 'every published event as NDJSON on stdout, for analytics',
  run: (args) =>
    runExport(args, { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }),
};
