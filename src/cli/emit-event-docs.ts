// `npm run events:docs`: writes docs/events/ (one JSON Schema per event type and version, and the catalogue)
// from the event registry. test/events/schemas.test.ts fails when the committed files differ from this output.
import fs from 'node:fs';
import path from 'node:path';
import { renderEventDocs } from '../events-docs/catalogue';

// Run from the sources (ts-node), never from dist/.
const dir = path.join(__dirname, '..', '..', 'docs', 'events');
fs.mkdirSync(dir, { recursive: true });
const files = renderEventDocs();
// Schemas of versions no longer in the registry would mislead: the folder holds exactly what the code says.
for (const name of fs.readdirSync(dir)) {
  if ((name.endsWith('.json') || name === 'README.md') && !files.has(name)) fs.rmSync(path.join(dir, name));
}
for (const [name, content] of files) fs.writeFileSync(path.join(dir, name), content);
process.stdout.write(`wrote ${files.size} files to ${path.relative(process.cwd(), dir) || '.'}\n`);
