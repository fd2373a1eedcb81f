// The projection specs' world: domain-shaped events appended straight to a real SQLite log, read models built
// from it and dumped table by table ("events in, rows out"); also fed on by the CLI and projection-runner specs.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { allProjections } from '../../projections';
import type { Role } from '../../src/domain/decider';
import type { Product } from '../../src/domain/plans';
import { accountStream, credentialsStream, subscriptionStream, userStream } from '../../src/domain/streams';
import type { EventStore, Position, RecordedEvent } from '../../src/eventstore/port';
import { openSqliteEventStore } from '../../src/eventstore/sqlite';
import { orderedRows, projectionTables } from '../../src/projection-runtime/compare';
import { defineProjection, type ProjectionDefinition } from '../../src/projection-runtime/define';
import { openReadModels, type ReadModels } from '../../src/projection-runtime/read-models';
import { makeTempDir } from './temp-dir';

interface Given {
  readonly accountId: string;
  readonly actorId?: string;
  readonly at?: string;
}

/** A clock that ticks one minute per event, so occurredAt is distinct and ordered. */
export class EventLog {
  private tick = 0;

  constructor(readonly store: EventStore) {}

  private now(at?: string): string {
    this.tick += 1;
    return at ?? new Date(Date.UTC(2024, 0, 1) + this.tick * 60_000).toISOString();
  }

  async append(stream: string, type: string, data: Record<string, unknown>, given: Given): Promise<Position> {
    const correlationId = randomUUID();
    const result = await this.store.appendToStream(
      stream,
      [
        {
          id: randomUUID(),
          type,
          data,
          metadata: {
            accountId: given.accountId,
            actorId: given.actorId ?? 'system',
            occurredAt: this.now(given.at),
            correlationId,
            causationId: correlationId,
            schemaVersion: 1,
          },
        },
      ],
      { expectedRevision: 'any' },
    );
    return result.position;
  }

  openAccount(accountId: string, ownerUserId: string, name = `Account ${accountId}`, at?: string) {
    return this.append(
      accountStream(accountId),
      'AccountOpened',
      { accountId, name, ownerUserId },
      {
        accountId,
        actorId: ownerUserId,
        ...(at ? { at } : {}),
      },
    );
  }

  createUser(
    user: { userId: string; accountId: string; email: string; name: string; role?: Role },
    given?: Partial<Given>,
  ) {
    const data = {
      userId: user.userId,
      accountId: user.accountId,
      email: user.email,
      emailNormalized: user.email.toLowerCase(),
      name: user.name,
      role: user.role ?? 'MEMBER',
    };
    return this.append(userStream(user.userId), 'UserCreated', data, { accountId: user.accountId, ...given });
  }

  changeRole(accountId: string, userId: string, role: Role, previousRole: Role, given?: Partial<Given>) {
    return this.append(userStream(userId), 'UserRoleChanged', { userId, role, previousRole }, { accountId, ...given });
  }

  deactivate(accountId: string, userId: string, given?: Partial<Given>) {
    return this.append(userStream(userId), 'UserDeactivated', { userId }, { accountId, ...given });
  }

  purchase(accountId: string, product: Product, planId: string, quantity: number, given?: Partial<Given>) {
    return this.append(
      subscriptionStream(accountId, product),
      'LicensePurchased',
      { accountId, product, planId, quantity },
      { accountId, ...given },
    );
  }

  upgrade(accountId: string, product: Product, fromPlanId: string, toPlanId: string, given?: Partial<Given>) {
    return this.append(
      subscriptionStream(accountId, product),
      'PlanUpgraded',
      { accountId, product, fromPlanId, toPlanId },
      { accountId, ...given },
    );
  }

  release(accountId: string, product: Product, quantity: number, given?: Partial<Given>) {
    return this.append(
      subscriptionStream(accountId, product),
      'LicensesReleased',
      { accountId, product, quantity },
      { accountId, ...given },
    );
  }

  assign(accountId: string, product: Product, planId: string, userId: string, given?: Partial<Given>) {
    return this.append(
      subscriptionStream(accountId, product),
      'LicenseAssigned',
      { accountId, product, planId, userId },
      { accountId, ...given },
    );
  }

  revoke(accountId: string, product: Product, planId: string, userId: string, given?: Partial<Given>) {
    return this.append(
      subscriptionStream(accountId, product),
      'LicenseRevoked',
      { accountId, product, planId, userId, reason: null },
      { accountId, ...given },
    );
  }

  /** A secret stream the projections must never see. */
  storeCredentials(accountId: string, userId: string) {
    return this.append(
      credentialsStream(userId),
      'PasswordSet',
      { userId, passwordHash: 'scrypt$not-a-real-hash' },
      {
        accountId,
      },
    );
  }

  async recorded(): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for await (const event of this.store.readAll()) events.push(event);
    return events;
  }
}

export interface Workspace {
  readonly dir: string;
  readonly log: EventLog;
  readonly store: EventStore;
  readonly readModelsFile: string;
  close(): Promise<void>;
}

export function openWorkspace(): Workspace {
  const temp = makeTempDir('seatledger-projections-');
  const store = openSqliteEventStore({ file: path.join(temp.dir, 'events.db') });
  return {
    dir: temp.dir,
    store,
    log: new EventLog(store),
    readModelsFile: path.join(temp.dir, 'readmodels.db'),
    async close() {
      await store.close();
      temp.cleanup();
    },
  };
}

/**
 * A small account with every kind of event: ann (owner), bob, cat and dan; video seats bought, upgraded,
 * assigned, revoked; webinar seats bought and partly released; dan deactivated. Plus a second account.
 */
export async function seedAcme(log: EventLog): Promise<Position> {
  await log.openAccount('acme', 'ann', 'Acme Inc');
  await log.createUser({
    userId: 'ann',
    accountId: 'acme',
    email: 'Ann.Owner@Acme.test',
    name: 'Ann Owner',
    role: 'OWNER',
  });
  await log.storeCredentials('acme', 'ann');
  await log.createUser(
    { userId: 'bob', accountId: 'acme', email: 'bob@acme.test', name: 'Bob Builder' },
    { actorId: 'ann' },
  );
  await log.createUser(
    { userId: 'cat', accountId: 'acme', email: 'cat@acme.test', name: 'Cátia Smith' },
    { actorId: 'ann' },
  );
  await log.createUser(
    { userId: 'dan', accountId: 'acme', email: 'dan@acme.test', name: 'Dan Smithers' },
    { actorId: 'ann' },
  );
  await log.purchase('acme', 'VIDEO_MEETING', 'video-standard', 3, { actorId: 'ann' });
  await log.assign('acme', 'VIDEO_MEETING', 'video-standard', 'bob', { actorId: 'ann' });
  await log.assign('acme', 'VIDEO_MEETING', 'video-standard', 'cat', { actorId: 'ann' });
  await log.upgrade('acme', 'VIDEO_MEETING', 'video-standard', 'video-pro', { actorId: 'ann' });
  await log.assign('acme', 'VIDEO_MEETING', 'video-pro', 'dan', { actorId: 'ann' });
  await log.revoke('acme', 'VIDEO_MEETING', 'video-pro', 'dan', { actorId: 'ann' });
  await log.deactivate('acme', 'dan', { actorId: 'ann' });
  await log.purchase('acme', 'WEBINAR', 'webinar-100', 5, { actorId: 'ann' });
  await log.assign('acme', 'WEBINAR', 'webinar-100', 'bob', { actorId: 'ann' });
  await log.release('acme', 'WEBINAR', 2, { actorId: 'ann' });
  await log.changeRole('acme', 'bob', 'ADMIN', 'MEMBER', { actorId: 'ann' });
  await log.openAccount('globex', 'gus', 'Globex');
  await log.createUser({
    userId: 'gus',
    accountId: 'globex',
    email: 'gus@globex.test',
    name: 'Gus Smith',
    role: 'OWNER',
  });
  await log.purchase('globex', 'VIDEO_MEETING', 'video-business', 1, { actorId: 'gus' });
  return log.assign('globex', 'VIDEO_MEETING', 'video-business', 'gus', { actorId: 'gus' });
}

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

export interface SeededReadModels {
  readonly log: EventLog;
  readonly store: EventStore;
  readonly models: ReadModels;
  readonly db: Database.Database;
}

/**
 * For a describe block: seeds acme (seedAcme) into a fresh workspace and builds every read model from it once
 * before all its tests, closing both after. Read the fields inside tests or hooks, never at describe time.
 */
export function seededReadModels(): SeededReadModels {
  let ws: Workspace;
  let models: ReadModels;
  beforeAll(async () => {
    ws = openWorkspace();
    await seedAcme(ws.log);
    models = await buildReadModels(ws);
  });
  afterAll(async () => {
    models.close();
    await ws.close();
  });
  return {
    get log() {
      return ws.log;
    },
    get store() {
      return ws.store;
    },
    get models() {
      return models;
    },
    get db() {
      return models.db;
    },
  };
}

/**
 * A LicensePurchased as the log would hand it over at position `n` (1-based), for specs that give batches to the read
 * models directly.
 */
export function recordedPurchase(n: number, accountId: string, quantity: number): RecordedEvent {
  return {
    id: `event-${n}`,
    type: 'LicensePurchased',
    streamName: subscriptionStream(accountId, 'WEBINAR'),
    revision: n - 1,
    position: String(n).padStart(16, '0'),
    data: { accountId, product: 'WEBINAR', planId: 'webinar-100', quantity },
    metadata: {
      accountId,
      actorId: 'owner',
      occurredAt: '2026-01-01T00:00:00.000Z',
      correlationId: 'c',
      causationId: 'c',
      schemaVersion: 1,
    },
    recordedAt: new Date(0),
  };
}

/** A one-table projection for the runner specs: seats purchased per account. */
export const seatCount = defineProjection({
  name: 'seat-count',
  version: 1,
  tables: ['CREATE TABLE seat_count (account_id TEXT PRIMARY KEY, purchased INTEGER NOT NULL)'],
  handlers: {
    LicensePurchased: (db, e) =>
      db.run(
        'INSERT INTO seat_count VALUES (?, ?) ON CONFLICT DO UPDATE SET purchased = purchased + excluded.purchased',
        e.data.accountId as string,
        e.data.quantity as number,
      ),
  },
});
