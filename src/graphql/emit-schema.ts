// `npm run schema:emit`: writes schema.graphql at the top level from the type-graphql classes (committed; a test
// fails when it differs from what the code emits).
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { buildSeatledgerSchema, printSeatledgerSchema } from './schema';

export const SCHEMA_FILE = path.resolve(__dirname, '..', '..', 'schema.graphql');

async function emit(): Promise<void> {
  const schema = await buildSeatledgerSchema();
  fs.writeFileSync(SCHEMA_FILE, printSeatledgerSchema(schema));
  process.stdout.write(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}\n`);
}

if (require.main === module) {
  emit().catch((error: unknown) => {
    process.stderr.write(`schema:emit failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
