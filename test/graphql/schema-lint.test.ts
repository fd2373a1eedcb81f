// The schema documents itself: graphql-eslint's require-description over schema.graphql, as a front-end team's
// schema linter would run it, finds nothing (every type, field, argument and enum value has a description).
import path from 'node:path';
import graphqlPlugin from '@graphql-eslint/eslint-plugin';
import { ESLint } from 'eslint';

const ROOT = path.resolve(__dirname, '..', '..');

describe('schema.graphql under graphql-eslint', () => {
  it('has a description on every type, field, argument and enum value', async () => {
    const eslint = new ESLint({
      cwd: ROOT,
      overrideConfigFile: true,
      overrideConfig: [
        {
          files: ['**/*.graphql'],
          languageOptions: {
            parser: graphqlPlugin.parser,
            parserOptions: { graphQLConfig: { schema: 'schema.graphql' } },
          },
          plugins: { '@graphql-eslint': graphqlPlugin as unknown as ESLint.Plugin },
          rules: {
            '@graphql-eslint/require-description': [
              'error',
              {
                types: true,
                rootField: true,
                FieldDefinition: true,
                InputValueDefinition: true,
                EnumValueDefinition: true,
                DirectiveDefinition: true,
              },
            ],
          },
        },
      ],
    });
    const [result] = await eslint.lintFiles(['schema.graphql']);
    expect(result?.messages.map((m) => `${m.line}: ${m.message}`)).toEqual([]);
  });
});
