// The Subscription root through graphql-js's own subscribe (the WebSocket transport is the composition root's):
// it needs a viewer, validates its arguments up front, and streams what the services yield.
import { type ExecutionResult, parse, subscribe } from 'graphql';
import pino from 'pino';
import { createContext } from '../../src/graphql/context';
import { buildSeatledgerSchema } from '../../src/graphql/schema';
import type { LicenseEventRow } from '../../src/queries/rows';
import { ACCOUNT_ID, createFakeServices, VIEWER } from './fake-services';

const event = (n: number): LicenseEventRow => ({
  id: `evt-${n}`,
  accountId: ACCOUNT_ID,
  position: String(n).padStart(8, '0'),
  type: 'LicenseAssigned',
  occurredAt: new Date(Date.UTC(2026, 0, n)),
  actorId: 'user-0',
  product: 'WEBINAR',
  userId: 'user-1',
  data: '{}',
});

async function run(query: string, viewer: typeof VIEWER | null) {
  const services = createFakeServices();
  const asked: Array<[string, string | null]> = [];
  services.licenseEvents = (accountId, after) => {
    asked.push([accountId, after]);
    return (async function* () {
      yield event(1);
      yield event(2);
    })();
  };
  const schema = await buildSeatledgerSchema();
  const contextValue = createContext({ requestId: 'r1', viewer, services, logger: pino({ level: 'silent' }) });
  const result = await subscribe({ schema, document: parse(query), contextValue });
  return { result, asked };
}

describe('Subscription.licenseEvents', () => {
  it('given a viewer, then streams the account’s events with their relations', async () => {
    const { result, asked } = await run(
      'subscription { licenseEvents(after: "00000000") { id actor { name } } }',
      VIEWER,
    );
    const received: unknown[] = [];
    for await (const item of result as AsyncIterable<ExecutionResult>) received.push(item);
    expect(received).toEqual([
      { data: { licenseEvents: { id: 'evt-1', actor: { name: 'Olive Owner' } } } },
      { data: { licenseEvents: { id: 'evt-2', actor: { name: 'Olive Owner' } } } },
    ]);
    expect(asked).toEqual([[ACCOUNT_ID, '00000000']]);
  });

  it('given no viewer, then UNAUTHENTICATED and the stream is never opened', async () => {
    const { result, asked } = await run('subscription { licenseEvents { id } }', null);
    expect((result as ExecutionResult).errors?.map((e) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);
    expect(asked).toEqual([]);
  });

  it('given a too long cursor, then BAD_USER_INPUT before the stream opens', async () => {
    const { result, asked } = await run(`subscription { licenseEvents(after: "${'x'.repeat(201)}") { id } }`, VIEWER);
    expect((result as ExecutionResult).errors?.map((e) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
    expect(asked).toEqual([]);
  });
});
