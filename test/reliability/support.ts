// Reliability support: the real `seatledger serve` as a child process on a data dir (so a test can SIGKILL it), the
// CLI run to completion, and the log's head read from a second, read-only connection to the same file.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createApplication } from '../../src/application/create-application';
import { currentSchemaVersion } from '../../src/domain/event-schemas';
import { subscriptionStream } from '../../src/domain/streams';
import type { EventToAppend } from '../../src/eventstore/port';
import { openSqliteEventStore } from '../../src/eventstore/sqlite';
import { type Gql, graphqlClient, TEST_AUTH_SECRET } from '../support/seatledger';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'seatledger.js');
const SERVING = /serving GraphQL at (\S+)/;

export interface ChildSeatledger {
  readonly url: string;
  /** Base URL without /graphql, for /healthz, /readyz. */
  readonly base: string;
  readonly pid: number;
  readonly gql: Gql;
  readonly process: ChildProcess;
  /** Resolves with the exit code (or signal) once the process has gone. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
  /** SIGKILL: no shutdown code runs, exactly as a power cut looks to the process. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the graceful close. */
  stop(): Promise<number | NodeJS.Signals | null>;
  /** What the process wrote to stderr so far (start-up failures, crashes). */
  stderr(): string;
}

export interface SpawnedSeatledger {
  readonly process: ChildProcess;
  /** The GraphQL URL once the process prints it; rejects if it exits first. */
  readonly serving: Promise<string>;
  readonly exited: Promise<number | NodeJS.Signals | null>;
  kill(): Promise<void>;
  stderr(): string;
  stdout(): string;
}

/** Spawns `node bin/seatledger.js serve` (the built dist) on `dataDir`, an ephemeral port and TEST_AUTH_SECRET. */
export function spawnSeatledger(
  dataDir: string,
  options: { env?: Record<string, string>; args?: string[]; timeoutMs?: number } = {},
): SpawnedSeatledger {
  const child = spawn(process.execPath, [BIN, 'serve', ...(options.args ?? [])], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      SEATLEDGER_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
      AUTH_SECRET: TEST_AUTH_SECRET,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  const timeoutMs = options.timeoutMs ?? 20_000;
  const serving = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`seatledger serve did not start within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const match = SERVING.exec(stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`seatledger serve exited (${String(code)}) before serving: ${stderr}`));
    });
  });
  // A caller that kills before serving does not care why it never served.
  serving.catch(() => undefined);
  return {
    process: child,
    serving,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    stderr: () => stderr,
    stdout: () => stdout,
  };
}

/** Starts the server as a child process and waits until it serves. */
export async function startChildSeatledger(
  dataDir: string,
  options: { env?: Record<string, string>; args?: string[]; timeoutMs?: number } = {},
): Promise<ChildSeatledger> {
  const spawned = spawnSeatledger(dataDir, options);
  const child = spawned.process;
  const url = await spawned.serving;
  return {
    url,
    base: url.replace(/\/graphql$/, ''),
    pid: child.pid as number,
    gql: graphqlClient(url),
    process: child,
    exited: spawned.exited,
    kill: spawned.kill,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return spawned.exited;
    },
    stderr: spawned.stderr,
  };
}

/** Polls /readyz until every projection has caught up (200). */
export async function waitUntilReady(base: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await fetch(`${base}/readyz`)
      .then((r) => r.status)
      .catch(() => 0);
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${base} not ready within ${timeoutMs} ms`);
    await sleep(25);
  }
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node bin/seatledger.js <args>` to completion. */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'error', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The log's head as a second process would see it: a read-only connection to `<dataDir>/events.db`. */
export async function headOf(dataDir: string): Promise<string | null> {
  const store = openSqliteEventStore({ file: path.join(dataDir, 'events.db'), readonly: true });
  try {
    return await store.headPosition();
  } finally {
    await store.close();
  }
}

/** Removes the read models (both files and their WALs), so the next start rebuilds them from the log. */
export function deleteReadModels(dataDir: string): void {
  for (const file of ['readmodels.db', 'history.db']) {
    for (const suffix of ['', '-wal', '-shm', '-journal'])
      fs.rmSync(path.join(dataDir, `${file}${suffix}`), { force: true });
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Grows the log by `events` licence events while the server is down: a second account whose one user is assigned and
 * revoked over and over (valid domain events, appended in big chunks so this takes a second, not minutes).
 */
export async function appendBigLog(dataDir: string, events: number): Promise<string> {
  const store = openSqliteEventStore({ file: path.join(dataDir, 'events.db') });
  try {
    const app = createApplication({ store });
    const opened = await app.openAccount(
      { correlationId: randomUUID() },
      { accountName: 'Churn Inc', ownerName: 'Churn Owner', ownerEmail: `churn.${randomUUID()}@example.test` },
    );
    const actor = { userId: opened.ownerUserId, accountId: opened.accountId, role: 'OWNER' as const };
    const ctx = { actor, correlationId: randomUUID() };
    const { userId } = await app.createUser(ctx, {
      email: `churner.${randomUUID()}@example.test`,
      name: 'Churner',
      role: 'MEMBER',
    });
    await app.purchaseLicenses(ctx, { product: 'WEBINAR', planId: 'webinar-100', quantity: 1 });
    const stream = subscriptionStream(opened.accountId, 'WEBINAR');
    let revision = 0;
    const data = { accountId: opened.accountId, product: 'WEBINAR', planId: 'webinar-100', userId };
    for (let written = 0; written < events; ) {
      const chunk: EventToAppend[] = [];
      for (let i = 0; i < 2000 && written < events; i++, written++) {
        const type = written % 2 === 0 ? 'LicenseAssigned' : 'LicenseRevoked';
        chunk.push({
          id: randomUUID(),
          type,
          data: type === 'LicenseAssigned' ? data : { ...data, reason: null },
          metadata: {
            accountId: opened.accountId,
            actorId: opened.ownerUserId,
            occurredAt: new Date().toISOString(),
            correlationId: ctx.correlationId,
            causationId: ctx.correlationId,
            schemaVersion: currentSchemaVersion(type),
          },
        });
      }
      revision = (await store.appendToStream(stream, chunk, { expectedRevision: revision })).nextRevision;
    }
  } finally {
    await store.close();
  }
  return (await headOf(dataDir)) as string;
}
