// The Mutation root: validated input → one service call (command, wait for its position, read models) → payload.
// Sign-in mutations are public; every other one needs a viewer.
import { Arg, Args, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import type { LicenseRow } from '../../queries/rows';
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

/** The answer read the user's licences after the write: `user { licenses entitlements }` reads no second time. */
function primeLicenses(
  ctx: GraphQLContext,
  answer: { user: { id: string; accountId: string }; userLicenses: readonly LicenseRow[] | null },
): void {
  if (answer.userLicenses)
    ctx.loaders(answer.user.accountId).licensesByUserId.prime(answer.user.id, answer.userLicenses);
}

@Resolver()
export class SignInResolver {
  @Mutation(() => SignUpPayload, {
    description:
      'Creates an account and its owner; answers with a token for the owner (local sign-in). Anyone may call it; ' +
      'errors: EMAIL_TAKEN, BAD_USER_INPUT, RATE_LIMITED (too many passwords being hashed); not idempotent (each call opens an account).',
  })
  async signUp(
    @Arg('input', () => SignUpInput, { description: 'The account, its owner and their password.' }) input: SignUpInput,
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

  @Mutation(() => AuthPayload, {
    description:
      'Signs in with e-mail and password and starts a session. Anyone may call it; a wrong password and an unknown ' +
      'e-mail both answer UNAUTHENTICATED, repeated failures RATE_LIMITED (`retryAfterSeconds`); each success is a new session.',
  })
  login(@Args(() => LoginArgs) { email, password }: LoginArgs, @Ctx() ctx: GraphQLContext): Promise<AuthPayload> {
    return ctx.services.login(
      { requestId: ctx.requestId, clientAddress: ctx.clientAddress },
      { email: email.trim(), password },
    );
  }

  @Mutation(() => AuthPayload, {
    description:
      'Redeems the one-time activation token from the licence notification and sets the password. Anyone holding the ' +
      'token may call it; an unknown, used or expired token answers UNAUTHENTICATED, repeated failures RATE_LIMITED; not repeatable.',
  })
  activateAccount(
    @Arg('input', () => ActivateAccountInput, { description: 'The token from the mail and the password to set.' })
    input: ActivateAccountInput,
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
    description:
      'Buy More: adds quantity seats on the given plan (creates the subscription on first purchase). OWNER or ADMIN; ' +
      'errors: FORBIDDEN, NOT_FOUND (plan), PLAN_MISMATCH, BAD_USER_INPUT, IDEMPOTENCY_KEY_REUSED; idempotent only with an `idempotencyKey`.',
  })
  async purchaseLicenses(
    @Arg('input', () => PurchaseLicensesInput, { description: 'The product, plan and number of seats to buy.' })
    input: PurchaseLicensesInput,
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
    description:
      'Upgrade: moves every seat of the product to a higher-ranked plan. OWNER or ADMIN; errors: FORBIDDEN, NOT_FOUND ' +
      '(subscription, plan), NOT_AN_UPGRADE, BAD_USER_INPUT (a plan of another product); the same upgrade again answers NOT_AN_UPGRADE.' +
      ' With an `idempotencyKey`, the same call again answers its first result (IDEMPOTENCY_KEY_REUSED for another input).',
  })
  async upgradePlan(
    @Arg('input', () => UpgradePlanInput, { description: 'The product and the plan to move it to.' })
    input: UpgradePlanInput,
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
    description:
      'Gives back quantity unassigned seats of the product. OWNER or ADMIN; errors: FORBIDDEN, NOT_FOUND (subscription), ' +
      'BAD_USER_INPUT (`maxReleasable` when fewer seats are unassigned); not idempotent (each call releases more)' +
      ' unless given an `idempotencyKey`: the same call again then answers its first result.',
  })
  async releaseLicenses(
    @Arg('input', () => ReleaseLicensesInput, { description: 'The product and the number of seats to give back.' })
    input: ReleaseLicensesInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ReleaseLicensesPayload> {
    const subscription = await ctx.services.releaseLicenses(callerOf(ctx), {
      product: input.product,
      quantity: input.quantity,
      idempotencyKey: input.idempotencyKey ?? null,
    });
    return { subscription };
  }

  @Mutation(() => AssignLicensePayload, {
    description:
      'Assigns a licence of the product to a user of the account, taking a free seat, and mails them. OWNER or ADMIN; errors: ' +
      'FORBIDDEN, NOT_FOUND (user), USER_INACTIVE, NO_SEATS_AVAILABLE (`seats`), ALREADY_ASSIGNED (also for the same call again).' +
      ' With an `idempotencyKey`, the same call again answers its first result (IDEMPOTENCY_KEY_REUSED for another input).',
  })
  async assignLicense(
    @Arg('input', () => AssignLicenseInput, { description: 'The user and the product.' }) input: AssignLicenseInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<AssignLicensePayload> {
    const answer = await ctx.services.assignLicense(callerOf(ctx), {
      userId: input.userId,
      product: input.product,
      idempotencyKey: input.idempotencyKey ?? null,
    });
    primeLicenses(ctx, answer);
    return answer;
  }

  @Mutation(() => RevokeLicensePayload, {
    description:
      "Revokes a user's licence of the product, freeing its seat, and mails them. OWNER or ADMIN; errors: FORBIDDEN, " +
      'NOT_FOUND (user), NOT_ASSIGNED (also for the same call again).' +
      ' With an `idempotencyKey`, the same call again answers its first result (IDEMPOTENCY_KEY_REUSED for another input).',
  })
  async revokeLicense(
    @Arg('input', () => RevokeLicenseInput, { description: 'The user, the product and an optional reason.' })
    input: RevokeLicenseInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RevokeLicensePayload> {
    const answer = await ctx.services.revokeLicense(callerOf(ctx), {
      userId: input.userId,
      product: input.product,
      reason: input.reason ?? null,
      idempotencyKey: input.idempotencyKey ?? null,
    });
    primeLicenses(ctx, answer);
    return answer;
  }
}

@Authorized()
@Resolver()
export class UserMutationResolver {
  @Mutation(() => CreateUserPayload, {
    description:
      'Add New User. OWNER or ADMIN (only an OWNER adds an ADMIN); the user sets a password from their first licence ' +
      'mail (activateAccount); errors: FORBIDDEN, EMAIL_TAKEN (also for the same call again), BAD_USER_INPUT.' +
      ' With an `idempotencyKey`, the same call again answers its first result (IDEMPOTENCY_KEY_REUSED for another input).',
  })
  async createUser(
    @Arg('input', () => CreateUserInput, { description: 'Their e-mail, name and role.' }) input: CreateUserInput,
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

  @Mutation(() => ChangeUserRolePayload, {
    description:
      'Makes a user of the account OWNER, ADMIN or MEMBER. Only the OWNER; errors: FORBIDDEN (also for making an OWNER ' +
      "or changing the OWNER's role), NOT_FOUND (user); idempotent (the same role again changes nothing).",
  })
  async changeUserRole(
    @Arg('input', () => ChangeUserRoleInput, { description: 'The user and their new role.' })
    input: ChangeUserRoleInput,
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
      'Deactivates a user of the account; answers once their licences are revoked and the seats freed (or COMMITTED_NOT_YET_VISIBLE when the revocations are not visible in time). ' +
      'OWNER or ADMIN (only the OWNER deactivates an ADMIN; nobody the OWNER or themselves: FORBIDDEN); NOT_FOUND (user); idempotent.',
  })
  deactivateUser(
    @Arg('input', () => DeactivateUserInput, { description: 'The user to deactivate.' }) input: DeactivateUserInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<DeactivateUserPayload> {
    return ctx.services.deactivateUser(callerOf(ctx), {
      userId: input.userId,
      idempotencyKey: input.idempotencyKey ?? null,
    });
  }
}
