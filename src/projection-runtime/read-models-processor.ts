// The read models as a processor of the log consumer: each batch of licence events and every projection's checkpoint
// commit in one transaction (during a rebuild from scratch, several batches share it); a projection whose version
// changed rebuilds from the start of the log; once caught up the indexes a rebuild deferred are built. Queries read
// the same connection, so they never see half a batch. A file far behind on the SQLite log may be rebuilt in a worker
// thread first (rebuildAlone): the licence history, on a file of its own, so on the other core. Once caught up, such
// a file may also be written by a thread of its own (writerThread): the main thread then only reads it.
import type Database from 'better-sqlite3';
import { LICENSE_STREAM_PREFIXES } from '../domain/streams';
import type { Position, RecordedEvent } from '../eventstore/port';
import type { Processor } from '../processing/processor';
import type { ProjectionDefinition } from './define';
import { type ProjectionCheckpoint, ReadModels } from './read-models';
import { rebuildInWorker } from './rebuild-in-worker';
import { WriterThread } from './writer-thread';

interface ReadModelsLogger {
  info(details: object, message?: string): void;
  error(details: object, message?: string): void;
}

/** How a rebuild from scratch of this file may run in a worker thread reading the SQLite log itself. */
export interface RebuildAlone {
  readonly eventsFile: string;
  /** How many events of the log lie after `from` up to `to`: a worker pays for itself only on a long rebuild. */
  readonly eventsBetween: (from: Position | null, to: Position) => number;
  /** Default 50,000 (about a second of the licence history's rebuild; a worker takes a tenth of that to start). */
  readonly minEvents?: number;
}

interface ReadModelsProcessorOptions {
  /** Names its lane; default 'read-models'. */
  readonly name?: string;
  /** Normally `<data dir>/readmodels.db`. */
  readonly file: string;
  readonly projections: readonly ProjectionDefinition[];
  readonly rebuildAlone?: RebuildAlone;
  /** Once caught up, batches are committed by a worker thread (writer-thread.ts); queries read on the main thread. */
  readonly writerThread?: boolean;
  /** False where no write's answer reads these models: writes do not wait for them, readers fence (Processor). */
  readonly awaitedByWrites?: boolean;
  /** Only with awaitedByWrites false: once caught up, a batch waits this long for more (Processor.coalesceMs). */
  readonly coalesceMs?: number;
  readonly logger?: ReadModelsLogger;
}

const REBUILD_ALONE_MIN_EVENTS = 50_000;

/** What a query meets while the file is handed to a rebuild worker: api.md's SERVICE_UNAVAILABLE, /readyz says why. */
class ReadModelsRebuilding extends Error {
  readonly code = 'SERVICE_UNAVAILABLE';
  constructor(name: string) {
    super(`the ${name} read models are being rebuilt; try again once /readyz answers 200`);
    this.name = 'ReadModelsRebuilding';
  }
}

export type AppliedListener = (events: readonly RecordedEvent[]) => void;

export interface ReadModelsProcessor extends Processor {
  /** The read-model connection: queries run here (it throws while a rebuild worker has the file). */
  readonly db: Database.Database;
  /**
   * Called after each committed batch that changed something, with its events (seat-count caches, live feeds), before
   * any read-your-writes waiter for that batch is released. Answers the function that removes it.
   */
  onApplied(listener: AppliedListener): () => void;
  /** How many onApplied listeners are registered: lets /metrics show that closed subscriptions left none behind. */
  listenerCount(): number;
  checkpoints(): ProjectionCheckpoint[];
  /** Closes the read-model file (after the consumer stopped), and ends its writer thread if it has one. */
  close(): Promise<void>;
}

const READ_MODELS_PROCESSOR = 'read-models';

export function readModelsProcessor(options: ReadModelsProcessorOptions): ReadModelsProcessor {
  const name = options.name ?? READ_MODELS_PROCESSOR;
  const open = () => new ReadModels({ file: options.file, projections: options.projections });
  let models = open();
  /** False while a rebuild worker has the file. */
  let held = true;
  /** Set once caught up where options.writerThread: it writes the batches, `models` only answers queries. */
  let writer: WriterThread | null = null;
  /** What the writer thread has committed up to: models' own checkpoints stop moving once it writes. */
  let written: Position | null = null;
  const listeners = new Set<AppliedListener>();
  const { logger } = options;
  const applied = (events: readonly RecordedEvent[]) => {
    for (const listener of listeners) {
      try {
        listener(events);
      } catch (error) {
        logger?.error({ err: error }, 'read-model listener failed');
      }
    }
  };
  logger?.info(
    { processor: name, rebuilding: models.rebuilding, projections: models.checkpoints() },
    'read models opened',
  );

  return {
    name,
    filter: { streamPrefixes: LICENSE_STREAM_PREFIXES },
    gatesReadiness: true,
    awaitedByWrites: options.awaitedByWrites ?? true,
    ...(options.coalesceMs ? { coalesceMs: options.coalesceMs } : {}),
    get db() {
      if (!held) throw new ReadModelsRebuilding(name);
      return models.db;
    },

    checkpoint: () => (writer ? written : models.lowestPosition()),

    catchUpAlone(head, signal) {
      const alone = options.rebuildAlone;
      if (!alone || head === null || !models.rebuilding) return undefined;
      const from = models.lowestPosition();
      if (alone.eventsBetween(from, head) < (alone.minEvents ?? REBUILD_ALONE_MIN_EVENTS)) return undefined;
      const started = performance.now();
      logger?.info({ processor: name, from, head }, 'read models rebuilding in a worker thread');
      // The worker's connection takes the file alone: its rebuild runs without a journal, which no other may hold.
      models.close();
      held = false;
      return rebuildInWorker({
        eventsFile: alone.eventsFile,
        file: options.file,
        projections: options.projections.map((projection) => projection.name),
        upTo: head,
        signal,
      })
        .then((outcome) => {
          const seconds = Math.round(performance.now() - started) / 1000;
          logger?.info({ processor: name, outcome, seconds }, 'read models rebuild worker ended');
        })
        .finally(() => {
          // Whatever the worker committed; the lane goes on from there.
          models = open();
          held = true;
        });
    },

    handle(events: readonly RecordedEvent[], through: Position) {
      // A stretch of other streams (credentials, e-mail reservations) only moves the checkpoint: no commit for it
      // alone; the next batch with licence events carries it, and a restart reads those few events again.
      if (events.length === 0) return;
      if (writer) {
        return writer.apply(events, through).then(() => {
          written = through;
          applied(events);
        });
      }
      models.apply(events, through);
      applied(events);
    },

    caughtUp() {
      models.finishRebuild();
      logger?.info({ processor: name, position: models.lowestPosition() }, 'read models caught up');
      if (options.writerThread) {
        written = models.lowestPosition();
        writer = new WriterThread({ file: options.file, projections: options.projections.map((p) => p.name) });
      }
    },

    onApplied(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    listenerCount: () => listeners.size,

    checkpoints: () =>
      models
        .checkpoints()
        .map((checkpoint) =>
          written !== null && (checkpoint.position === null || checkpoint.position < written)
            ? { ...checkpoint, position: written }
            : checkpoint,
        ),

    close() {
      // Without a writer thread the file is closed at once, as callers of the synchronous close expect.
      if (!writer) return Promise.resolve(models.close());
      return writer.close().then(() => models.close());
    },
  };
}
