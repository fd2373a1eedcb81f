// Runs dependency-cruiser's API (`cruise`) with the project's layer rules over trees laid out like the project
// (src/, projections/), and prints per tree the modules cruised and the violations found, as JSON on stdout.
// A process of its own because dependency-cruiser ships as ES modules only, which jest's CommonJS runtime cannot load.
// Usage: node test/layers/cruise.mjs <config file> <tree>...
import path from 'node:path';
import { cruise } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';

const [configFile, ...trees] = process.argv.slice(2);
if (!configFile || trees.length === 0) throw new Error('usage: cruise.mjs <config file> <tree>...');

/** A package by the name it is imported as, wherever it resolved to on this machine. */
const named = (resolved) => resolved.replace(/^.*node_modules\/((@[^/]+\/)?[^/]+)\/.*$/, '$1');

const options = await extractDepcruiseOptions(path.resolve(configFile));
const results = {};
for (const tree of trees) {
  // Rule paths (^src/domain/, ^projections/) are relative to the tree, as they are to the project root in npm test.
  const { output } = await cruise(['.'], { ...options, baseDir: path.resolve(tree) });
  results[tree] = {
    modules: output.modules.filter((m) => !m.coreModule && !m.source.includes('node_modules/')).map((m) => m.source),
    violations: output.summary.violations.map(({ rule, from, to }) => ({ rule: rule.name, from, to: named(to) })),
  };
}
process.stdout.write(JSON.stringify(results));
