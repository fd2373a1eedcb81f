// The projection runtime: define projections, run them against the log, rebuild them, query through cached statements.
export { defineProjection, type ProjectionDefinition, type ProjectionHandler, schemaObject } from './define';
export { openReadModels, type ProjectionCheckpoint, ReadModels } from './read-models';
export { type RebuildOptions, type RebuildProgress, type RebuildResult, rebuildReadModels } from './rebuild';
export {
  createProjectionRunner,
  type ProjectionLag,
  type ProjectionRunner,
  type ProjectionRunnerOptions,
  ProjectionRunnerStopped,
  ReadModelTimeout,
  type RunnerLogger,
  type RunnerStatus,
} from './runner';
export { type ProjectionDb, prepared, projectionDb, type SqlValue } from './sql';
