// Shared set-up of the application tests: the real SQLite store on a temp dir, seen through a thin counting
// wrapper (how many events each stream read returned, how many appends lost on their expected revision).
import path from 'node:path';
import type { Application, RequestContext } from '../../src/application/application';
import type { ApplicationDeps } from '../../src/application/create-application';
import type { Role } from '../../src/domain/decider';
import type { DomainError } from '../../src/domain/errors';
import {
  type EventStore,
  type ReadStreamOptions,
  type RecordedEvent,
  WrongExpectedRevision,
} from '../../src/eventstore/port';
import { openSqliteEventStore, type SqliteEventStore } from '../../src/eventstore/sqlite';
import { makeTempDir } from '../support/temp-dir';

export interface StoreCounters {
  /** Events returned by readStream, per stream. */
  readonly eventsRead: Map<string, number>;
  conflicts: number;
}

/** Delegates every call to the real store and counts; nothing is faked. */
export function counting(
  store: EventStore,
  counters: StoreCounters = { eventsRead: new Map(), conflicts: 0 },
): { store: EventStore; counters: StoreCounters } {
  const wrapped: EventStore = {
    appendToStream: async (stream, events, options) => {
      try {
        return await store.appendToStream(stream, events, options);
      } catch (error) {
        if (error instanceof WrongExpectedRevision) counters.conflicts += 1;
        throw error;
      }
    },
    readStream: (stream: string, options?: ReadStreamOptions) =>
      (async function* () {
        for await (const event of store.readStream(stream, options)) {
          counters.eventsRead.set(stream, (counters.eventsRead.get(stream) ?? 0) + 1);
          yield event;
        }
      })(),
    readAll: (options) => store.readAll(options),
    subscribeToAll: (options) => store.subscribeToAll(options),
    headPosition: () => store.headPosition(),
    close: () => store.close(),
  };
  return { store: wrapped, counters };
}

export interface TestWorld {
  readonly file: string;
  readonly store: SqliteEventStore;
  readonly counters: StoreCounters;
  readonly app: Application;
  /** Another Application (its own cache) over the same store or a second store on the same file. */
  openApp(deps?: Partial<ApplicationDeps> & { ownStore?: boolean }): Application;
  close(): Promise<void>;
}

export async function openWorld(deps: Partial<ApplicationDeps> = {}): Promise<TestWorld> {
  // Loaded lazily so a syntax slip in one adapter does not hide every application test's name.
  const { createApplication } = await import('../../src/application/create-application');
  const temp = makeTempDir('seatledger-app-');
  const file = path.join(temp.dir, 'events.db');
  const store = openSqliteEventStore({ file });
  const { store: countingStore, counters } = counting(store);
  const extraStores: SqliteEventStore[] = [];
  return {
    file,
    store,
    counters,
    app: createApplication({ store: countingStore, ...deps }),
    openApp: ({ ownStore, ...more } = {}) => {
      let target: EventStore = countingStore;
      if (ownStore) {
        const second = openSqliteEventStore({ file });
        extraStores.push(second);
        target = counting(second, counters).store;
      }
      return createApplication({ store: target, ...deps, ...more });
    },
    close: async () => {
      for (const extra of extraStores) await extra.close();
      await store.close();
      temp.cleanup();
    },
  };
}

export const ctxOf = (actor: RequestContext['actor'], correlationId = 'corr-1'): RequestContext => ({
  actor,
  correlationId,
});

/** Signs up an account and answers its owner's request context. */
export async function signUp(app: Application, email = 'owner@example.com') {
  const opened = await app.openAccount(
    { correlationId: 'signup' },
    { accountName: 'Acme', ownerName: 'Olive Owner', ownerEmail: email },
  );
  const owner = ctxOf({ userId: opened.ownerUserId, accountId: opened.accountId, role: 'OWNER' });
  return { ...opened, owner };
}

export async function addUser(app: Application, by: RequestContext, email: string, role: Role = 'MEMBER') {
  const { userId } = await app.createUser(by, { email, name: email.split('@')[0] ?? email, role });
  return { userId, ctx: ctxOf({ userId, accountId: by.actor.accountId, role }) };
}

export async function allEvents(store: EventStore): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const event of store.readAll()) events.push(event);
  return events;
}

export async function streamEvents(store: EventStore, stream: string): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const event of store.readStream(stream)) events.push(event);
  return events;
}

/** The refusal's code, or 'OK'. */
export async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    const code = (error as DomainError).code;
    if (typeof code !== 'string') throw error;
    return code;
  }
}
