// defineProjection: typed handlers reach the runner keyed by their type, `'*'` as it is, and a key that names no
// event type of the domain is refused at start rather than never called.

import type { RecordedEvent } from '../../src/eventstore/port';
import { defineProjection } from '../../src/projection-runtime/define';
import type { ProjectionDb } from '../../src/projection-runtime/sql';

const recorded = (type: string, data: Record<string, unknown>): RecordedEvent => ({
  id: 'e1',
  type,
  streamName: 'subscription-acc-1-WEBINAR',
  revision: 0,
  position: '0000000000000001',
  data,
  metadata: {
    accountId: 'acc-1',
    actorId: 'u1',
    occurredAt: '2025-01-01T00:00:00.000Z',
    correlationId: 'c',
    causationId: 'c',
    schemaVersion: 1,
  },
  recordedAt: new Date(0),
});

describe('defineProjection', () => {
  const noDb = {} as ProjectionDb;

  it('hands each typed handler the events of its type, and only those', () => {
    const quantities: number[] = [];
    const all: string[] = [];
    const projection = defineProjection({
      name: 'probe',
      version: 1,
      tables: ['CREATE TABLE probe (x INTEGER)'],
      handlers: {
        LicensePurchased: (_db, e) => quantities.push(e.data.quantity),
        '*': (_db, e) => all.push(e.type),
      },
    });
    const data = { accountId: 'acc-1', product: 'WEBINAR', planId: 'webinar-100', quantity: 3 };
    projection.handlers.LicensePurchased?.(noDb, recorded('LicensePurchased', data));
    // The runner looks handlers up by the event's type; were it to call one with another type, nothing happens.
    projection.handlers.LicensePurchased?.(noDb, recorded('LicensesReleased', data));
    projection.handlers['*']?.(noDb, recorded('PlanUpgraded', {}));
    expect(quantities).toEqual([3]);
    expect(all).toEqual(['PlanUpgraded']);
    expect(Object.keys(projection.handlers).sort()).toEqual(['*', 'LicensePurchased']);
  });

  it('refuses a handler for a type the domain does not have', () => {
    expect(() =>
      defineProjection({
        name: 'probe',
        version: 1,
        tables: ['CREATE TABLE probe (x INTEGER)'],
        // @ts-expect-error LicenseStolen is no event type: the compiler says so too
        handlers: { LicenseStolen: () => undefined },
      }),
    ).toThrow(/LicenseStolen is no event type/);
  });
});
