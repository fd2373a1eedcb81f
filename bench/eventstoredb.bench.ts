// `npm run bench:eventstoredb`: the EventStoreDB adapter against the raw client, as ratios measured in one run, on the
// append path the client really takes (BatchAppend, when the server advertises it). By default both talk gRPC to the
// in-repo TEST STAND-IN (not EventStoreDB); with EVENTSTORE_CONNECTION_STRING set, to that server. The machine may be
// shared and noisy: each round interleaves short slices of both sides (alternating which goes first), so both see the
// same machine, and each ratio is given as the median of the rounds' ratios, with their range.
import { randomUUID } from 'node:crypto';
import { EventStoreDBClient, jsonEvent, NO_STREAM } from '@eventstore/db-client';
import { ServerFeaturesClient } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import type { SupportedMethods } from '@eventstore/db-client/generated/serverfeatures_pb';
import { Empty } from '@eventstore/db-client/generated/shared_pb';
import * as grpc from '@grpc/grpc-js';
import { openEventStoreDbEventStore } from '../src/eventstore/eventstoredb';
import type { EventStore } from '../src/eventstore/port';
import { startEventStoreDbStandIn } from '../test/support/eventstoredb-standin';
import { anEvent, median, perSecond, sampleData, sampleMetadata } from './support/measure';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** Appends per round: one writer, or each of the concurrent writers; a round runs them in SLICES slices per side. */
const SINGLE_APPENDS = 1000;
const CONCURRENT_APPENDERS = 32;
const CONCURRENT_APPENDS_EACH = 60;
const SLICES = 10;
const REPLAY_EVENTS = 50_000;

const rawEvent = () =>
  jsonEvent({ id: randomUUID(), type: 'LicenseAssigned', data: sampleData, metadata: { ...sampleMetadata } });

/** Seconds `writers` writers take to append `each` events one after another, each to its own new stream. */
async function timed(
  writers: number,
  each: number,
  append: (stream: string, i: number) => Promise<unknown>,
): Promise<number> {
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      const stream = `bench-${randomUUID()}`;
      for (let i = 0; i < each; i++) await append(stream, i);
    }),
  );
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const portAppend = (store: EventStore) => (stream: string, i: number) =>
  store.appendToStream(stream, [anEvent()], { expectedRevision: i === 0 ? 'no_stream' : i - 1 });
const rawAppend = (client: EventStoreDBClient) => (stream: string, i: number) =>
  client.appendToStream(stream, rawEvent(), { expectedRevision: i === 0 ? NO_STREAM : BigInt(i - 1) });

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

/** Which server this is and whether it offers BatchAppend: the client uses it then (no per-call credentials here). */
async function appendPath(connectionString: string): Promise<string> {
  const host = /^esdb(?:\+discover)?:\/\/([^/?,]+)/.exec(connectionString)?.[1] ?? '';
  const raw = new ServerFeaturesClient(host, grpc.credentials.createInsecure());
  try {
    const answer = await new Promise<SupportedMethods>((resolve, reject) =>
      raw.getSupportedMethods(new Empty(), (error, value) => (error ? reject(error) : resolve(value))),
    );
    const batch = answer
      .getMethodsList()
      .some(
        (m) =>
          `${m.getServiceName()}/${m.getMethodName()}`.toLowerCase() ===
          'event_store.client.streams.streams/batchappend',
      );
    return `server version ${answer.getEventStoreServerVersion()}, appends through ${batch ? 'BatchAppend' : 'the unary Append'}`;
  } catch (error) {
    return `no server features (${(error as Error).message}): appends through the unary Append`;
  } finally {
    raw.close();
  }
}

interface Row {
  readonly name: string;
  readonly port: number[];
  readonly raw: number[];
  /** What issue 13 asks of the adapter, as a share of the raw client's rate. */
  readonly floor?: number;
}

/** Appends/s of each side per round, their slices interleaved (alternating which goes first). */
async function measureAppends(
  name: string,
  writers: number,
  perWriter: number,
  port: (stream: string, i: number) => Promise<unknown>,
  raw: (stream: string, i: number) => Promise<unknown>,
  floor: number,
): Promise<Row> {
  const row: Row = { name, port: [], raw: [], floor };
  const each = Math.max(1, Math.round(perWriter / SLICES));
  for (let round = 0; round < ROUNDS; round++) {
    let portSeconds = 0;
    let rawSeconds = 0;
    for (let slice = 0; slice < SLICES; slice++) {
      if (slice % 2 === 0) {
        rawSeconds += await timed(writers, each, raw);
        portSeconds += await timed(writers, each, port);
      } else {
        portSeconds += await timed(writers, each, port);
        rawSeconds += await timed(writers, each, raw);
      }
    }
    row.port.push((writers * each * SLICES) / portSeconds);
    row.raw.push((writers * each * SLICES) / rawSeconds);
  }
  return row;
}

async function measureReplay(name: string, port: () => Promise<number>, raw: () => Promise<number>): Promise<Row> {
  const row: Row = { name, port: [], raw: [] };
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      row.raw.push(await raw());
      row.port.push(await port());
    } else {
      row.port.push(await port());
      row.raw.push(await raw());
    }
  }
  return row;
}

async function main(): Promise<void> {
  const real = process.env.EVENTSTORE_CONNECTION_STRING;
  const standIn = real ? null : await startEventStoreDbStandIn();
  const connectionString = real ?? (standIn?.connectionString as string);
  console.log(
    real
      ? 'EventStoreDB adapter bench against a REAL EventStoreDB (EVENTSTORE_CONNECTION_STRING).'
      : 'EventStoreDB adapter bench. The server is the in-repo TEST STAND-IN, NOT EventStoreDB:\n' +
          'the figures measure the adapter and the client over loopback gRPC, not a real server.',
  );
  console.log(`${await appendPath(connectionString)}\n`);
  const store = openEventStoreDbEventStore({ connectionString });
  const client = EventStoreDBClient.connectionString(connectionString);
  const rows: Row[] = [];
  try {
    // Warm-up: channels, server features, the JIT.
    await timed(1, SINGLE_APPENDS / 2, portAppend(store));
    await timed(1, SINGLE_APPENDS / 2, rawAppend(client));
    rows.push(await measureAppends('single appends/s', 1, SINGLE_APPENDS, portAppend(store), rawAppend(client), 0.9));
    rows.push(
      await measureAppends(
        `${CONCURRENT_APPENDERS} concurrent appenders, appends/s`,
        CONCURRENT_APPENDERS,
        CONCURRENT_APPENDS_EACH,
        portAppend(store),
        rawAppend(client),
        0.8,
      ),
    );

    if (standIn) {
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
      rows.push(
        await measureReplay(
          `readAll events/s (${standIn.log.events.length} events)`,
          () => portReplay(store),
          () => rawReplay(client),
        ),
      );
    }
  } finally {
    await store.close();
    await client.dispose();
    await standIn?.stop();
  }

  console.log(
    `${'measure'.padEnd(44)}${'adapter'.padStart(10)}${'raw client'.padStart(12)}${'ratio'.padStart(8)}${'range'.padStart(13)}${'floor'.padStart(14)}`,
  );
  let missed = false;
  for (const row of rows) {
    const ratios = row.port.map((p, i) => p / (row.raw[i] as number));
    const ratio = median(ratios);
    const verdict = row.floor === undefined ? '' : ratio >= row.floor ? `${row.floor} ok` : `${row.floor} MISSED`;
    if (row.floor !== undefined && ratio < row.floor) missed = true;
    console.log(
      `${row.name.padEnd(44)}${Math.round(median(row.port)).toString().padStart(10)}${Math.round(median(row.raw))
        .toString()
        .padStart(
          12,
        )}${ratio.toFixed(2).padStart(8)}${`${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`.padStart(13)}${verdict.padStart(14)}`,
    );
  }
  console.log(
    `\n(rates: medians of ${ROUNDS} rounds; ratio: median of the per-round ratios; ${real ? 'a real server' : 'the stand-in is not EventStoreDB'})`,
  );
  if (missed) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
