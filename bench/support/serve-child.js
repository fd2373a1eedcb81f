// The servers `bench:api` measures, each in a child process of its own, in plain JavaScript like production:
//   bare                   a bare Apollo Server 5 answering `{ hello }`, on Apollo's standalone server;
//   seatledger <data dir>  the built server (`npm run build`'s dist/, what `seatledger serve` and `npm start` run).
// Neither loads ts-node: its require hook, source maps and the `domain` module it turns on cost the busy loop 3–4%,
// which users never pay. The parent sends 'cpu' (answered with the child's CPU time so far, all threads, and the time
// its main thread's event loop was busy, both µs) and 'stop'.
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const DIST = path.join(__dirname, '..', '..', 'dist', 'src');

async function serveBare() {
  const { ApolloServer } = require('@apollo/server');
  const { startStandaloneServer } = require('@apollo/server/standalone');
  const server = new ApolloServer({
    typeDefs: 'type Query { hello: String! }',
    resolvers: { Query: { hello: () => 'world' } },
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, close: () => server.stop() };
}

async function serveSeatledger(dataDir) {
  require('reflect-metadata');
  const { startSeatledger } = require(path.join(DIST, 'composition-root.js'));
  const { loadConfig } = require(path.join(DIST, 'config.js'));
  const { createLogger } = require(path.join(DIST, 'logger.js'));
  const config = loadConfig({ SEATLEDGER_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' }, dataDir);
  // Exactly what `seatledger serve` runs, reactors (licence mails) included.
  return startSeatledger({ config, logger: createLogger({ level: config.logLevel }) });
}

async function main() {
  const [kind, dataDir] = process.argv.slice(2);
  const server = kind === 'bare' ? await serveBare() : await serveSeatledger(dataDir);
  process.send({ url: server.url });
  process.on('message', async (message) => {
    if (message === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send({ cpu: user + system, loop: performance.eventLoopUtilization().active * 1000 });
    }
    if (message === 'stop') {
      await server.close();
      process.exit(0);
    }
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
