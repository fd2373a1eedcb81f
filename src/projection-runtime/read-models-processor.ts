// The read models as a processor of the log consumer: each batch of licence events and every projection's checkpoint
// commit in one transaction (during a rebuild from scratch, several batches share it); a projection whose version
// changed rebuilds from the start of the log; once caught up the indexes a rebuild deferred are built. Queries read
// the same connection, so they never see half a batch.
import type Database from 'better-sqlite3';
import { LICENSE_STREAM_PREFIXES } from '../domain/streams';
import type { Position, RecordedEvent } from '../eventstore/port';
import type { Processor } from '../processing/processor';
import type { ProjectionDefinition } from './define';
import { type ProjectionCheckpoint, ReadModels } from './read-models';

interface ReadModelsLogger {
  info(details: object, message?: string): void;
  error(details: object, message?: string): void;
}

interface ReadModelsProcessorOptions {
  /** Normally `<data dir>/readmodels.db`. */
  readonly file: string;
  readonly projections: readonly ProjectionDefinition[];
  readonly logger?: ReadModelsLogger;
}

export type AppliedListener = (events: readonly RecordedEvent[]) => void;

export interface ReadModelsProcessor extends Processor {
  /** The read-model connection: queries run here. */
  readonly db: Database.Database;
  /**
   * Called after each committed batch that changed something, with its events (seat-count caches, live feeds), before
   * any read-your-writes waiter for that batch is released. Answers the function that removes it.
   */
  onApplied(listener: AppliedListener): () => void;
  /** How many onApplied listeners are registered: lets /metrics show that closed subscriptions left none behind. */
  listenerCount(): number;
  checkpoints(): ProjectionCheckpoint[];
  /** Closes the read-model file (after the consumer stopped). */
  close(): void;
}

const READ_MODELS_PROCESSOR = 'read-models';

export function readModelsProcessor(options: ReadModelsProcessorOptions): ReadModelsProcessor {
  const models = new ReadModels({ file: options.file, projections: options.projections });
  const listeners = new Set<AppliedListener>();
  const { logger } = options;
  logger?.info({ rebuilding: models.rebuilding, projections: models.checkpoints() }, 'read models opened');

  return {
    name: READ_MODELS_PROCESSOR,
    filter: { streamPrefixes: LICENSE_STREAM_PREFIXES },
    gatesReadiness: true,
    db: models.db,

    checkpoint: () => models.lowestPosition(),

    handle(events: readonly RecordedEvent[], through: Position) {
      // A stretch of other streams (credentials, e-mail reservations) only moves the checkpoint: no commit for it
      // alone; the next batch with licence events carries it, and a restart reads those few events again.
      if (events.length === 0) return;
      models.apply(events, through);
      for (const listener of listeners) {
        try {
          listener(events);
        } catch (error) {
          logger?.error({ err: error }, 'read-model listener failed');
        }
      }
    },

    caughtUp() {
      models.finishRebuild();
      logger?.info({ position: models.lowestPosition() }, 'read models caught up');
    },

    onApplied(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    listenerCount: () => listeners.size,

    checkpoints: () => models.checkpoints(),

    close: () => models.close(),
  };
}
