// The [BULK] mutations: many licences or users in one call, with a dry run. Validated input → one service call.
import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { callerOf } from '../auth';
import type { GraphQLContext } from '../context';
import { BulkLicenseInput, BulkLicensePayload, CreateUsersInput, CreateUsersPayload } from '../types/bulk';
import { DEFAULT_ROLE } from '../types/inputs';

/** An explicit null means the same as leaving the argument out. */
const licenses = (input: BulkLicenseInput) => ({
  userIds: input.userIds,
  product: input.product,
  mode: input.mode ?? 'ALL_OR_NOTHING',
  dryRun: input.dryRun ?? false,
});

@Authorized()
@Resolver()
export class BulkMutationResolver {
  @Mutation(() => BulkLicensePayload, {
    description:
      'Assigns licences of one product to up to 1,000 users in one decision and one append; ALL_OR_NOTHING (default) or BEST_EFFORT; one mail per licence.',
  })
  assignLicenses(
    @Arg('input', () => BulkLicenseInput, { description: 'The users, the product, the mode, a dry run.' })
    input: BulkLicenseInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<BulkLicensePayload> {
    return ctx.services.assignLicenses(callerOf(ctx), licenses(input));
  }

  @Mutation(() => BulkLicensePayload, {
    description: 'Revokes licences of one product from up to 1,000 users in one decision and one append.',
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
      'Adds up to 1,000 users: every item checked first (e-mail, repeats, addresses taken), then each created on its own.',
  })
  createUsers(
    @Arg('input', () => CreateUsersInput, { description: 'The people, the mode, a dry run.' }) input: CreateUsersInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CreateUsersPayload> {
    return ctx.services.createUsers(callerOf(ctx), {
      users: input.users.map(({ email, name, role }) => ({
        email: email.trim(),
        name: name.trim(),
        role: role ?? DEFAULT_ROLE,
      })),
      mode: input.mode ?? 'ALL_OR_NOTHING',
      dryRun: input.dryRun ?? false,
    });
  }
}
