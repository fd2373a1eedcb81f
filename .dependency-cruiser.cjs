// The layer rules of docs' architecture (which folder may import what), enforced by `npm run lint:layers` in `npm test`.
// test/layers/layers.test.ts proves that each rule fails on a deliberate violation and that allowed imports pass.
// Paths are relative to the folder cruised from; a package is matched wherever it resolves (`node_modules/<name>/`),
// or by its bare name where it does not resolve, so a rule cannot be dodged by a missing install.

/** A pattern for imports of the npm packages named (regular-expression fragments). */
const packages = (...names) => `(^|/)node_modules/(${names.join('|')})/|^(${names.join('|')})(/|$)`;
/** A pattern for imports of the node built-ins named, with or without `node:`. */
const builtins = (...names) => `^(node:)?(${names.join('|')})$`;

const graphql = [
  packages('graphql', 'graphql-ws', 'graphql-scalars', 'type-graphql', '@apollo/[^/]+'),
  '^src/graphql/',
];
const http = [packages('ws'), builtins('http', 'https', 'http2'), '^src/http/', '^src/server\\.ts$'];
const sqliteDriver = packages('better-sqlite3');
const eventStoreDbClient = packages('@eventstore/[^/]+');
const storeAdapters = ['^src/eventstore/sqlite/', '^src/eventstore/eventstoredb/', '^src/eventstore/open\\.ts$'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-imports-only-domain',
      comment: 'The domain is pure: no I/O, no clock, no packages, not even node built-ins. It imports only itself.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { pathNot: '^src/domain/' },
    },
    {
      name: 'application-no-graphql',
      comment: 'Commands know nothing of the GraphQL layer that maps to them.',
      severity: 'error',
      from: { path: '^src/application/' },
      to: { path: graphql },
    },
    {
      name: 'application-no-http',
      comment: 'Commands know nothing of HTTP or WebSocket transports.',
      severity: 'error',
      from: { path: '^src/application/' },
      to: { path: http },
    },
    {
      name: 'application-no-store-driver',
      comment: 'The application talks to the log through the EventStore port only: no driver, no client, no adapter.',
      severity: 'error',
      from: { path: '^src/application/' },
      to: { path: [sqliteDriver, eventStoreDbClient, ...storeAdapters] },
    },
    {
      name: 'graphql-no-store-adapter',
      comment: 'GraphQL maps to application commands and queries; the log is opened by the composition root.',
      severity: 'error',
      from: { path: '^src/graphql/' },
      to: { path: [eventStoreDbClient, ...storeAdapters] },
    },
    {
      name: 'graphql-no-sqlite',
      comment: 'Read-model handles belong to the query service (src/queries), not to GraphQL.',
      severity: 'error',
      from: { path: '^src/graphql/' },
      to: { path: sqliteDriver },
    },
    {
      name: 'graphql-no-projection-internals',
      comment: 'GraphQL reads through the query service, never a projection module.',
      severity: 'error',
      from: { path: '^src/graphql/' },
      to: { path: '^projections/' },
    },
    {
      name: 'projections-no-graphql',
      comment: 'A read model is data plus handlers; how it is served is not its business.',
      severity: 'error',
      from: { path: '^projections/' },
      to: { path: graphql },
    },
    {
      name: 'projections-issue-no-commands',
      comment: 'A projection folds the log; it never writes to it (reactors do, through the application).',
      severity: 'error',
      from: { path: '^projections/' },
      to: { path: '^src/application/' },
    },
  ],
  options: {
    // Type-only imports count: a layer that names another's types depends on it all the same.
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    // Read the whole path, so `node_modules/<package>/` matches in the rules above.
    combinedDependencies: false,
  },
};
