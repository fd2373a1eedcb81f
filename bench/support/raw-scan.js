// Baselines for reading the whole log, in plain JavaScript (no ts-node, so its RSS compares with the built CLI's):
//   scan   <events.db>  every row through better-sqlite3, its JSON columns touched but not parsed;
//   ndjson <events.db>  the same rows glued into export-like lines from the stored JSON text, written to /dev/null.
// Prints {events, seconds, maxRssMb} as one JSON line.
const fs = require('node:fs');
const Database = require('better-sqlite3');

const [mode, file] = process.argv.slice(2);
const db = new Database(file, { readonly: true });
const rows = db
  .prepare('SELECT position, id, stream, revision, type, data, metadata, recorded_at FROM events ORDER BY position')
  .raw();

const start = performance.now();
let events = 0;
if (mode === 'scan') {
  let chars = 0;
  for (const row of rows.iterate()) {
    chars += row[5].length + row[6].length;
    events += 1;
  }
  if (chars === 0 && events > 0) throw new Error('scan read nothing');
} else if (mode === 'ndjson') {
  const out = fs.openSync('/dev/null', 'w');
  let chunk = '';
  for (const row of rows.iterate()) {
    chunk += `{"id":${JSON.stringify(row[1])},"type":${JSON.stringify(row[4])},"stream":${JSON.stringify(row[2])},"position":"${String(row[0]).padStart(16, '0')}","revision":${row[3]},"data":${row[5]},"metadata":${row[6]},"recordedAt":"${new Date(row[7]).toISOString()}"}\n`;
    events += 1;
    if (chunk.length >= 65536) {
      fs.writeSync(out, chunk);
      chunk = '';
    }
  }
  fs.writeSync(out, chunk);
  fs.closeSync(out);
} else {
  throw new Error(`unknown mode ${mode}`);
}
const seconds = (performance.now() - start) / 1000;
db.close();
console.log(JSON.stringify({ events, seconds, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
