// The licence history's own file (history.db), rebuilt from scratch by the real server (the built dist) in a worker
// thread while the main thread catches readmodels.db up: the server says so in its log, is ready only once both files
// stand at the head, and `replay --verify` finds them what the log says. A clean stop in the middle of the worker's
// rebuild keeps what it committed, and the next start goes on from there.
import path from 'node:path';
import Database from 'better-sqlite3';
import { makeTempDir } from '../support/temp-dir';
import { appendBigLog, runCli, type SpawnedSeatledger, sleep, spawnSeatledger, waitUntilReady } from './support';

jest.setTimeout(180_000);

/** Past the 50,000 events from which a worker pays for itself. */
const EVENTS = 80_000;

interface LogLine {
  readonly msg: string;
  readonly processor?: string;
  readonly from?: string | null;
  readonly head?: string;
  readonly outcome?: string;
}

const logLines = (server: SpawnedSeatledger): LogLine[] =>
  server
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);

const workerStarts = (server: SpawnedSeatledger) =>
  logLines(server).filter((line) => line.msg === 'read models rebuilding in a worker thread');
const workerEnds = (server: SpawnedSeatledger) =>
  logLines(server).filter((line) => line.msg === 'read models rebuild worker ended');

/** The history file's checkpoint and journal mode, read while no server runs. */
function historyState(dataDir: string) {
  const db = new Database(path.join(dataDir, 'history.db'), { readonly: true, fileMustExist: true });
  try {
    return {
      position: db.prepare("SELECT position FROM projections WHERE name = 'license-history'").pluck().get() as
        | string
        | null,
      journalMode: db.pragma('journal_mode', { simple: true }),
      rows: db.prepare('SELECT count(*) FROM license_history').pluck().get() as number,
    };
  } finally {
    db.close();
  }
}

const serve = (dataDir: string) =>
  spawnSeatledger(dataDir, { args: ['--no-reactors'], env: { LOG_LEVEL: 'info' }, timeoutMs: 60_000 });

const stop = async (server: SpawnedSeatledger) => {
  server.process.kill('SIGTERM');
  return server.exited;
};

describe('the licence history rebuilt in a worker thread', () => {
  let temp: { dir: string; cleanup: () => void };
  beforeEach(() => {
    temp = makeTempDir();
  });
  afterEach(() => temp.cleanup());

  it('runs beside the main thread, and the server is ready once both files stand at the head', async () => {
    // given a long log and no read models (a first start on a migrated or restored log)
    const head = await appendBigLog(temp.dir, EVENTS);
    // when
    const server = serve(temp.dir);
    try {
      const base = (await server.serving).replace(/\/graphql$/, '');
      await waitUntilReady(base, 120_000);
      // then: the history, and only it, went to a worker, from the start of the log to the head found at start
      expect(workerStarts(server)).toEqual([
        expect.objectContaining({ processor: 'license-history', from: null, head }),
      ]);
      // The log comes through a pipe and may arrive after /readyz's answer (CI's loaded machine saw it late once).
      for (const until = Date.now() + 10_000; workerEnds(server).length === 0 && Date.now() < until; ) await sleep(50);
      expect(workerEnds(server)).toEqual([
        expect.objectContaining({ processor: 'license-history', outcome: 'rebuilt' }),
      ]);
      const readyz = (await (await fetch(`${base}/readyz`)).json()) as {
        detail: { processors: { name: string; state: string; position: string | null }[] };
      };
      for (const name of ['read-models', 'license-history']) {
        expect(readyz.detail.processors.find((p) => p.name === name)).toMatchObject({ state: 'live', position: head });
      }
    } finally {
      expect(await stop(server)).toBe(0);
    }
    // and the file is back in WAL mode, with one row per licence event (the churn, and the account, its owner, user and purchase before it)
    expect(historyState(temp.dir)).toEqual({ position: head, journalMode: 'wal', rows: EVENTS + 4 });
    const verify = await runCli(['replay', '--verify', '--data-dir', temp.dir]);
    expect(verify.stdout).toContain('verified: the read models are what the log says');
    expect(verify.code).toBe(0);
  });

  it('keeps what the worker committed when the server stops in the middle, and the next start goes on from there', async () => {
    const head = await appendBigLog(temp.dir, EVENTS * 2);
    // when the server is stopped while its worker rebuilds
    const first = serve(temp.dir);
    await first.serving;
    await sleep(300);
    expect(await stop(first)).toBe(0);
    expect(workerStarts(first)).toHaveLength(1);
    // then the worker ended cleanly: stopped part-way (or, on a fast machine, already done), the file in WAL mode
    const [ended] = workerEnds(first);
    expect(['stopped', 'rebuilt']).toContain(ended?.outcome);
    const left = historyState(temp.dir);
    expect(left.journalMode).toBe('wal');
    // and a second start goes on from the checkpoint it left, not from the start
    const second = serve(temp.dir);
    try {
      await waitUntilReady((await second.serving).replace(/\/graphql$/, ''), 120_000);
      const resumed = workerStarts(second);
      if (resumed.length > 0) expect(resumed).toEqual([expect.objectContaining({ from: left.position, head })]);
    } finally {
      expect(await stop(second)).toBe(0);
    }
    expect(historyState(temp.dir)).toMatchObject({ position: head, rows: EVENTS * 2 + 4 });
    expect((await runCli(['replay', '--verify', '--data-dir', temp.dir])).code).toBe(0);
  });
});
