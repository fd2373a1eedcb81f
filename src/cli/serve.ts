// `seatledger serve` (what `npm start` runs): the API on the configured store until SIGTERM or SIGINT.
// One process serves a data dir: a second `serve` on it exits 1 at once with a line naming the holder, having
// written nothing (two servers would each apply every event to the same read models).
import { parseArgs } from 'node:util';
import { startSeatledger } from '../composition-root';
import { type Config, ConfigError, loadConfig } from '../config';
import { type DataDirLock, DataDirLocked, lockDataDir } from '../data-dir-lock';
import { createLogger } from '../logger';
import type { CliCommand } from './main';

const HELP = `usage: seatledger serve [--no-reactors]

Serves the GraphQL API (configuration from the environment: PORT, HOST, SEATLEDGER_DATA_DIR, ...; see README).
  --no-reactors   do not send notifications or react to deactivations here (for extra API instances);
                  the same as SEATLEDGER_REACTORS=off`;

export const serveCommand: CliCommand = {
  summary: 'serve the GraphQL API',
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { 'no-reactors': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    let config: Config;
    try {
      config = loadConfig();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const problem of error.problems) process.stderr.write(`seatledger: ${problem}\n`);
      return 1;
    }
    // Before anything opens a file in the data dir. On EventStoreDB too: the read models and the notifier's state
    // are still this dir's.
    let lock: DataDirLock;
    try {
      lock = await lockDataDir(config.dataDir);
    } catch (error) {
      if (!(error instanceof DataDirLocked)) throw error;
      process.stderr.write(`seatledger serve: ${error.message}; one process serves a data dir, stop that one first\n`);
      return 1;
    }
    try {
      return await serveUntilSignalled(config, values['no-reactors'] === true);
    } finally {
      lock.release();
    }
  },
};

async function serveUntilSignalled(config: Config, noReactors: boolean): Promise<number> {
  const logger = createLogger({ level: config.logLevel });
  const reactors = !noReactors && process.env.SEATLEDGER_REACTORS !== 'off';
  const running = await startSeatledger({ config, logger, reactors });

  process.stdout.write(
    [
      '',
      `  seatledger is serving GraphQL at ${running.url}`,
      `  data: ${config.eventStoreConnectionString ? 'EventStoreDB' : config.dataDir}`,
      '',
      '  Sign up (once) to get a token, then send it as "Authorization: Bearer <token>":',
      `    curl -s ${running.url} -H 'content-type: application/json' \\`,
      `      -d '{"query":"mutation { signUp(input: { accountName: \\"Acme\\", ownerName: \\"Ann\\", ownerEmail: \\"ann@acme.test\\", password: \\"a-long-password\\" }) { token } }"}'`,
      '',
    ].join('\n'),
  );

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutting down');
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  await running.close();
  logger.info('stopped');
  return 0;
}
