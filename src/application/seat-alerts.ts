// Seat alerts on the write side: setting an account's rule (SetSeatAlert on the account stream), and evaluating a
// product's alert after events of the log (EvaluateSeatAlert on `alert-<accountId>-<product>`, as the system).
//
// An evaluation walks the log's events of the two streams the alert depends on, the product's subscription stream
// (its counts) and the account stream (its rule), merged in log order, and decides each as one step on the alert
// stream, with the counts and the rule as they stood right after that event. So what the alert stream holds is a
// function of the log alone: another instance, a redelivered event or a replay decides the same crossings, and the
// alert stream's expected revision makes a race between two instances write one. Where an evaluation starts: after
// the last step it folded here (kept per alert in memory, an optimisation), or else after the alert stream's last
// transition; steps at or before that transition are decided as nothing (seat-alert.ts).
import { LRUCache } from 'lru-cache';
import { type AccountState, accountDecider, type SetSeatAlert } from '../domain/account';
import { foldEvents, SYSTEM_ACTOR_ID, systemActor } from '../domain/decider';
import { isEventOf } from '../domain/events';
import type { Product } from '../domain/plans';
import { type EvaluateSeatAlert, type SeatAlertRule, type SeatAlertStep, seatAlertDecider } from '../domain/seat-alert';
import { accountStream, seatAlertStream, subscriptionStream } from '../domain/streams';
import {
  type SubscriptionEvent,
  type SubscriptionState,
  seatCounts,
  subscriptionDecider,
} from '../domain/subscription';
import type { RecordedEvent } from '../eventstore/port';
import type { RequestContext, Written } from './application';
import type { CommandHandler, EventContext } from './handle-command';

export interface SeatAlertWritten extends Written {
  /** The rule as the account now holds it; null: no alert. */
  readonly rule: SeatAlertRule | null;
}

export interface SeatAlerts {
  /** Sets (one threshold) or removes (none) the product's alert of the caller's account. OWNER or ADMIN. */
  setSeatAlert(
    ctx: RequestContext,
    input: { product: Product; availableAtMost: number | null; usedPercentAtLeast: number | null },
  ): Promise<SeatAlertWritten>;
  /**
   * Decides the product's alert on every event of its two streams not decided yet, up to their ends: what the
   * alert reactor calls for each subscription event and each rule change. Answers how many events it appended.
   */
  evaluate(accountId: string, product: Product): Promise<number>;
}

/** Where an evaluation of one alert stopped: the two streams folded up to these revisions. */
interface Walk {
  subscription: SubscriptionState;
  subscriptionRevision: number;
  rule: SeatAlertRule | null;
  accountRevision: number;
}

/** Alerts whose walk is kept between evaluations; one further away is walked again from its stream. */
const WALKS_KEPT = 1000;

export function createSeatAlerts(deps: {
  readonly handler: CommandHandler;
  readonly now: () => Date;
  readonly eventContext: (ctx: RequestContext, at: Date) => EventContext;
}): SeatAlerts {
  const { handler, now } = deps;
  const store = handler.store;
  const walks = new LRUCache<string, Walk>({ max: WALKS_KEPT });

  const loadAccount = async (accountId: string): Promise<AccountState> =>
    (await handler.load(accountDecider, accountStream(accountId))).state;

  const ruleOf = (state: AccountState, product: Product): SeatAlertRule | null =>
    state.status === 'open' ? (state.seatAlerts[product] ?? null) : null;

  /** A fresh walk: both streams folded up to the alert stream's last transition (or nothing). */
  async function startWalk(accountId: string, product: Product): Promise<Walk> {
    const { through } = (await handler.load(seatAlertDecider, seatAlertStream(accountId, product))).state;
    const walk: Walk = {
      subscription: subscriptionDecider.initialState(),
      subscriptionRevision: -1,
      rule: null,
      accountRevision: -1,
    };
    if (!through) return walk;
    const folded: SubscriptionEvent[] = [];
    for await (const event of store.readStream(subscriptionStream(accountId, product))) {
      if (event.revision > through.subscriptionRevision) break;
      folded.push(event as unknown as SubscriptionEvent);
      walk.subscriptionRevision = event.revision;
    }
    walk.subscription = foldEvents(subscriptionDecider, walk.subscription, folded, { inPlace: true });
    for await (const event of store.readStream(accountStream(accountId))) {
      if (event.revision > through.accountRevision) break;
      walk.rule = ruleAfter(event, product, walk.rule);
      walk.accountRevision = event.revision;
    }
    return walk;
  }

  async function readAfter(stream: string, revision: number): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for await (const event of store.readStream(stream, { fromRevision: revision + 1 })) events.push(event);
    return events;
  }

  async function decideStep(step: SeatAlertStep, cause: RecordedEvent): Promise<number> {
    const at = now();
    const onBehalfOf = cause.metadata.actorId;
    const command: EvaluateSeatAlert = {
      type: 'EvaluateSeatAlert',
      data: { step },
      metadata: { actor: systemActor(onBehalfOf), now: at },
    };
    // As the system, caused by the event whose counts or rule the step is, on behalf of whoever wrote it.
    const context: EventContext = {
      accountId: step.accountId,
      actorId: SYSTEM_ACTOR_ID,
      occurredAt: at.toISOString(),
      correlationId: cause.metadata.correlationId,
      causationId: cause.id,
      extra: { onBehalfOf },
    };
    const { events } = await handler.handle(
      seatAlertDecider,
      seatAlertStream(step.accountId, step.product),
      command,
      context,
    );
    return events.length;
  }

  return {
    async setSeatAlert(ctx, input) {
      const at = now();
      const { accountId } = ctx.actor;
      const command: SetSeatAlert = {
        type: 'SetSeatAlert',
        data: { accountId, ...input },
        metadata: { actor: ctx.actor, now: at },
      };
      const { position, state } = await handler.handle(
        accountDecider,
        accountStream(accountId),
        command,
        deps.eventContext(ctx, at),
      );
      return { position, rule: ruleOf(state, input.product) };
    },

    async evaluate(accountId, product) {
      const key = `${accountId}:${product}`;
      const account = await loadAccount(accountId);
      // Never alerted on: nothing to decide (a removed alert stays in the state as null, and is walked on).
      if (account.status !== 'open' || account.seatAlerts[product] === undefined) return 0;
      const walk = walks.get(key) ?? (await startWalk(accountId, product));
      walks.delete(key);
      const [subscriptionEvents, accountEvents] = await Promise.all([
        readAfter(subscriptionStream(accountId, product), walk.subscriptionRevision),
        readAfter(accountStream(accountId), walk.accountRevision),
      ]);
      let appended = 0;
      let s = 0;
      let a = 0;
      // Merged in log order: each event is one step, with what stood right after it.
      while (s < subscriptionEvents.length || a < accountEvents.length) {
        const next = subscriptionEvents[s];
        const other = accountEvents[a];
        let ruleSet = false;
        let cause: RecordedEvent;
        if (next && (!other || next.position < other.position)) {
          cause = next;
          s++;
          walk.subscription = foldEvents(
            subscriptionDecider,
            walk.subscription,
            [next as unknown as SubscriptionEvent],
            {
              inPlace: true,
            },
          );
          walk.subscriptionRevision = next.revision;
        } else {
          cause = other as RecordedEvent;
          a++;
          walk.accountRevision = cause.revision;
          if (!isEventOf(cause, 'SeatAlertSet', 'SeatAlertRemoved') || cause.data.product !== product) continue;
          walk.rule = ruleAfter(cause, product, walk.rule);
          ruleSet = cause.type === 'SeatAlertSet';
        }
        // No rule in force: nothing can fire or clear, whatever the alert stream holds.
        if (walk.rule === null) continue;
        appended += await decideStep(
          {
            accountId,
            product,
            rule: walk.rule,
            ruleSet,
            counts: seatCounts(walk.subscription),
            subscriptionRevision: walk.subscriptionRevision,
            accountRevision: walk.accountRevision,
          },
          cause,
        );
      }
      // Kept only once every step is decided: a throw above walks again from the alert stream next time.
      walks.set(key, walk);
      return appended;
    },
  };
}

/** The product's rule after an account event (unchanged by events of other products or kinds). */
function ruleAfter(event: RecordedEvent, product: Product, rule: SeatAlertRule | null): SeatAlertRule | null {
  if (!isEventOf(event, 'SeatAlertSet', 'SeatAlertRemoved') || event.data.product !== product) return rule;
  return event.type === 'SeatAlertSet' ? { kind: event.data.kind, threshold: event.data.threshold } : null;
}
