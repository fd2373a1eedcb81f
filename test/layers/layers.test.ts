// The layer rules bite: dependency-cruiser's API, run with the project's own .dependency-cruiser.cjs over small trees
// laid out like the project (test/layers/fixtures/<tree>/src, /projections), finds exactly the one deliberate
// violation each tree holds, and nothing in a tree of every import the layers allow. `npm run lint:layers` runs the
// same rules over the real tree.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '../..');
const FIXTURES = 'test/layers/fixtures';

interface Violation {
  readonly rule: string;
  readonly from: string;
  readonly to: string;
}

interface Cruised {
  readonly modules: readonly string[];
  readonly violations: readonly Violation[];
}

/** One deliberate violation per rule: the tree is named after the rule it breaks. */
const deliberate: Record<string, Violation> = {
  'domain-imports-only-domain': {
    rule: 'domain-imports-only-domain',
    from: 'src/domain/subscription.ts',
    to: 'crypto',
  },
  'application-no-graphql': { rule: 'application-no-graphql', from: 'src/application/errors.ts', to: 'graphql' },
  'application-no-http': { rule: 'application-no-http', from: 'src/application/handle-command.ts', to: 'http' },
  'application-no-store-driver': {
    rule: 'application-no-store-driver',
    from: 'src/application/handle-command.ts',
    to: 'src/eventstore/sqlite/index.ts',
  },
  'graphql-no-store-adapter': {
    rule: 'graphql-no-store-adapter',
    from: 'src/graphql/context.ts',
    to: 'src/eventstore/open.ts',
  },
  'graphql-no-sqlite': { rule: 'graphql-no-sqlite', from: 'src/graphql/services.ts', to: 'better-sqlite3' },
  'graphql-no-projection-internals': {
    rule: 'graphql-no-projection-internals',
    from: 'src/graphql/resolvers.ts',
    to: 'projections/users/queries.ts',
  },
  'projections-no-graphql': { rule: 'projections-no-graphql', from: 'projections/users/index.ts', to: 'graphql' },
  'projections-issue-no-commands': {
    rule: 'projections-issue-no-commands',
    from: 'projections/users/index.ts',
    to: 'src/application/handle-command.ts',
  },
};

const filesUnder = (dir: string): string[] =>
  fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.split(path.sep).join('/'))
    .sort();

let cruised: Record<string, Cruised>;

beforeAll(async () => {
  // One process cruises every tree: starting dependency-cruiser costs about a second.
  const trees = fs.readdirSync(path.join(ROOT, FIXTURES)).map((tree) => `${FIXTURES}/${tree}`);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['test/layers/cruise.mjs', '.dependency-cruiser.cjs', ...trees],
    { cwd: ROOT },
  );
  cruised = JSON.parse(stdout);
}, 60_000);

describe('layer rules (.dependency-cruiser.cjs)', () => {
  it('has one fixture tree per rule of the config, and no tree for a rule it lacks', () => {
    const config: { forbidden: { name: string }[] } = require(path.join(ROOT, '.dependency-cruiser.cjs'));
    const rules = config.forbidden.map((rule) => rule.name).sort();
    expect(rules).toEqual(Object.keys(deliberate).sort());
    expect(Object.keys(cruised).sort()).toEqual(
      [...rules.map((rule) => `${FIXTURES}/${rule}`), `${FIXTURES}/clean`].sort(),
    );
  });

  it.each(Object.entries(deliberate))(
    'given a tree breaking %s, when cruised, then exactly that violation',
    (tree, violation) => {
      expect(cruised[`${FIXTURES}/${tree}`]?.violations).toEqual([violation]);
    },
  );

  it('given a tree of every import the layers allow, when cruised, then every file is read and none violates', () => {
    const clean = cruised[`${FIXTURES}/clean`];
    expect([...(clean?.modules ?? [])].sort()).toEqual(filesUnder(path.join(ROOT, FIXTURES, 'clean')));
    expect(clean?.violations).toEqual([]);
  });
});
