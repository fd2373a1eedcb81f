// `node -r ./bench/register.js bench/eventstoredb.bench.ts`: the EventStoreDB adapter against the raw client, both
// talking gRPC to the in-repo TEST STAND-IN (not EventStoreDB), as ratios in one run. Figures say nothing of a real server.
import { randomUUID } from 'node:crypto';
import { EventStoreDBClient, jsonEvent, NO_STREAM } from '@eventstore/db-client';
import { openEventStoreDbEventStore } from '../src/eventstore/eventstoredb';
import type { EventStore } from '../src/eventstore/port';
import { startEventStoreDbStandIn } from '../test/support/eventstoredb-standin';
import { anEvent, median, perSecond, sampleData, sampleMetadata } from './support/measure';

const ROUNDS = 3;
const SINGLE_APPENDS = 1000;
const CONCURRENT_APPENDERS = 32;
const CONCURRENT_APPENDS_EACH = 60;
const REPLAY_EVENTS = 50_000;

const rawEvent = () =>
  jsonEvent({ id: randomUUID(), type: 'LicenseAssigned', data: sampleData, metadata: { ...sampleMetadata } });

async function portSingle(store: EventStore): Promise<number> {
  const stream = `single-${randomUUID()}`;
  const start = process.hrtime.bigint();
  for (let i = 0; i < SINGLE_APPENDS; i++) {
    await store.appendToStream(stream, [anEvent()], { expectedRevision: i === 0 ? 'no_stream' : i - 1 });
  }
  return perSecond(SINGLE_APPENDS, start);
}

async function rawSingle(client: EventStoreDBClient): Promise<number> {
  const stream = `raw-single-${randomUUID()}`;
  const start = process.hrtime.bigint();
  for (let i = 0; i < SINGLE_APPENDS; i++) {
    await client.appendToStream(stream, rawEvent(), { expectedRevision: i === 0 ? NO_STREAM : BigInt(i - 1) });
  }
  return perSecond(SINGLE_APPENDS, start);
}

async function concurrently(append: (stream: string, i: number) => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENT_APPENDERS }, async () => {
      const stream = `concurrent-${randomUUID()}`;
      for (let i = 0; i < CONCURRENT_APPENDS_EACH; i++) await append(stream, i);
    }),
  );
  return perSecond(CONCURRENT_APPENDERS * CONCURRENT_APPENDS_EACH, start);
}

async function portReplay(store: EventStore): Promise<number> {
  const start = process.hrtime.bigint();
  let count = 0;
  for await (const _ of store.readAll()) count++;
  return perSecond(count, start);
}

async function rawReplay(client: EventStoreDBClient): Promise<number> {
  const start = process.hrtime.bigint();
  let count = 0;
  for await (const _ of client.readAll()) count++;
  return perSecond(count, start);
}

async function main(): Promise<void> {
  console.log('EventStoreDB adapter bench. The server is the in-repo TEST STAND-IN, NOT EventStoreDB:');
  console.log('the figures measure the adapter and the client over loopback gRPC, not a real server.\n');
  const standIn = await startEventStoreDbStandIn();
  const store = openEventStoreDbEventStore({ connectionString: standIn.connectionString });
  const client = EventStoreDBClient.connectionString(standIn.connectionString);
  const rows: Array<[string, number, number]> = [];
  try {
    await portSingle(store);
    await rawSingle(client);
    const single = { port: [] as number[], raw: [] as number[] };
    const concurrent = { port: [] as number[], raw: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      single.raw.push(await rawSingle(client));
      single.port.push(await portSingle(store));
      concurrent.raw.push(
        await concurrently((stream, i) =>
          client.appendToStream(stream, rawEvent(), { expectedRevision: i === 0 ? NO_STREAM : BigInt(i - 1) }),
        ),
      );
      concurrent.port.push(
        await concurrently((stream, i) =>
          store.appendToStream(stream, [anEvent()], { expectedRevision: i === 0 ? 'no_stream' : i - 1 }),
        ),
      );
    }
    rows.push(['single appends/s', median(single.port), median(single.raw)]);
    rows.push([
      `${CONCURRENT_APPENDERS} concurrent appenders, appends/s`,
      median(concurrent.port),
      median(concurrent.raw),
    ]);

    // Seeded straight into the stand-in's memory: the replay is what is measured, not the writing.
    const body = Buffer.from(JSON.stringify(sampleData));
    const meta = Buffer.from(JSON.stringify(sampleMetadata));
    for (let i = 0; i < REPLAY_EVENTS; i++) {
      standIn.log.append(`replay-${i % 500}`, { kind: 'any' }, [
        {
          id: randomUUID(),
          type: 'LicenseAssigned',
          contentType: 'application/json',
          data: body,
          customMetadata: meta,
        },
      ]);
    }
    const replay = { port: [] as number[], raw: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      replay.raw.push(await rawReplay(client));
      replay.port.push(await portReplay(store));
    }
    rows.push([`readAll events/s (${standIn.log.events.length} events)`, median(replay.port), median(replay.raw)]);
  } finally {
    await store.close();
    await client.dispose();
    await standIn.stop();
  }

  console.log(`${'measure'.padEnd(48)}${'adapter'.padStart(12)}${'raw client'.padStart(12)}${'ratio'.padStart(8)}`);
  for (const [name, port, raw] of rows) {
    console.log(
      `${name.padEnd(48)}${Math.round(port).toString().padStart(12)}${Math.round(raw).toString().padStart(12)}${(port / raw).toFixed(2).padStart(8)}`,
    );
  }
  console.log('\n(median of 3 rounds; the stand-in is not EventStoreDB)');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
