// Local sign-in for the embedded default: sign up, log in with e-mail and password, redeem an activation link;
// and, for every request, turning a bearer token into the viewer our own records say it is.

import { randomUUID } from 'node:crypto';
import { parseActivationToken } from '../application/activation-token';
import type { Application, Written } from '../application/application';
import type { CredentialsApplication } from '../application/credentials';
import type { Actor } from '../domain/decider';
import { InvalidInput } from '../domain/errors';
import { hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './passwords';
import type { IssuedSession, Sessions } from './sessions';
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
  login(email: string, password: string): Promise<SignedIn>;
  activateAccount(request: { correlationId: string }, input: { token: string; password: string }): Promise<SignedIn>;
  /** The viewer a bearer token stands for, from our own user records; null for any bad token or inactive user. */
  resolveViewer(token: string | undefined): Promise<Viewer | null>;
}

export function createSignIn(deps: {
  app: Application;
  credentials: CredentialsApplication;
  /** Absent with an OpenID Connect provider: then signUp/login/activateAccount are not offered. */
  issuer?: Pick<Sessions, 'start'>;
  verifier: TokenVerifier;
}): SignIn {
  const { app, credentials, verifier } = deps;

  const localIssuer = () => {
    if (!deps.issuer) throw new Unauthenticated('local sign-in is disabled: sign in with your identity provider');
    return deps.issuer;
  };
  const issue = (viewer: Viewer, correlationId: string = randomUUID()) => localIssuer().start(viewer, correlationId);

  const checkPassword = (password: string) => {
    if (password.length < MIN_PASSWORD_LENGTH)
      throw new InvalidInput('password', `must be at least ${MIN_PASSWORD_LENGTH} characters`);
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
      const passwordHash = await hashPassword(input.password);
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

    async login(email, password) {
      const found = await app.findUserByEmail(email);
      const state = found ? await credentials.load(found.userId) : undefined;
      const ok = state?.status === 'password' && (await verifyPassword(password, state.passwordHash));
      const viewer = ok && found ? await viewerOf(found.userId) : null;
      if (!viewer) throw new Unauthenticated('wrong e-mail or password');
      return { session: await issue(viewer), userId: viewer.userId };
    },

    async activateAccount(request, input) {
      const parsed = parseActivationToken(input.token);
      const viewer = parsed ? await viewerOf(parsed.userId) : null;
      if (!parsed || !viewer) throw new Unauthenticated('this activation link is invalid, used or expired');
      checkPassword(input.password);
      const passwordHash = await hashPassword(input.password);
      const written = await credentials.redeemActivation(
        { actor: viewer, correlationId: request.correlationId },
        { userId: viewer.userId, tokenHash: parsed.tokenHash, passwordHash },
      );
      return { session: await issue(viewer, request.correlationId), userId: viewer.userId, position: written.position };
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
