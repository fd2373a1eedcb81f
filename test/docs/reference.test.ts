// The reference a cloner reads keeps up with the code: every error code the code can answer is in docs/errors.md
// (with every validation rule name), and every environment variable the code reads is in docs/configuration.md.
import fs from 'node:fs';
import path from 'node:path';
import { DOMAIN_RULE } from '../../src/domain/errors';
import { VALIDATION_RULES } from '../../src/graphql/types/validators';

const root = path.resolve(__dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(file);
    return entry.name.endsWith('.ts') ? [file] : [];
  });
}

const matches = (text: string, pattern: RegExp): string[] => [...text.matchAll(pattern)].map((m) => m[1] as string);

/** `code` in backticks, as the reference writes every code and variable. */
const documented = (doc: string, name: string) => doc.includes(`\`${name}\``);

describe('docs/errors.md', () => {
  const doc = read('docs/errors.md');

  /** The codes src/graphql/errors.ts maps and answers, the ones errors carry elsewhere, and the HTTP layer's own. */
  function emittedCodes(): string[] {
    const codes = new Set(matches(read('src/graphql/errors.ts'), /'([A-Z][A-Z_]{2,})'/g));
    for (const file of sourceFiles('src')) {
      // The event catalogue quotes a code as an example of a refusal's payload; it emits none.
      if (file.startsWith(path.join('src', 'events-docs'))) continue;
      const text = read(file);
      for (const code of matches(text, /\bcode(?:\s*=|:)\s*'([A-Z][A-Z_]+)'/g)) codes.add(code);
      for (const code of matches(text, /graphqlError\([^,]+,\s*'([A-Z][A-Z_]+)'/g)) codes.add(code);
    }
    return [...codes].sort();
  }

  it('finds the codes it checks (the scan itself works)', () => {
    expect(emittedCodes()).toEqual(
      expect.arrayContaining(['NO_SEATS_AVAILABLE', 'INTERNAL_SERVER_ERROR', 'BAD_REQUEST', 'PAYLOAD_TOO_LARGE']),
    );
  });

  it('documents every code the code can answer', () => {
    expect(emittedCodes().filter((code) => !documented(doc, code))).toEqual([]);
  });

  it('documents every rule name a BAD_USER_INPUT can carry', () => {
    const rules = [...VALIDATION_RULES, DOMAIN_RULE, 'variableType'];
    // The decisions' own rule names: the third argument of `new InvalidInput(field, message, 'rule')`.
    for (const file of sourceFiles('src')) {
      for (const rule of matches(read(file), /new InvalidInput\([^;]*?,\s*'([a-z][A-Za-z]+)',?\s*\)/g))
        rules.push(rule);
    }
    expect(rules).toContain('maxReleasable');
    expect(rules.filter((rule) => !documented(doc, rule))).toEqual([]);
  });
});

describe('docs/configuration.md', () => {
  const doc = read('docs/configuration.md');

  /** `read('X')` in src/config.ts, and `process.env.X` anywhere in src. */
  function variablesRead(): string[] {
    const names = new Set(matches(read('src/config.ts'), /\bread\('([A-Z][A-Z0-9_]+)'\)/g));
    for (const file of sourceFiles('src')) {
      for (const name of matches(read(file), /process\.env(?:\.|\[')([A-Z][A-Z0-9_]+)/g)) names.add(name);
    }
    return [...names].sort();
  }

  it('finds the variables it checks (the scan itself works)', () => {
    expect(variablesRead()).toEqual(expect.arrayContaining(['PORT', 'AUTH_SECRET', 'SEATLEDGER_REACTORS']));
  });

  it('documents every variable the code reads', () => {
    expect(variablesRead().filter((name) => !documented(doc, name))).toEqual([]);
  });
});
