// The credentials stream `credentials-<userId>`: a password hash or a pending activation, never a plaintext secret.
// The store keeps only the latest event of these streams, so every event carries the whole state.
import { assertNever, type Command, type Decider, type Event } from './decider';

/**
 * A one-time activation link was issued; only the SHA-256 of its token is kept. Supersedes any earlier link.
 * `deliveryId`: the mail delivery the token was derived for (src/application/activation-token.ts), so that a later
 * mail can carry the same link instead of killing the one already in the user's mailbox. Absent in older events.
 */
export type ActivationIssued = Event<
  'ActivationIssued',
  { userId: string; tokenHash: string; expiresAt: string; deliveryId?: string }
>;
/** The user has a password (set at sign-up, or by redeeming an activation link). */
export type PasswordSet = Event<'PasswordSet', { userId: string; passwordHash: string }>;
export type CredentialsEvent = ActivationIssued | PasswordSet;

export type IssueActivation = Command<
  'IssueActivation',
  { userId: string; tokenHash: string; expiresAt: string; deliveryId?: string }
>;
export type SetPassword = Command<'SetPassword', { userId: string; passwordHash: string }>;
export type RedeemActivation = Command<'RedeemActivation', { userId: string; tokenHash: string; passwordHash: string }>;
/** The actor of these commands is the user themself (sign-up, activation) or the reactor acting for an assigner. */
export type CredentialsCommand = IssueActivation | SetPassword | RedeemActivation;

export type CredentialsState =
  | { readonly status: 'none' }
  | {
      readonly status: 'pendingActivation';
      readonly tokenHash: string;
      readonly expiresAt: string;
      readonly deliveryId?: string;
    }
  | { readonly status: 'password'; readonly passwordHash: string };

/** An activation token that is unknown, used, superseded or expired. Says nothing about which. */
class ActivationRefused extends Error {
  readonly code = 'UNAUTHENTICATED';
  constructor() {
    super('this activation link is invalid, used or expired');
    this.name = 'ActivationRefused';
  }
}

export const credentialsDecider: Decider<CredentialsState, CredentialsCommand, CredentialsEvent> = {
  initialState: () => ({ status: 'none' }),

  decide(command, state) {
    switch (command.type) {
      case 'IssueActivation':
        // Once a user has signed in with a password, a new licence mail carries no link.
        if (state.status === 'password') return [];
        return [{ type: 'ActivationIssued', data: command.data }];
      case 'SetPassword':
        return [{ type: 'PasswordSet', data: command.data }];
      case 'RedeemActivation': {
        const { userId, tokenHash, passwordHash } = command.data;
        if (
          state.status !== 'pendingActivation' ||
          state.tokenHash !== tokenHash ||
          Date.parse(state.expiresAt) <= command.metadata.now.getTime()
        ) {
          throw new ActivationRefused();
        }
        return [{ type: 'PasswordSet', data: { userId, passwordHash } }];
      }
      default:
        return assertNever(command);
    }
  },

  evolve(_state, event) {
    switch (event.type) {
      case 'ActivationIssued': {
        const { tokenHash, expiresAt, deliveryId } = event.data;
        return { status: 'pendingActivation', tokenHash, expiresAt, ...(deliveryId ? { deliveryId } : {}) };
      }
      case 'PasswordSet':
        return { status: 'password', passwordHash: event.data.passwordHash };
      default:
        return assertNever(event);
    }
  },
};
