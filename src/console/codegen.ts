// graphql-codegen's settings for the console: typed documents (client preset) from the committed schema.graphql and
// the `graphql(...)` calls in src/console, written to src/console/gql/ and committed. test/console/codegen.test.ts
// fails when they are stale. Regenerate with `npm run console:codegen`.
import type { CodegenConfig } from '@graphql-codegen/cli';

/** Where the generated files go; the staleness test points this at a temp dir. */
const out = process.env.CONSOLE_CODEGEN_OUT ?? 'src/console/gql/';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['src/console/**/*.{ts,tsx}', '!src/console/gql/**'],
  ignoreNoDocuments: false,
  silent: true,
  generates: {
    [out]: {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        enumsAsTypes: true,
        scalars: { DateTime: 'string', ID: 'string' },
        useTypeImports: true,
      },
    },
  },
};

export default config;
