// Builds the read models from a workspace's log and dumps a projection's tables: "events in, rows out" for specs.
import type Database from 'better-sqlite3';
import { allProjections } from '../../projections';
import { orderedRows, projectionTables } from '../../src/projection-runtime/compare';
import type { ProjectionDefinition } from '../../src/projection-runtime/define';
import { openReadModels, type ReadModels } from '../../src/projection-runtime/read-models';
import type { Workspace } from './fixtures';

export async function buildReadModels(ws: Workspace): Promise<ReadModels> {
  const models = openReadModels({ file: ws.readModelsFile, projections: allProjections });
  models.apply(await ws.log.recorded());
  models.finishRebuild();
  return models;
}

/** Every row of every plain table the projection owns, ordered by all columns. */
export function dump(db: Database.Database, projection: ProjectionDefinition): Record<string, unknown[][]> {
  return Object.fromEntries(projectionTables(projection).map((table) => [table, [...orderedRows(db, table)]]));
}
