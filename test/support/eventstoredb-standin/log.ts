// TEST STAND-IN, NOT an EventStoreDB server: the in-memory log behind the wire-level stand-in.
// It keeps EventStoreDB's documented rules (revisions, expected versions, idempotent ids, $maxCount/$tb) and nothing more.
// Like a real node's, its $all is never only the application's: it starts with the server's own ($-prefixed) events.
// Idempotency follows the server's commit check (IndexWriter.CheckCommit): `any`/`stream_exists` look the ids up in an
// in-memory cache of committed ids only, which a restart loses; `no_stream` and an exact revision read the stream.
import { randomUUID } from 'node:crypto';

/** One record of the log, as the stand-in stores it (raw bytes, like the server). */
export interface StoredEvent {
  readonly streamName: string;
  readonly revision: bigint;
  /** Commit and prepare positions: the stand-in writes one record per event, so both are the record's offset. */
  readonly position: bigint;
  readonly id: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly customMetadata: Uint8Array;
  /** 100-ns ticks since the Unix epoch, as the client expects in `created`. */
  readonly created: bigint;
}

export type Expected =
  | { kind: 'any' }
  | { kind: 'no_stream' }
  | { kind: 'stream_exists' }
  | { kind: 'revision'; revision: bigint };

export interface ProposedEvent {
  readonly id: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly customMetadata: Uint8Array;
}

export type AppendOutcome =
  | { ok: true; currentRevision: bigint | null; position: bigint | null }
  | { ok: false; currentRevision: bigint | null };

/**
 * What a fresh EventStoreDB (23.10.6, `--run-projections=All --start-standard-projections=true`) holds in $all before
 * anyone writes: projection bookkeeping and stream metadata, all in `$`-prefixed streams with `$`-prefixed types.
 * (Seen by reading $all of a real node; it also writes `$statsCollection` to `$stats-<ip>:<port>` every 30 s.)
 */
const FRESH_NODE_EVENTS: ReadonlyArray<readonly [stream: string, type: string]> = [
  ['$projections-$all', '$ProjectionsInitialized'],
  ['$projections-$all', '$ProjectionCreated'],
  ['$projections-$by_category', '$ProjectionUpdated'],
  ['$$$scavenges', '$metadata'],
  ['$et', '$Checkpoint'],
];

/** The whole store: survives a stop/start of the gRPC server when handed to the next start. */
export class StandInLog {
  readonly events: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  private nextPosition = 0n;
  private readonly listeners = new Set<() => void>();
  /** The server's committed-events cache: event id to the record it was written as. Memory only. */
  private committedIds = new Map<string, StoredEvent>();

  /** `systemEvents: false` gives an empty $all, which no real node has; only for specs that count raw $all events. */
  constructor(options: { systemEvents?: boolean } = {}) {
    if (options.systemEvents === false) return;
    for (const [stream, type] of FRESH_NODE_EVENTS) this.appendSystemEvent(stream, type);
  }

  /** Writes one of the server's own events (e.g. `$statsCollection` on `$stats-127.0.0.1:2113`), as a node does. */
  appendSystemEvent(stream: string, type: string, data: Record<string, unknown> = {}): StoredEvent {
    this.append(stream, { kind: 'any' }, [
      {
        id: randomUUID(),
        type,
        contentType: 'application/json',
        data: Buffer.from(JSON.stringify(data)),
        customMetadata: new Uint8Array(),
      },
    ]);
    return this.events.at(-1) as StoredEvent;
  }

  append(streamName: string, expected: Expected, proposed: readonly ProposedEvent[]): AppendOutcome {
    const stream = this.streams.get(streamName);
    const current = stream && stream.length > 0 ? BigInt(stream.length - 1) : null;

    // stream_exists on a missing stream fails before any idempotency check, as on the server.
    if (expected.kind === 'stream_exists' && current === null) return { ok: false, currentRevision: null };
    const replay =
      expected.kind === 'any' || expected.kind === 'stream_exists'
        ? this.replayFromCache(streamName, proposed)
        : this.replayFromStream(stream, expected.kind === 'no_stream' ? -1n : expected.revision, current, proposed);
    if (replay) return replay;

    const matches =
      expected.kind === 'any' ||
      expected.kind === 'stream_exists' ||
      (expected.kind === 'no_stream' && current === null) ||
      (expected.kind === 'revision' && current === expected.revision);
    if (!matches) return { ok: false, currentRevision: current };
    if (proposed.length === 0) return { ok: true, currentRevision: current, position: null };

    const target = stream ?? [];
    if (!stream) this.streams.set(streamName, target);
    const created = BigInt(Date.now()) * 10_000n;
    let last: StoredEvent | undefined;
    for (const event of proposed) {
      // Positions are byte-offset-like, not consecutive, so nobody can rely on "next = previous + 1".
      const position = this.nextPosition;
      this.nextPosition += BigInt(64 + event.data.length + event.customMetadata.length + streamName.length);
      last = { ...event, streamName, revision: BigInt(target.length), position, created };
      target.push(last);
      this.events.push(last);
      this.committedIds.set(event.id, last);
    }
    for (const listener of this.listeners) listener();
    return { ok: true, currentRevision: last?.revision ?? current, position: last?.position ?? null };
  }

  /**
   * `any`/`stream_exists`: a repeated write is recognised only while its ids are in the cache. The first id unknown
   * means a new write (written again: a duplicate); a later one unknown is a corrupted idempotency, answered as a
   * wrong expected version.
   */
  private replayFromCache(streamName: string, proposed: readonly ProposedEvent[]): AppendOutcome | null {
    let last: StoredEvent | undefined;
    for (const event of proposed) {
      const known = this.committedIds.get(event.id);
      if (!known || known.streamName !== streamName) {
        if (!last) return null;
        return { ok: false, currentRevision: this.currentRevision(streamName) };
      }
      last = known;
    }
    return last ? { ok: true, currentRevision: last.revision, position: last.position } : null;
  }

  /** `no_stream` (-1) or an exact revision behind the stream: the ids must be the stream's next events after it. */
  private replayFromStream(
    stream: StoredEvent[] | undefined,
    expected: bigint,
    current: bigint | null,
    proposed: readonly ProposedEvent[],
  ): AppendOutcome | null {
    if (!stream || current === null || expected >= current || proposed.length === 0) return null;
    for (let i = 0; i < proposed.length; i++) {
      if (stream[Number(expected) + 1 + i]?.id !== proposed[i]?.id) return { ok: false, currentRevision: current };
    }
    const last = stream[Number(expected) + proposed.length] as StoredEvent;
    return { ok: true, currentRevision: last.revision, position: last.position };
  }

  private currentRevision(streamName: string): bigint | null {
    const stream = this.streams.get(streamName);
    return stream && stream.length > 0 ? BigInt(stream.length - 1) : null;
  }

  /** A node restart: the log is kept, the committed-events cache is not. */
  forgetCommittedIds(): void {
    this.committedIds = new Map();
  }

  /** `undefined` when the stream was never written. Honours `$maxCount` and `$tb` from the stream's metadata. */
  readableStream(streamName: string): StoredEvent[] | undefined {
    const stream = this.streams.get(streamName);
    if (!stream) return undefined;
    if (streamName.startsWith('$$')) return stream;
    const metadata = this.streamMetadata(streamName);
    let from = 0;
    if (typeof metadata.$maxCount === 'number') from = Math.max(from, stream.length - metadata.$maxCount);
    if (typeof metadata.$tb === 'number') from = Math.max(from, metadata.$tb);
    return stream.slice(from);
  }

  private streamMetadata(streamName: string): Record<string, unknown> {
    const meta = this.streams.get(`$$${streamName}`);
    const latest = meta?.[meta.length - 1];
    if (!latest) return {};
    try {
      return JSON.parse(Buffer.from(latest.data).toString('utf8')) as Record<string, unknown>;
    } catch {
      return {};
    }
  }

  /** Index of the first event whose position is >= `position` (forwards reads include the event at a position). */
  indexAtOrAfter(position: bigint): number {
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.events[mid] as StoredEvent).position < position) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
