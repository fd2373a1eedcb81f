// A one-shot rebuild of read models from the log into a file, up to a position: what `replay` and benches run.
import { LICENSE_STREAM_PREFIXES } from '../domain/streams';
import type { EventStore, Position, RecordedEvent } from '../eventstore/port';
import type { ProjectionDefinition } from './define';
import { ReadModels } from './read-models';

export interface RebuildProgress {
  /** Events of the licence streams read so far. */
  readonly events: number;
  readonly position: Position | null;
  /** Where the rebuild stops. */
  readonly head: Position | null;
}

interface RebuildOptions {
  readonly store: EventStore;
  /** A fresh file (or one whose checkpoints are behind): the read models are built here. */
  readonly file: string;
  readonly projections: readonly ProjectionDefinition[];
  /** Stop after this position (inclusive); default: the head when the rebuild starts. */
  readonly upTo?: Position | null;
  readonly batchSize?: number;
  /** Called after each committed batch. */
  readonly onProgress?: (progress: RebuildProgress) => void;
}

interface RebuildResult {
  readonly events: number;
  readonly position: Position | null;
  readonly millis: number;
}

export async function rebuildReadModels(options: RebuildOptions): Promise<RebuildResult> {
  const started = performance.now();
  const head = options.upTo === undefined ? await options.store.headPosition() : options.upTo;
  const models = new ReadModels({ file: options.file, projections: options.projections });
  // As the log consumer catches up (src/processing/log-consumer.ts): small batches keep parsed events young.
  const batchSize = options.batchSize ?? 1000;
  let events = 0;
  try {
    if (head !== null) {
      const after = models.lowestPosition();
      let batch: RecordedEvent[] = [];
      for await (const event of options.store.readAll({
        ...(after === null ? {} : { after }),
        filter: { streamPrefixes: LICENSE_STREAM_PREFIXES },
      })) {
        if (event.position > head) break;
        batch.push(event);
        if (batch.length >= batchSize) {
          models.apply(batch);
          events += batch.length;
          batch = [];
          options.onProgress?.({ events, position: models.lowestPosition(), head });
        }
      }
      // Filtered-out events may follow the last licence event: the checkpoint still reaches the head.
      models.apply(batch, head);
      events += batch.length;
    }
    models.finishRebuild();
    options.onProgress?.({ events, position: models.lowestPosition(), head });
    return { events, position: models.lowestPosition(), millis: performance.now() - started };
  } finally {
    models.close();
  }
}
