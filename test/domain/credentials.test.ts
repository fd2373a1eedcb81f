// Specs of the credentials decider: an activation link is issued (naming the delivery it was derived for) until the
// user has a password, and redeems only with its own token while it has not expired.
import {
  type ActivationIssued,
  type CredentialsCommand,
  credentialsDecider,
  type PasswordSet,
} from '../../src/domain/credentials';
import { given } from '../support/given';
import { NOW, owner } from './fixtures';

const LATER = new Date(NOW.getTime() + 60_000).toISOString();
const issued = (tokenHash: string, expiresAt: string, deliveryId?: string): ActivationIssued => ({
  type: 'ActivationIssued',
  data: { userId: 'ann', tokenHash, expiresAt, ...(deliveryId ? { deliveryId } : {}) },
});
const passwordSet: PasswordSet = { type: 'PasswordSet', data: { userId: 'ann', passwordHash: 'scrypt$…' } };
const redeem = (tokenHash: string, now = NOW): CredentialsCommand => ({
  type: 'RedeemActivation',
  data: { userId: 'ann', tokenHash, passwordHash: 'scrypt$new' },
  metadata: { actor: owner, now },
});

describe('credentials decider', () => {
  it('issues a link, naming the delivery its token was derived for', () => {
    given(credentialsDecider)
      .when({
        type: 'IssueActivation',
        data: { userId: 'ann', tokenHash: 'h1', expiresAt: LATER, deliveryId: 'evt-1' },
        metadata: { actor: owner, now: NOW },
      })
      .then([issued('h1', LATER, 'evt-1')]);
  });

  it('keeps the delivery of the latest link in the state; an older event names none', () => {
    given(credentialsDecider, issued('h0', LATER), issued('h1', LATER, 'evt-1')).thenState({
      status: 'pendingActivation',
      tokenHash: 'h1',
      expiresAt: LATER,
      deliveryId: 'evt-1',
    });
    given(credentialsDecider, issued('h0', LATER)).thenState({
      status: 'pendingActivation',
      tokenHash: 'h0',
      expiresAt: LATER,
    });
  });

  it('issues nothing once the user has a password', () => {
    given(credentialsDecider, passwordSet)
      .when({
        type: 'IssueActivation',
        data: { userId: 'ann', tokenHash: 'h1', expiresAt: LATER, deliveryId: 'evt-1' },
        metadata: { actor: owner, now: NOW },
      })
      .then([]);
  });

  it('redeems the current link with its own token before it expires, and no other', () => {
    given(credentialsDecider, issued('h1', LATER, 'evt-1'))
      .when(redeem('h1'))
      .then([{ type: 'PasswordSet', data: { userId: 'ann', passwordHash: 'scrypt$new' } }]);
    const state = credentialsDecider.evolve(credentialsDecider.initialState(), issued('h1', LATER, 'evt-1'));
    expect(() => credentialsDecider.decide(redeem('h0'), state)).toThrow(/invalid, used or expired/);
    expect(() => credentialsDecider.decide(redeem('h1', new Date(LATER)), state)).toThrow(/invalid, used or expired/);
  });
});
