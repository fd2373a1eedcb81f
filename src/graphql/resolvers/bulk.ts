// The [BULK] mutations: many licences or users in one call, with a dry run. Validated input → one service call.
import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { callerOf } from '../auth';
import type { GraphQLContext } from '../context';
import { BulkLicenseInput, BulkLicensePayload, CreateUsersInput, CreateUsersPayload } from '../types/bulk';
import { DEFAULT_ROLE } from '../types/inputs';
import { itemProblems } from '../types/validators';

/** An explicit null means the same as leaving the argument out. */
const licenses = (input: BulkLicenseInput) => ({
  userIds: input.userIds,
  product: input.product,
  mode: input.mode ?? 'ALL_OR_NOTHING',
  dryRun: input.dryRun ?? false,
  idempotencyKey: input.idempotencyKey ?? null,
});

const KEY =
  ' With an `idempotencyKey`, the same call again answers its first result (IDEMPOTENCY_KEY_REUSED for another input).';

@Authorized()
@Resolver()
export class BulkMutationResolver {
  @Mutation(() => BulkLicensePayload, {
    description:
      'Assigns licences of one product to up to 1,000 users in one decision and one append; ALL_OR_NOTHING (default) or BEST_EFFORT; one mail per licence.' +
      KEY,
  })
  assignLicenses(
    @Arg('input', () => BulkLicenseInput, { description: 'The users, the product, the mode, a dry run.' })
    input: BulkLicenseInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<BulkLicensePayload> {
    return ctx.services.assignLicenses(callerOf(ctx), licenses(input));
  }

  @Mutation(() => BulkLicensePayload, {
    description: `Revokes licences of one product from up to 1,000 users in one decision and one append.${KEY}`,
  })
  revokeLicenses(
    @Arg('input', () => BulkLicenseInput, { description: 'The users, the product, the mode, a dry run, a reason.' })
    input: BulkLicenseInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<BulkLicensePayload> {
    return ctx.services.revokeLicenses(callerOf(ctx), { ...licenses(input), reason: input.reason ?? null });
  }

  @Mutation(() => CreateUsersPayload, {
    description:
      'Adds up to 1,000 users: every item checked first (e-mail, name, repeats, addresses taken: a broken one is refused on its own), then each created on its own.' +
      KEY,
  })
  createUsers(
    @Arg('input', () => CreateUsersInput, { description: 'The people, the mode, a dry run.' }) input: CreateUsersInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CreateUsersPayload> {
    return ctx.services.createUsers(callerOf(ctx), {
      // Each person against NewUserInput's rules on their own: a broken one is refused as that item.
      users: input.users.map((user) => ({
        email: user.email.trim(),
        name: user.name.trim(),
        role: user.role ?? DEFAULT_ROLE,
        problems: itemProblems(user),
      })),
      mode: input.mode ?? 'ALL_OR_NOTHING',
      dryRun: input.dryRun ?? false,
      idempotencyKey: input.idempotencyKey ?? null,
    });
  }
}
