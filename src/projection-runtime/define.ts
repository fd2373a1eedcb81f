// What a projection is: a name, a version, the DDL of its tables and one small handler per event type, each typed
// by the domain's event of that type.
import { type DomainEventType, type EventOf, isDomainEventType, isEventOf, type Recorded } from '../domain/events';
import type { RecordedEvent } from '../eventstore/port';
import type { ProjectionDb } from './sql';

/** A recorded event of one domain type: `data` is that type's payload. */
type RecordedOf<T extends DomainEventType> = Recorded<RecordedEvent, EventOf<T>>;

/** A handler as the runner calls it: any event the projection takes. */
export type ProjectionHandler = (db: ProjectionDb, event: RecordedEvent) => void;

/** One handler per domain event type, each given that type's event. */
type TypedHandlers = {
  readonly [T in DomainEventType]?: (db: ProjectionDb, event: RecordedOf<T>) => void;
};

/** What a projection file declares: its handlers typed by event type, `'*'` for every type it does not name. */
interface ProjectionSpec extends Omit<ProjectionDefinition, 'handlers'> {
  readonly handlers: TypedHandlers & { readonly '*'?: ProjectionHandler };
}

export interface ProjectionDefinition {
  /** Stable name: the key of its checkpoint. */
  readonly name: string;
  /** Bump it when the tables or handlers change: the projection is dropped and rebuilt from the start of the log. */
  readonly version: number;
  /**
   * One DDL statement per entry (CREATE TABLE / VIRTUAL TABLE / INDEX / TRIGGER). Table names must be unique
   * in the read-model file. During a rebuild from scratch, CREATE INDEX and CREATE TRIGGER entries are deferred
   * to the end (built once in bulk, much faster than row by row): handlers must look rows up only by a primary
   * key or a UNIQUE constraint declared in the CREATE TABLE, and a trigger may only maintain what `afterRebuild`
   * regenerates (such as a search index).
   */
  readonly tables: readonly string[];
  /** Run once after a rebuild from scratch, after the deferred indexes and triggers exist (e.g. an FTS 'rebuild'). */
  readonly afterRebuild?: readonly string[];
  /**
   * Keyed by event type; `'*'` handles every type the projection does not name. Never throws on an event it has
   * already seen: the runner owns transactions and checkpoints.
   */
  readonly handlers: Readonly<Partial<Record<string, ProjectionHandler>>>;
}

export function defineProjection(spec: ProjectionSpec): ProjectionDefinition {
  const handlers: Record<string, ProjectionHandler> = {};
  for (const key of Object.keys(spec.handlers)) {
    if (key === '*' && spec.handlers['*']) handlers['*'] = spec.handlers['*'];
    else if (isDomainEventType(key)) {
      const handler = untyped(spec.handlers, key);
      if (handler) handlers[key] = handler;
    } else throw new Error(`projection ${spec.name}: ${key} is no event type of the domain`);
  }
  const definition: ProjectionDefinition = { ...spec, handlers };
  if (!/^[a-z][a-z0-9-]*$/.test(definition.name)) throw new Error(`bad projection name ${definition.name}`);
  if (!Number.isInteger(definition.version) || definition.version < 1) {
    throw new Error(`projection ${definition.name}: version must be a whole number ≥ 1`);
  }
  for (const ddl of definition.tables) {
    if (schemaObject(ddl) === undefined)
      throw new Error(`projection ${definition.name}: cannot name the object of ${ddl}`);
  }
  return definition;
}

/** The runner's view of a typed handler: the guard narrows the event to the type the handler is for. */
function untyped<T extends DomainEventType>(typed: TypedHandlers, type: T): ProjectionHandler | undefined {
  const handler = typed[type];
  if (!handler) return undefined;
  return (db, event) => {
    if (isEventOf(event, type)) handler(db, event);
  };
}

interface SchemaObject {
  readonly kind: 'table' | 'index' | 'trigger' | 'view';
  readonly name: string;
  readonly virtual: boolean;
}

const CREATE =
  /^\s*CREATE\s+(?:TEMP(?:ORARY)?\s+)?(UNIQUE\s+)?(VIRTUAL\s+)?(TABLE|INDEX|TRIGGER|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?["`[]?(\w+)/i;

/** The object a DDL statement creates, so a rebuild can drop exactly what the projection owns. */
export function schemaObject(ddl: string): SchemaObject | undefined {
  const match = CREATE.exec(ddl);
  if (!match) return undefined;
  return {
    kind: (match[3] as string).toLowerCase() as SchemaObject['kind'],
    name: match[4] as string,
    virtual: match[2] !== undefined,
  };
}
