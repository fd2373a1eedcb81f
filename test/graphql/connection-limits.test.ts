// The query-cost limit sizes a connection by its page whichever way it pages: `first`, `last`, or (neither given)
// the default page the field declares in its extensions, since the schema no longer carries a default for `first`
// (a default would collide with `last`).
import { parse, validate } from 'graphql';
import { queryLimitsRule } from '../../src/graphql/limits';
import { buildSeatledgerSchema } from '../../src/graphql/schema';

/** The cost the limit measured, read from its refusal at a ceiling of 1. */
async function costOf(query: string): Promise<number> {
  const schema = await buildSeatledgerSchema();
  const limits = {
    maxDepth: 100,
    maxIntrospectionDepth: 100,
    maxCost: 1,
    maxAliases: 100,
    defaultListSize: 10,
    maxPageSize: 500,
  };
  const [refusal] = validate(schema, parse(query), [queryLimitsRule(limits)]);
  const actual = refusal?.extensions?.actual;
  if (typeof actual !== 'number') throw new Error(`no cost measured for ${query}`);
  return actual;
}

describe('query cost of connections', () => {
  it.each([
    ['users', 20],
    ['licenseHistory', 50],
    ['notifications', 20],
  ])('sizes %s without first or last by its default page (%i)', async (field, size) => {
    const implicit = await costOf(`{ ${field} { edges { node { id } } } }`);
    expect(implicit).toBe(await costOf(`{ ${field}(first: ${size}) { edges { node { id } } } }`));
    expect(implicit).toBeLessThan(await costOf(`{ ${field}(first: ${size + 1}) { edges { node { id } } } }`));
  });

  it('sizes a backward page by last, as a forward one by first', async () => {
    expect(await costOf('{ users(last: 300) { edges { node { id } } } }')).toBe(
      await costOf('{ users(first: 300) { edges { node { id } } } }'),
    );
    expect(await costOf('{ subscriptions { assignees(last: 7) { edges { node { id } } } } }')).toBe(
      await costOf('{ subscriptions { assignees(first: 7) { edges { node { id } } } } }'),
    );
  });
});
