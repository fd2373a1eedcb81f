// graphql-codegen's settings for the console: typed documents (client preset) from the committed schema.graphql and
// the `graphql(...)` calls in src/console, written to src/console/gql/ and committed. test/console/codegen.test.ts
// fails when they are stale (it runs these settings into a temp dir). Regenerate with `npm run console:codegen`.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['src/console/**/*.{ts,tsx}', '!src/console/gql/**'],
  ignoreNoDocuments: false,
  silent: true,
  generates: {
    'src/console/gql/': {
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
