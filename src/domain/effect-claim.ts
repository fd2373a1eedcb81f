// The claim stream `claim-<reactor>-<effectId>`: who performs an outside effect (a mail) when several instances
// react to the same log. An instance claims the effect, with a lease, before acting; of two racing claims the append
// at the older revision loses, so one instance owns it. A claim whose lease ran out without `EffectDone` is taken over
// (its holder crashed or stalled after claiming), so the effect still happens, once more at most. Never published:
// claim streams are bookkeeping between instances, not facts of the licences.
import { assertNever, type Command, type Decider, type Event, type ReactorCommandMetadata } from './decider';
import { DomainError } from './errors';

/** `instanceId` holds the effect until `leaseUntil` (ISO-8601). */
export type EffectClaimed = Event<'EffectClaimed', { instanceId: string; leaseUntil: string }>;
/** The lease of `from` ran out without the effect done: `instanceId` holds it now. */
export type EffectTakenOver = Event<'EffectTakenOver', { instanceId: string; from: string; leaseUntil: string }>;
/** The effect happened (by `instanceId`): nobody acts on it again. */
export type EffectDone = Event<'EffectDone', { instanceId: string }>;
export type EffectClaimEvent = EffectClaimed | EffectTakenOver | EffectDone;

/** Claims the effect for `instanceId` until `now + leaseMs`; the holder renews its own claim the same way. */
export type ClaimEffect = Command<'ClaimEffect', { instanceId: string; leaseMs: number }, ReactorCommandMetadata>;
export type CompleteEffect = Command<'CompleteEffect', { instanceId: string }, ReactorCommandMetadata>;
type EffectClaimCommand = ClaimEffect | CompleteEffect;

type EffectClaimState =
  | { readonly status: 'unclaimed' }
  | { readonly status: 'claimed'; readonly instanceId: string; readonly leaseUntil: number }
  | { readonly status: 'done'; readonly instanceId: string };

/** Another instance holds a live lease on the effect: it acts, not this one. */
export class EffectClaimedElsewhere extends DomainError {
  readonly code = 'CONFLICT';
  constructor(readonly holder: string) {
    super(`the effect is claimed by instance ${holder}`);
  }
}

/** The effect was done already. */
export class EffectAlreadyDone extends DomainError {
  readonly code = 'CONFLICT';
  constructor(readonly by: string) {
    super(`the effect was done by instance ${by}`);
  }
}

export const effectClaimDecider: Decider<EffectClaimState, EffectClaimCommand, EffectClaimEvent> = {
  initialState: () => ({ status: 'unclaimed' }),

  decide: (command, state) => {
    const { instanceId } = command.data;
    switch (command.type) {
      case 'ClaimEffect': {
        const now = command.metadata.now.getTime();
        const leaseUntil = new Date(now + command.data.leaseMs).toISOString();
        switch (state.status) {
          case 'unclaimed':
            return [{ type: 'EffectClaimed', data: { instanceId, leaseUntil } }];
          case 'claimed':
            if (state.instanceId === instanceId) return [{ type: 'EffectClaimed', data: { instanceId, leaseUntil } }];
            if (state.leaseUntil > now) throw new EffectClaimedElsewhere(state.instanceId);
            return [{ type: 'EffectTakenOver', data: { instanceId, from: state.instanceId, leaseUntil } }];
          case 'done':
            throw new EffectAlreadyDone(state.instanceId);
          default:
            return assertNever(state);
        }
      }
      case 'CompleteEffect':
        switch (state.status) {
          // Done once is enough; a holder whose lease was taken over meanwhile still records that it acted.
          case 'claimed':
            return [{ type: 'EffectDone', data: { instanceId } }];
          case 'done':
            return [];
          case 'unclaimed':
            throw new EffectClaimedElsewhere('none: an effect is claimed before it is done');
          default:
            return assertNever(state);
        }
      default:
        return assertNever(command);
    }
  },

  evolve: (state, event) => {
    switch (event.type) {
      case 'EffectClaimed':
      case 'EffectTakenOver':
        return { status: 'claimed', instanceId: event.data.instanceId, leaseUntil: Date.parse(event.data.leaseUntil) };
      case 'EffectDone':
        return state.status === 'done' ? state : { status: 'done', instanceId: event.data.instanceId };
      default:
        return assertNever(event);
    }
  },
};
