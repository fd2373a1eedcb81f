// Seat alerts: an account's rule per product (kept with the account, see account.ts) and the alert stream
// `alert-<accountId>-<product>`, where the alert reactor records each time the product's seats cross the rule
// (SeatThresholdCrossed) and recover (SeatThresholdCleared). The stream is decided with its expected revision like
// any other, so two reactors racing write one crossing; each evaluation is one step of the log (a subscription event,
// or the rule's own SeatAlertSet/Removed) with the counts of the one seat arithmetic (subscription.ts `seatCounts`)
// as they stood after it. A step already behind the stream (its revisions at or before the last transition's) is
// decided as nothing, so an event handed out twice, or late, never fires again.
import {
  assertNever,
  type Command,
  type Decider,
  type Event,
  isSystemActor,
  type ReactorCommandMetadata,
} from './decider';
import { Forbidden, InvalidInput } from './errors';
import type { Product } from './plans';
import type { SeatCounts } from './subscription';

export type SeatAlertKind = 'AVAILABLE_AT_MOST' | 'USED_PERCENT_AT_LEAST';
export const SEAT_ALERT_KINDS: readonly SeatAlertKind[] = ['AVAILABLE_AT_MOST', 'USED_PERCENT_AT_LEAST'];

/** Fires when available ≤ threshold (AVAILABLE_AT_MOST) or used (assigned + reserved) ≥ threshold % of purchased. */
export type SeatAlertRule = { readonly kind: SeatAlertKind; readonly threshold: number };

/** The most seats a subscription may hold: a larger "available at most" could never be false. */
export const MAX_AVAILABLE_AT_MOST = 1_000_000;

/**
 * The rule an input asks for: exactly one of the thresholds, or none (null: remove the alert). Refuses both at
 * once and values out of range, naming the field.
 */
export function seatAlertRuleOf(input: {
  readonly availableAtMost: number | null;
  readonly usedPercentAtLeast: number | null;
}): SeatAlertRule | null {
  const { availableAtMost, usedPercentAtLeast } = input;
  if (availableAtMost !== null && usedPercentAtLeast !== null) {
    throw new InvalidInput(
      'usedPercentAtLeast',
      'give one of availableAtMost and usedPercentAtLeast, not both (both null removes the alert)',
      'exactlyOneOf',
    );
  }
  if (availableAtMost !== null) {
    checkRange('availableAtMost', availableAtMost, 0, MAX_AVAILABLE_AT_MOST);
    return { kind: 'AVAILABLE_AT_MOST', threshold: availableAtMost };
  }
  if (usedPercentAtLeast !== null) {
    checkRange('usedPercentAtLeast', usedPercentAtLeast, 1, 100);
    return { kind: 'USED_PERCENT_AT_LEAST', threshold: usedPercentAtLeast };
  }
  return null;
}

function checkRange(field: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value)) throw new InvalidInput(field, 'must be a whole number', 'isInt');
  if (value < min) throw new InvalidInput(field, `must be at least ${min}`, 'min');
  if (value > max) throw new InvalidInput(field, `must be at most ${max}`, 'max');
}

/**
 * Whether the counts stand past the rule. Used seats are assigned and reserved ones alike (a held seat is gone
 * for anyone else); with nothing purchased no percentage is past (there is no whole to take it of).
 */
export function standsPast(rule: SeatAlertRule, counts: SeatCounts): boolean {
  switch (rule.kind) {
    case 'AVAILABLE_AT_MOST':
      return counts.available <= rule.threshold;
    case 'USED_PERCENT_AT_LEAST':
      // Whole numbers only: no rounding decides a crossing.
      return counts.purchased > 0 && (counts.assigned + counts.reserved) * 100 >= rule.threshold * counts.purchased;
    default:
      return assertNever(rule.kind);
  }
}

/** A crossing's or a recovery's facts: the rule, the counts, and the revisions of the two streams they come from. */
type SeatThresholdData = {
  accountId: string;
  product: Product;
  kind: SeatAlertKind;
  threshold: number;
  purchased: number;
  assigned: number;
  reserved: number;
  available: number;
  /** The subscription stream's revision whose counts these are (-1: nothing bought yet). */
  subscriptionRevision: number;
  /** The account stream's revision whose rule this is. */
  accountRevision: number;
};
export type SeatThresholdCrossed = Event<'SeatThresholdCrossed', SeatThresholdData>;
export type SeatThresholdCleared = Event<'SeatThresholdCleared', SeatThresholdData>;
export type SeatAlertEvent = SeatThresholdCrossed | SeatThresholdCleared;

/** One event of the log the alert follows, with what stood after it. */
export type SeatAlertStep = {
  readonly accountId: string;
  readonly product: Product;
  /** The rule in force after the event; null: no alert. */
  readonly rule: SeatAlertRule | null;
  /** The event is the rule's SeatAlertSet: the alert is armed anew (a crossing then fires at once). */
  readonly ruleSet: boolean;
  readonly counts: SeatCounts;
  readonly subscriptionRevision: number;
  readonly accountRevision: number;
};

/** Issued by the alert reactor, as the system. */
export type EvaluateSeatAlert = Command<'EvaluateSeatAlert', { step: SeatAlertStep }, ReactorCommandMetadata>;

export type SeatAlertState = {
  readonly firing: boolean;
  /** The revisions of the last transition's step: steps at or before them are decided. */
  readonly through: { readonly subscriptionRevision: number; readonly accountRevision: number } | null;
  /** ISO-8601 of the last crossing. */
  readonly lastCrossedAt: string | null;
};

const isBehind = (step: SeatAlertStep, state: SeatAlertState) =>
  state.through !== null &&
  step.subscriptionRevision <= state.through.subscriptionRevision &&
  step.accountRevision <= state.through.accountRevision;

export const seatAlertDecider: Decider<SeatAlertState, EvaluateSeatAlert, SeatAlertEvent> = {
  initialState: () => ({ firing: false, through: null, lastCrossedAt: null }),

  decide: (command, state) => {
    if (!isSystemActor(command.metadata.actor)) throw new Forbidden('only the system evaluates seat alerts');
    const { step } = command.data;
    if (step.rule === null || isBehind(step, state)) return [];
    const past = standsPast(step.rule, step.counts);
    const data: SeatThresholdData = {
      accountId: step.accountId,
      product: step.product,
      kind: step.rule.kind,
      threshold: step.rule.threshold,
      purchased: step.counts.purchased,
      assigned: step.counts.assigned,
      reserved: step.counts.reserved,
      available: step.counts.available,
      subscriptionRevision: step.subscriptionRevision,
      accountRevision: step.accountRevision,
    };
    // Set anew: armed again, so a rule the counts stand past fires at once even while the last one was firing.
    if (past && (step.ruleSet || !state.firing)) return [{ type: 'SeatThresholdCrossed', data }];
    // Recovered; or set anew to a rule the counts do not reach while the last one was firing.
    if (!past && state.firing) return [{ type: 'SeatThresholdCleared', data }];
    return [];
  },

  evolve: (state, event) => {
    const through = {
      subscriptionRevision: event.data.subscriptionRevision,
      accountRevision: event.data.accountRevision,
    };
    switch (event.type) {
      case 'SeatThresholdCrossed':
        return { firing: true, through, lastCrossedAt: event.metadata?.occurredAt ?? state.lastCrossedAt };
      case 'SeatThresholdCleared':
        return { ...state, firing: false, through };
      default:
        return assertNever(event);
    }
  },
};
