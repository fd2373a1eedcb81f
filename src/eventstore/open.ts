// Which log a process uses: EventStoreDB when a connection string is configured, else the embedded SQLite file.
// The server and every CLI command open the store here, so they always agree — and all read old event versions
// upcast to the current shape.
import path from 'node:path';
import { EVENT_UPCASTERS } from '../domain/event-schemas';
import { makePrivateDir } from '../private-files';
import type { EventStore } from './port';
import { withUpcasting } from './upcasting';

interface OpenEventStoreOptions {
  readonly dataDir: string;
  readonly eventStoreConnectionString?: string | null;
  readonly logger?: { warn(details: object, message: string): void };
}

export const eventsFile = (dataDir: string) => path.join(dataDir, 'events.db');

export async function openEventStore(options: OpenEventStoreOptions): Promise<EventStore> {
  return withUpcasting(await openAdapter(options), EVENT_UPCASTERS);
}

async function openAdapter(options: OpenEventStoreOptions): Promise<EventStore> {
  if (options.eventStoreConnectionString) {
    // Loaded on demand: the gRPC client costs start-up time the embedded default does not need.
    const { openEventStoreDbEventStore } = await import('./eventstoredb');
    return openEventStoreDbEventStore({
      connectionString: options.eventStoreConnectionString,
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }
  makePrivateDir(options.dataDir);
  const { openSqliteEventStore } = await import('./sqlite');
  return openSqliteEventStore({ file: eventsFile(options.dataDir) });
}
