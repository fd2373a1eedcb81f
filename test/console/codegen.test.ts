// The console's typed documents (src/console/gql, committed) must be what graphql-codegen makes today from
// schema.graphql and the console's `graphql(...)` calls: a schema change or a new query without
// `npm run console:codegen` fails here. Runs the same command into a temp dir and compares file by file.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir } from '../support/temp-dir';

const ROOT = path.resolve(__dirname, '../..');
const COMMITTED = path.join(ROOT, 'src/console/gql');
const CODEGEN = path.join(ROOT, 'node_modules/.bin/graphql-codegen');

describe('the console’s generated GraphQL types', () => {
  const temp = makeTempDir('seatledger-codegen-');
  const OUT = path.join(temp.dir, 'gql');
  afterAll(() => temp.cleanup());

  it('are what graphql-codegen generates from schema.graphql and the console’s documents now', () => {
    // given the generator run afresh into a temp dir, with the committed settings but that output
    const config = path.join(temp.dir, 'codegen.ts');
    fs.writeFileSync(
      config,
      `import config from ${JSON.stringify(path.join(ROOT, 'src/console/codegen'))};
const [settings] = Object.values(config.generates);
export default { ...config, generates: { ${JSON.stringify(`${OUT}/`)}: settings } };
`,
    );
    execFileSync(CODEGEN, ['--config', config], { cwd: ROOT, stdio: 'pipe', timeout: 60_000 });

    // then the same files, byte for byte
    const fresh = fs.readdirSync(OUT).sort();
    expect(fs.readdirSync(COMMITTED).sort()).toEqual(fresh);
    expect(fresh).toContain('graphql.ts');
    for (const name of fresh) {
      const committed = fs.readFileSync(path.join(COMMITTED, name), 'utf8');
      const regenerated = fs.readFileSync(path.join(OUT, name), 'utf8');
      if (committed !== regenerated) {
        throw new Error(`src/console/gql/${name} is stale: run \`npm run console:codegen\` and commit the result`);
      }
    }
  }, 90_000);
});
