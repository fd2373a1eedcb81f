// Local sign-in for the embedded default: sign up, log in with e-mail and password, redeem an activation link;
// and, for every request, turning a bearer token into the viewer our own records say it is. Guesses are throttled
// (throttle.ts) before any hashing, and a refusal costs the same work whether the e-mail or user id exists or not.

import { randomUUID } from 'node:crypto';
import { parseActivationToken } from '../application/activation-token';
import type { Application, Written } from '../application/application';
import type { CredentialsApplication } from '../application/credentials';
import { parseInvitationToken } from '../application/invitation-token';
import type { Actor } from '../domain/decider';
import { InvalidInput } from '../domain/errors';
import { normalizeEmail } from '../domain/user';
import { MIN_PASSWORD_LENGTH, type PasswordHasher } from './passwords';
import type { IssuedSession, Sessions } from './sessions';
import type { Throttle } from './throttle';
import type { TokenVerifier } from './tokens';

/** Wrong e-mail, wrong password, unknown or used token: one answer, so nothing leaks about which. */
class Unauthenticated extends Error {
  readonly code = 'UNAUTHENTICATED';
  constructor(message = 'not signed in') {
    super(message);
    this.name = 'Unauthenticated';
  }
}

export type Viewer = Actor;

/** Where an anonymous attempt comes from: the client address throttling counts (null when none is known). */
export interface AttemptSource {
  readonly clientAddress: string | null;
}

export interface SignedIn {
  /** The session the sign-in started: access token, its expiry, refresh token. */
  readonly session: IssuedSession;
  readonly userId: string;
  /** Where the sign-in wrote something: the position to wait for before answering from read models. */
  readonly position?: Written['position'];
}

export interface SignIn {
  signUp(
    request: { correlationId: string },
    input: { accountName: string; ownerName: string; ownerEmail: string; password: string },
  ): Promise<SignedIn & { accountId: string }>;
  /** Throws RateLimited while the e-mail or the address is throttled, the right password included. */
  login(email: string, password: string, source: AttemptSource): Promise<SignedIn>;
  /** Throws RateLimited while the token's user or the address is throttled, the right token included. */
  activateAccount(
    request: { correlationId: string } & AttemptSource,
    input: { token: string; password: string },
  ): Promise<SignedIn>;
  /**
   * Accepts an invitation with its link's token and a new password: its held seats become licences, the user
   * ACTIVE and signed in. Throws RateLimited while the invitation or the address is throttled, the right token
   * included; the token is checked before the password is hashed.
   */
  acceptInvitation(
    request: { correlationId: string } & AttemptSource,
    input: { token: string; password: string },
  ): Promise<SignedIn>;
  /** The viewer a bearer token stands for, from our own user records; null for any bad token or inactive user. */
  resolveViewer(token: string | undefined): Promise<Viewer | null>;
}

export function createSignIn(deps: {
  app: Application;
  credentials: CredentialsApplication;
  /** Absent with an OpenID Connect provider: then signUp/login/activateAccount are not offered. */
  issuer?: Pick<Sessions, 'start'>;
  verifier: TokenVerifier;
  /** Bounded hashing (hash-queue.ts). */
  passwords: PasswordHasher;
  /** Guesses at passwords, per e-mail and per address. */
  loginThrottle: Throttle;
  /** Guesses at activation tokens, per pending user and per address. */
  activationThrottle: Throttle;
  /** Guesses at invitation tokens, per invitation and per address. */
  invitationThrottle: Throttle;
}): SignIn {
  const { app, credentials, verifier, passwords } = deps;

  const localIssuer = () => {
    if (!deps.issuer) throw new Unauthenticated('local sign-in is disabled: sign in with your identity provider');
    return deps.issuer;
  };
  const issue = (viewer: Viewer, correlationId: string = randomUUID()) => localIssuer().start(viewer, correlationId);

  const checkPassword = (password: string) => {
    if (password.length < MIN_PASSWORD_LENGTH)
      throw new InvalidInput('password', `must be at least ${MIN_PASSWORD_LENGTH} characters`, 'minLength');
  };

  const viewerOf = async (userId: string): Promise<Viewer | null> => {
    const user = await app.loadUser(userId);
    if (user.status !== 'active') return null;
    return { userId: user.userId, accountId: user.accountId, role: user.role };
  };

  return {
    async signUp(request, input) {
      checkPassword(input.password);
      localIssuer();
      const passwordHash = await passwords.hash(input.password);
      const opened = await app.openAccount(request, input);
      const ctx = {
        actor: { userId: opened.ownerUserId, accountId: opened.accountId, role: 'OWNER' as const },
        correlationId: request.correlationId,
      };
      const written = await credentials.setPassword(ctx, { userId: opened.ownerUserId, passwordHash });
      return {
        session: await issue(ctx.actor, request.correlationId),
        userId: opened.ownerUserId,
        accountId: opened.accountId,
        // The credentials event is written after the account's: its position covers both.
        position: written.position,
      };
    },

    async login(email, password, source) {
      // Keyed by the e-mail as typed (normalised), known or not: the throttle must not tell which exist either.
      const attempt = deps.loginThrottle.begin(normalizeEmail(email), source.clientAddress);
      try {
        const found = await app.findUserByEmail(email);
        const state = found ? await credentials.load(found.userId) : undefined;
        // No account or no password yet: verified against a dummy all the same, so the answer takes as long.
        const ok = await passwords.verify(password, state?.status === 'password' ? state.passwordHash : undefined);
        const viewer = ok && found ? await viewerOf(found.userId) : null;
        if (!viewer) {
          attempt.failed();
          throw new Unauthenticated('wrong e-mail or password');
        }
        attempt.succeeded();
        return { session: await issue(viewer), userId: viewer.userId };
      } finally {
        attempt.release();
      }
    },

    async activateAccount(request, input) {
      const parsed = parseActivationToken(input.token);
      // A token of no shape we issue names nobody: only its address is checked.
      const attempt = deps.activationThrottle.begin(parsed?.userId ?? null, request.clientAddress);
      try {
        const viewer = parsed ? await viewerOf(parsed.userId) : null;
        const ctx = viewer ? { actor: viewer, correlationId: request.correlationId } : null;
        // The token before the hash: a wrong one is refused in the time of a read, pending user or unknown id alike.
        const valid =
          parsed && ctx
            ? await credentials.activationRedeemable(ctx, { userId: parsed.userId, tokenHash: parsed.tokenHash })
            : false;
        if (!parsed || !ctx || !valid) {
          // A token of no shape we issue is no guess at one (nothing was looked up): refused, but not counted.
          if (parsed) attempt.failed();
          throw new Unauthenticated('this activation link is invalid, used or expired');
        }
        checkPassword(input.password);
        const passwordHash = await passwords.hash(input.password);
        const written = await credentials.redeemActivation(ctx, {
          userId: ctx.actor.userId,
          tokenHash: parsed.tokenHash,
          passwordHash,
        });
        attempt.succeeded();
        return {
          session: await issue(ctx.actor, request.correlationId),
          userId: ctx.actor.userId,
          position: written.position,
        };
      } finally {
        attempt.release();
      }
    },

    async acceptInvitation(request, input) {
      const parsed = parseInvitationToken(input.token);
      // A token of no shape we issue names no invitation: only its address is checked, and it is not counted.
      const attempt = deps.invitationThrottle.begin(parsed?.invitationId ?? null, request.clientAddress);
      try {
        localIssuer();
        // The application checks the token before it calls back for the hash: reaching it means the link was right.
        let tokenAccepted = false;
        let accepted: Awaited<ReturnType<Application['invitations']['acceptInvitation']>>;
        try {
          accepted = await app.invitations.acceptInvitation(request, input, async (password) => {
            tokenAccepted = true;
            checkPassword(password);
            return passwords.hash(password);
          });
        } catch (error) {
          // A wrong, spent or lapsed link is a guess to count; a refused password or a busy hasher is not.
          if (parsed && !tokenAccepted) attempt.failed();
          throw error;
        }
        attempt.succeeded();
        const viewer = await viewerOf(accepted.userId);
        if (!viewer) throw new Unauthenticated('this invitation no longer applies');
        return {
          session: await issue(viewer, request.correlationId),
          userId: accepted.userId,
          position: accepted.position,
        };
      } finally {
        attempt.release();
      }
    },

    async resolveViewer(token) {
      if (!token) return null;
      const subject = await verifier.verify(token);
      if (!subject) return null;
      if (subject.userId) {
        const viewer = await viewerOf(subject.userId);
        if (viewer) return viewer;
      }
      // An OpenID Connect subject is the provider's id, not ours: find our user by the verified e-mail.
      if (subject.email) {
        const found = await app.findUserByEmail(subject.email);
        if (found) return viewerOf(found.userId);
      }
      return null;
    },
  };
}
