// Exactly-once outside effects across instances: a reactor claims an effect in the log (src/domain/effect-claim.ts)
// through the command handler before acting, and records it done after. Here only what the decider cannot do itself:
// name the claim stream, bring the clock and this instance's id, and turn the decider's refusals into outcomes.
import { SYSTEM_ACTOR_ID, systemActor } from '../domain/decider';
import {
  type ClaimEffect,
  type CompleteEffect,
  EffectAlreadyDone,
  EffectClaimedElsewhere,
  effectClaimDecider,
} from '../domain/effect-claim';
import { effectClaimStream } from '../domain/streams';
import type { CommandHandler, EventContext } from './handle-command';

/** What a claim says to do: act (this instance holds the lease), or leave it (another holds it, or it is done). */
export type ClaimOutcome = 'claimed' | 'claimed-elsewhere' | 'done';

export interface Effect {
  /** The reactor, e.g. `notifier`: part of the claim stream's name. */
  readonly reactor: string;
  /** The event the effect answers (its id is also the mail's Message-ID). */
  readonly eventId: string;
  /** The account the event belongs to, for the claim events' metadata. */
  readonly accountId: string;
}

export interface EffectClaims {
  /** Claims (or renews this instance's claim on) the effect for `leaseMs`. */
  claim(effect: Effect, leaseMs: number): Promise<ClaimOutcome>;
  /** Records the effect done: no instance claims it again. */
  complete(effect: Effect): Promise<void>;
}

export function effectClaims(
  handler: CommandHandler,
  instanceId: string,
  now: () => Date = () => new Date(),
): EffectClaims {
  const context = (effect: Effect, at: Date): EventContext => ({
    accountId: effect.accountId,
    actorId: SYSTEM_ACTOR_ID,
    occurredAt: at.toISOString(),
    correlationId: effect.eventId,
    causationId: effect.eventId,
  });
  // Nobody's act: the system's own bookkeeping.
  const metadata = (at: Date) => ({ actor: systemActor(SYSTEM_ACTOR_ID), now: at });

  return {
    async claim(effect, leaseMs) {
      const at = now();
      const command: ClaimEffect = { type: 'ClaimEffect', data: { instanceId, leaseMs }, metadata: metadata(at) };
      try {
        // A lost race (another instance appended first) is re-decided on the stream as it is now: a refusal then.
        await handler.handle(
          effectClaimDecider,
          effectClaimStream(effect.reactor, effect.eventId),
          command,
          context(effect, at),
        );
        return 'claimed';
      } catch (error) {
        if (error instanceof EffectClaimedElsewhere) return 'claimed-elsewhere';
        if (error instanceof EffectAlreadyDone) return 'done';
        throw error;
      }
    },

    async complete(effect) {
      const at = now();
      const command: CompleteEffect = { type: 'CompleteEffect', data: { instanceId }, metadata: metadata(at) };
      await handler.handle(
        effectClaimDecider,
        effectClaimStream(effect.reactor, effect.eventId),
        command,
        context(effect, at),
      );
    },
  };
}
