// The committed schema.graphql is what the type-graphql classes emit, and it keeps the public contract.
import fs from 'node:fs';
import path from 'node:path';
import { buildSchema, findBreakingChanges } from 'graphql';
import { SCHEMA_FILE } from '../../src/graphql/emit-schema';
import { buildSeatledgerSchema, printSeatledgerSchema } from '../../src/graphql/schema';

// In CI and on the development machines the design docs sit beside the repository.
const CONTRACT_FILE = path.resolve(__dirname, '..', '..', '..', 'shared', 'design', 'contract.graphql');

describe('schema.graphql', () => {
  it('is what the code emits (run `npm run schema:emit` after changing a type)', async () => {
    const emitted = printSeatledgerSchema(await buildSeatledgerSchema());
    expect(fs.readFileSync(SCHEMA_FILE, 'utf8')).toBe(emitted);
  });

  (fs.existsSync(CONTRACT_FILE) ? it : it.skip)(
    'keeps the contract: no breaking change against contract.graphql',
    () => {
      const contract = buildSchema(fs.readFileSync(CONTRACT_FILE, 'utf8'));
      const committed = buildSchema(fs.readFileSync(SCHEMA_FILE, 'utf8'));
      expect(findBreakingChanges(contract, committed).map((b) => `${b.type}: ${b.description}`)).toEqual([]);
    },
  );

  it('names the contract scalar DateTime (not type-graphql’s default DateTimeISO)', async () => {
    const schema = await buildSeatledgerSchema();
    expect(schema.getType('DateTime')).toBeDefined();
    expect(schema.getType('DateTimeISO')).toBeUndefined();
  });
});
