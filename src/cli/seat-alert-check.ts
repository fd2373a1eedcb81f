// `replay --verify`'s check of the seat alerts: folds the log once, in log order, through the same rules the alert
// reactor applies (the subscription decider's counts, the account's rule, the alert decider), and compares the
// crossings and recoveries that fold decides with what the alert streams hold: the same events, in the same order,
// caused by the same events, with the same counts. A crossing the fold decides for an event past `upTo` (where the
// live read models are) may still be on its way from the reactor, and is not missed yet.
import { foldEvents, SYSTEM_ACTOR_ID, systemActor } from '../domain/decider';
import { isEventOf, isSubscriptionEvent } from '../domain/events';
import type { Product } from '../domain/plans';
import { type SeatAlertRule, type SeatAlertState, seatAlertDecider } from '../domain/seat-alert';
import { type SubscriptionState, seatCounts, subscriptionDecider } from '../domain/subscription';
import type { EventStore, Position } from '../eventstore/port';

interface Transition {
  readonly type: string;
  readonly causationId: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** Where its cause is in the log (expected ones only). */
  readonly causePosition?: Position;
}

interface AlertFold {
  subscription: SubscriptionState;
  subscriptionRevision: number;
  rule: SeatAlertRule | null;
  alert: SeatAlertState;
  readonly expected: Transition[];
  readonly actual: Transition[];
}

export interface SeatAlertReport {
  /** Alert streams compared (any alert ever set or written). */
  readonly alerts: number;
  readonly crossings: number;
  readonly differences: string[];
}

const NOW = new Date(0);

export async function checkSeatAlerts(store: EventStore, upTo?: Position | null): Promise<SeatAlertReport> {
  const folds = new Map<string, AlertFold>();
  /** Each account stream's revision so far: every step of its products is of that revision. */
  const accountRevisions = new Map<string, number>();
  const foldOf = (accountId: string, product: Product): AlertFold => {
    const key = `${accountId} ${product}`;
    let fold = folds.get(key);
    if (!fold) {
      fold = {
        subscription: subscriptionDecider.initialState(),
        subscriptionRevision: -1,
        rule: null,
        alert: seatAlertDecider.initialState(),
        expected: [],
        actual: [],
      };
      folds.set(key, fold);
    }
    return fold;
  };

  for await (const event of store.readAll({ filter: { streamPrefixes: ['account-', 'subscription-', 'alert-'] } })) {
    if (isEventOf(event, 'SeatThresholdCrossed', 'SeatThresholdCleared')) {
      const { type, data } = event;
      foldOf(data.accountId, data.product).actual.push({ type, data, causationId: event.metadata.causationId });
      continue;
    }
    let fold: AlertFold;
    let ruleSet = false;
    if (event.streamName.startsWith('account-')) {
      const accountId = event.streamName.slice('account-'.length);
      accountRevisions.set(accountId, event.revision);
      if (!isEventOf(event, 'SeatAlertSet', 'SeatAlertRemoved')) continue;
      fold = foldOf(event.data.accountId, event.data.product);
      ruleSet = event.type === 'SeatAlertSet';
      fold.rule = isEventOf(event, 'SeatAlertSet') ? { kind: event.data.kind, threshold: event.data.threshold } : null;
    } else if (isSubscriptionEvent(event)) {
      fold = foldOf(event.data.accountId, event.data.product);
      fold.subscription = foldEvents(subscriptionDecider, fold.subscription, [event], { inPlace: true });
      fold.subscriptionRevision = event.revision;
    } else continue;
    if (fold.rule === null) continue;
    const { accountId, product } = event.data as { accountId: string; product: Product };
    const decided = seatAlertDecider.decide(
      {
        type: 'EvaluateSeatAlert',
        data: {
          step: {
            accountId,
            product,
            rule: fold.rule,
            ruleSet,
            counts: seatCounts(fold.subscription),
            subscriptionRevision: fold.subscriptionRevision,
            accountRevision: accountRevisions.get(accountId) ?? -1,
          },
        },
        metadata: { actor: systemActor(SYSTEM_ACTOR_ID), now: NOW },
      },
      fold.alert,
    );
    for (const transition of decided) {
      fold.expected.push({ ...transition, causationId: event.id, causePosition: event.position });
      fold.alert = seatAlertDecider.evolve(fold.alert, transition);
    }
  }

  const differences: string[] = [];
  let alerts = 0;
  let crossings = 0;
  for (const [key, { expected, actual }] of folds) {
    if (expected.length === 0 && actual.length === 0) continue;
    alerts++;
    crossings += actual.filter((t) => t.type === 'SeatThresholdCrossed').length;
    const stream = `alert-${key.replace(' ', '-')}`;
    for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
      const want = expected[i];
      const have = actual[i];
      if (want && !have) {
        // Not written yet by a reactor that is behind: only what the live read models have passed must be there.
        if (upTo === undefined || upTo === null || (want.causePosition ?? '') <= upTo) {
          differences.push(`${stream} #${i}: the log says ${describe(want)}; the stream has nothing`);
        }
        continue;
      }
      if (!want && have) {
        differences.push(`${stream} #${i}: the stream has ${describe(have)}; the log says nothing`);
        continue;
      }
      if (want && have && describe(want) !== describe(have)) {
        differences.push(`${stream} #${i}: the stream has ${describe(have)}; the log says ${describe(want)}`);
      }
    }
  }
  return { alerts, crossings, differences };
}

const describe = (t: Transition) => `${t.type} caused by ${t.causationId} ${JSON.stringify(t.data)}`;
