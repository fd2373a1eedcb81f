// The Mutation root: validated input → one service call (command, wait for its position, read models) → payload.
// Sign-in mutations are public; every other one needs a viewer.
import { Arg, Args, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { callerOf } from '../auth';
import type { GraphQLContext } from '../context';
import {
  ActivateAccountInput,
  AssignLicenseInput,
  ChangeUserRoleInput,
  CreateUserInput,
  DEFAULT_ROLE,
  DeactivateUserInput,
  LoginArgs,
  PurchaseLicensesInput,
  ReleaseLicensesInput,
  RevokeLicenseInput,
  SignUpInput,
  UpgradePlanInput,
} from '../types/inputs';
import {
  AssignLicensePayload,
  AuthPayload,
  ChangeUserRolePayload,
  CreateUserPayload,
  DeactivateUserPayload,
  PurchaseLicensesPayload,
  ReleaseLicensesPayload,
  RevokeLicensePayload,
  SignUpPayload,
  UpgradePlanPayload,
} from '../types/payloads';

@Resolver()
export class SignInResolver {
  @Mutation(() => SignUpPayload, {
    description: 'Creates an account and its owner; answers with a token for the owner (local sign-in).',
  })
  async signUp(
    @Arg('input', () => SignUpInput) input: SignUpInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SignUpPayload> {
    const { token, expiresAt, refreshToken, account, user } = await ctx.services.signUp(
      { requestId: ctx.requestId, clientAddress: ctx.clientAddress },
      {
        accountName: input.accountName.trim(),
        ownerName: input.ownerName.trim(),
        ownerEmail: input.ownerEmail.trim(),
        password: input.password,
      },
    );
    return { token, expiresAt, refreshToken, account, owner: user };
  }

  @Mutation(() => AuthPayload)
  login(@Args(() => LoginArgs) { email, password }: LoginArgs, @Ctx() ctx: GraphQLContext): Promise<AuthPayload> {
    return ctx.services.login(
      { requestId: ctx.requestId, clientAddress: ctx.clientAddress },
      { email: email.trim(), password },
    );
  }

  @Mutation(() => AuthPayload, {
    description: 'Redeems the one-time activation token from the licence notification and sets the password.',
  })
  activateAccount(
    @Arg('input', () => ActivateAccountInput) input: ActivateAccountInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<AuthPayload> {
    return ctx.services.activateAccount(
      { requestId: ctx.requestId, clientAddress: ctx.clientAddress },
      { token: input.token, password: input.password },
    );
  }
}

@Authorized()
@Resolver()
export class LicenseMutationResolver {
  @Mutation(() => PurchaseLicensesPayload, {
    description: 'Buy More: adds quantity seats on the given plan (creates the subscription on first purchase).',
  })
  async purchaseLicenses(
    @Arg('input', () => PurchaseLicensesInput) input: PurchaseLicensesInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<PurchaseLicensesPayload> {
    const subscription = await ctx.services.purchaseLicenses(callerOf(ctx), {
      product: input.product,
      planId: input.plan,
      quantity: input.quantity,
      idempotencyKey: input.idempotencyKey ?? null,
    });
    return { subscription };
  }

  @Mutation(() => UpgradePlanPayload, {
    description: 'Upgrade: moves every seat of the product to a higher-ranked plan.',
  })
  async upgradePlan(
    @Arg('input', () => UpgradePlanInput) input: UpgradePlanInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<UpgradePlanPayload> {
    const subscription = await ctx.services.upgradePlan(callerOf(ctx), {
      product: input.product,
      planId: input.plan,
      idempotencyKey: input.idempotencyKey ?? null,
    });
    return { subscription };
  }

  @Mutation(() => ReleaseLicensesPayload, {
    description: 'Gives back quantity unassigned seats of the product.',
  })
  async releaseLicenses(
    @Arg('input', () => ReleaseLicensesInput) input: ReleaseLicensesInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ReleaseLicensesPayload> {
    const subscription = await ctx.services.releaseLicenses(callerOf(ctx), {
      product: input.product,
      quantity: input.quantity,
      idempotencyKey: input.idempotencyKey ?? null,
    });
    return { subscription };
  }

  @Mutation(() => AssignLicensePayload)
  assignLicense(
    @Arg('input', () => AssignLicenseInput) input: AssignLicenseInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<AssignLicensePayload> {
    return ctx.services.assignLicense(callerOf(ctx), {
      userId: input.userId,
      product: input.product,
      idempotencyKey: input.idempotencyKey ?? null,
    });
  }

  @Mutation(() => RevokeLicensePayload)
  revokeLicense(
    @Arg('input', () => RevokeLicenseInput) input: RevokeLicenseInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RevokeLicensePayload> {
    return ctx.services.revokeLicense(callerOf(ctx), {
      userId: input.userId,
      product: input.product,
      reason: input.reason ?? null,
      idempotencyKey: input.idempotencyKey ?? null,
    });
  }
}

@Authorized()
@Resolver()
export class UserMutationResolver {
  @Mutation(() => CreateUserPayload, { description: 'Add New User.' })
  async createUser(
    @Arg('input', () => CreateUserInput) input: CreateUserInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CreateUserPayload> {
    const user = await ctx.services.createUser(callerOf(ctx), {
      email: input.email.trim(),
      name: input.name.trim(),
      // An explicit null means the same as leaving the role out.
      role: input.role ?? DEFAULT_ROLE,
      idempotencyKey: input.idempotencyKey ?? null,
    });
    return { user };
  }

  @Mutation(() => ChangeUserRolePayload, { description: 'Makes a user of the account OWNER, ADMIN or MEMBER.' })
  async changeUserRole(
    @Arg('input', () => ChangeUserRoleInput) input: ChangeUserRoleInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ChangeUserRolePayload> {
    const user = await ctx.services.changeUserRole(callerOf(ctx), {
      userId: input.userId,
      role: input.role,
      idempotencyKey: input.idempotencyKey ?? null,
    });
    return { user };
  }

  @Mutation(() => DeactivateUserPayload, {
    description:
      'Deactivates a user of the account; answers once their licences are revoked and the seats freed (or COMMITTED_NOT_YET_VISIBLE when the revocations are not visible in time).',
  })
  deactivateUser(
    @Arg('input', () => DeactivateUserInput) input: DeactivateUserInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<DeactivateUserPayload> {
    return ctx.services.deactivateUser(callerOf(ctx), {
      userId: input.userId,
      idempotencyKey: input.idempotencyKey ?? null,
    });
  }
}
