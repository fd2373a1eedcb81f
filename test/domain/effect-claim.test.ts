// Specs of the effect claim decider: an unclaimed effect is claimed with a lease, a live lease of another instance
// refuses, a lapsed one is taken over, the holder renews its own, and a done effect is never claimed again.

import { systemActor } from '../../src/domain/decider';
import {
  type ClaimEffect,
  type CompleteEffect,
  EffectAlreadyDone,
  type EffectClaimed,
  EffectClaimedElsewhere,
  type EffectDone,
  effectClaimDecider,
} from '../../src/domain/effect-claim';
import { given } from '../support/given';
import { NOW } from './fixtures';

const LEASE_MS = 60_000;
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString();

const claimed = (instanceId: string, leaseUntil: string): EffectClaimed => ({
  type: 'EffectClaimed',
  data: { instanceId, leaseUntil },
});
const done = (instanceId: string): EffectDone => ({ type: 'EffectDone', data: { instanceId } });
const claim = (instanceId: string): ClaimEffect => ({
  type: 'ClaimEffect',
  data: { instanceId, leaseMs: LEASE_MS },
  metadata: { actor: systemActor('system'), now: NOW },
});
const complete = (instanceId: string): CompleteEffect => ({
  type: 'CompleteEffect',
  data: { instanceId },
  metadata: { actor: systemActor('system'), now: NOW },
});

describe('effect claim decider', () => {
  it('claims an unclaimed effect for the instance until now + the lease', () => {
    given(effectClaimDecider)
      .when(claim('a'))
      .then([claimed('a', at(LEASE_MS))]);
  });

  it('refuses while another instance’s lease runs', () => {
    given(effectClaimDecider, claimed('a', at(1)))
      .when(claim('b'))
      .thenThrows(EffectClaimedElsewhere, /instance a/);
  });

  it('takes over a claim whose lease ran out without the effect done', () => {
    given(effectClaimDecider, claimed('a', at(0)))
      .when(claim('b'))
      .then([{ type: 'EffectTakenOver', data: { instanceId: 'b', from: 'a', leaseUntil: at(LEASE_MS) } }]);
  });

  it('renews the holder’s own claim (its retry, or its restart after a crash)', () => {
    given(effectClaimDecider, claimed('a', at(1)))
      .when(claim('a'))
      .then([claimed('a', at(LEASE_MS))]);
  });

  it('never claims a done effect again, whoever asks and however old', () => {
    given(effectClaimDecider, claimed('a', at(-LEASE_MS)), done('a'))
      .when(claim('b'))
      .thenThrows(EffectAlreadyDone);
    given(effectClaimDecider, claimed('a', at(-LEASE_MS)), done('a'))
      .when(claim('a'))
      .thenThrows(EffectAlreadyDone);
  });

  it('records the effect done once; a holder whose claim was taken over still records that it acted', () => {
    given(effectClaimDecider, claimed('a', at(1)))
      .when(complete('a'))
      .then([done('a')]);
    given(effectClaimDecider, claimed('a', at(-1)), {
      type: 'EffectTakenOver',
      data: { instanceId: 'b', from: 'a', leaseUntil: at(LEASE_MS) },
    })
      .when(complete('a'))
      .then([done('a')]);
    given(effectClaimDecider, claimed('a', at(1)), done('a'))
      .when(complete('a'))
      .then([]);
  });

  it('refuses to complete an effect nobody claimed', () => {
    given(effectClaimDecider).when(complete('a')).thenThrows(EffectClaimedElsewhere);
  });
});
