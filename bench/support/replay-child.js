// The two measurements of `bench:replay`, each in a child process of its own (its peak RSS is its own), in plain
// JavaScript like production: the rebuild runs the built dist/ (what `seatledger serve` runs at start-up), not
// ts-node, whose require hook and source maps the server never pays for.
//   raw     <events.db>                  the baseline: every row of the log read in order, its two JSON columns parsed;
//   rebuild <events.db> <dir>            the log consumer, as the composition root builds it, catching up with every
//                                        projection (and the command handler's watch beside them) on empty read-model
//                                        files in <dir>: readmodels.db on this thread, history.db in a worker thread.
// Prints {events, seconds, maxRssMb} as one JSON line.
const path = require('node:path');
const Database = require('better-sqlite3');

const DIST = path.join(__dirname, '..', '..', 'dist');
const rssMb = () => process.resourceUsage().maxRSS / 1024;

function raw(eventsFile) {
  const db = new Database(eventsFile, { readonly: true });
  const start = performance.now();
  let events = 0;
  let check = 0;
  for (const row of db.prepare('SELECT * FROM events ORDER BY position').iterate()) {
    const data = JSON.parse(row.data);
    const metadata = JSON.parse(row.metadata);
    if (data && metadata) check += 1;
    events += 1;
  }
  const seconds = (performance.now() - start) / 1000;
  db.close();
  if (check !== events) throw new Error('scan lost rows');
  return { events, seconds, maxRssMb: rssMb() };
}

async function rebuild(eventsFile, dir) {
  const { readModelsFile, historyFile } = require(path.join(DIST, 'projections'));
  const { LogWatch } = require(path.join(DIST, 'src', 'application', 'log-watch'));
  const { eventsBetween, openSqliteEventStore } = require(path.join(DIST, 'src', 'eventstore', 'sqlite'));
  const { LogConsumer } = require(path.join(DIST, 'src', 'processing', 'log-consumer'));
  const { readModelsProcessor } = require(path.join(DIST, 'src', 'projection-runtime', 'read-models-processor'));
  const store = openSqliteEventStore({ file: eventsFile, readonly: true });
  const consumer = new LogConsumer({ store });
  const lane = (file, rebuildAlone) =>
    readModelsProcessor({
      name: file.processor,
      file: path.join(dir, file.file),
      projections: file.projections,
      ...(rebuildAlone ? { rebuildAlone: { eventsFile, eventsBetween } } : {}),
    });
  const readModels = lane(readModelsFile, false);
  const history = lane(historyFile, true);
  void consumer.add(new LogWatch());
  void consumer.add(readModels);
  void consumer.add(history);
  let events = 0;
  readModels.onApplied((batch) => {
    events += batch.length;
  });
  const start = performance.now();
  await consumer.start();
  const seconds = (performance.now() - start) / 1000;
  await consumer.stop();
  readModels.close();
  history.close();
  await store.close();
  return { events, seconds, maxRssMb: rssMb() };
}

async function main() {
  const [mode, ...files] = process.argv.slice(2);
  const measured = mode === 'raw' ? raw(files[0]) : await rebuild(files[0], files[1]);
  console.log(JSON.stringify(measured));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
