// Read models kept by a log consumer of their own, as the server keeps them (minus the other processors).
import path from 'node:path';
import type Database from 'better-sqlite3';
import { type ReadModelFile, readModelFiles } from '../../projections';
import type { EventStore, Position } from '../../src/eventstore/port';
import { LogConsumer, type LogConsumerOptions } from '../../src/processing/log-consumer';
import type { ProjectionDefinition } from '../../src/projection-runtime/define';
import {
  type AppliedListener,
  type ReadModelsProcessor,
  readModelsProcessor,
} from '../../src/projection-runtime/read-models-processor';

export interface FollowedReadModels {
  readonly consumer: LogConsumer;
  readonly readModels: ReadModelsProcessor;
  readonly db: Database.Database;
  /** Resolves once caught up with the log found at start. */
  start(): Promise<void>;
  waitForPosition(position: Position, timeoutMs?: number): Promise<void>;
  onApplied(listener: AppliedListener): () => void;
  /** Stops the consumer and closes the read models. */
  stop(): Promise<void>;
}

export function followReadModels(
  options: { store: EventStore; file: string; projections: readonly ProjectionDefinition[] } & Omit<
    LogConsumerOptions,
    'store'
  >,
): FollowedReadModels {
  const consumer = new LogConsumer(options);
  const readModels = readModelsProcessor({ file: options.file, projections: options.projections });
  void consumer.add(readModels);
  let stopped = false;
  return {
    consumer,
    readModels,
    db: readModels.db,
    start: () => consumer.start(),
    waitForPosition: (position, timeoutMs) => consumer.waitFor(position, timeoutMs),
    onApplied: (listener) => readModels.onApplied(listener),
    async stop() {
      if (stopped) return;
      stopped = true;
      await consumer.stop();
      readModels.close();
    },
  };
}

/** Catches the read-model files of a data dir up with the log, each on its own lane as the server keeps them. */
export async function catchUpReadModelFiles(
  store: EventStore,
  dataDir: string,
  files: readonly ReadModelFile[] = readModelFiles,
): Promise<void> {
  const consumer = new LogConsumer({ store });
  const lanes = files.map((file) =>
    readModelsProcessor({ name: file.processor, file: path.join(dataDir, file.file), projections: file.projections }),
  );
  for (const lane of lanes) void consumer.add(lane);
  try {
    await consumer.start();
  } finally {
    await consumer.stop();
    for (const lane of lanes) lane.close();
  }
}
