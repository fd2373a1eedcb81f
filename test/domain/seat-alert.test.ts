// Specs of seat alerts: the account's rule (SetSeatAlert on the account decider) and the alert stream's decider,
// which fires once per crossing, clears on recovery, re-arms only then, and decides nothing for a step behind it.
import { type AccountEvent, accountDecider, type SetSeatAlert } from '../../src/domain/account';
import { systemActor } from '../../src/domain/decider';
import { Forbidden, InvalidInput, NotFound } from '../../src/domain/errors';
import {
  type EvaluateSeatAlert,
  type SeatAlertEvent,
  type SeatAlertRule,
  seatAlertDecider,
  standsPast,
} from '../../src/domain/seat-alert';
import type { SeatCounts } from '../../src/domain/subscription';
import { given } from '../support/given';
import { ACCOUNT, admin, by, member, NOW, otherOwner, owner } from './fixtures';

const opened: AccountEvent = {
  type: 'AccountOpened',
  data: { accountId: ACCOUNT, name: 'Acme Ltd', ownerUserId: owner.userId },
};
const setAlert = (
  thresholds: { availableAtMost?: number | null; usedPercentAtLeast?: number | null },
  who = owner,
): SetSeatAlert => ({
  type: 'SetSeatAlert',
  data: {
    accountId: ACCOUNT,
    product: 'VIDEO_MEETING',
    availableAtMost: thresholds.availableAtMost ?? null,
    usedPercentAtLeast: thresholds.usedPercentAtLeast ?? null,
  },
  metadata: by(who),
});
const alertSet = (threshold = 2): AccountEvent => ({
  type: 'SeatAlertSet',
  data: { accountId: ACCOUNT, product: 'VIDEO_MEETING', kind: 'AVAILABLE_AT_MOST', threshold },
});

describe('account decider: seat alert rules', () => {
  it('sets an alert with one threshold (OWNER or ADMIN)', () => {
    given(accountDecider, opened)
      .when(setAlert({ availableAtMost: 2 }))
      .then([alertSet()]);
    given(accountDecider, opened)
      .when(setAlert({ usedPercentAtLeast: 80 }, admin))
      .then([
        {
          type: 'SeatAlertSet',
          data: { accountId: ACCOUNT, product: 'VIDEO_MEETING', kind: 'USED_PERCENT_AT_LEAST', threshold: 80 },
        },
      ]);
  });

  it('writes nothing for the rule it has already, or for removing none', () => {
    given(accountDecider, opened, alertSet())
      .when(setAlert({ availableAtMost: 2 }))
      .then([]);
    given(accountDecider, opened).when(setAlert({})).then([]);
  });

  it('replaces a rule, and removes it with both thresholds null', () => {
    given(accountDecider, opened, alertSet())
      .when(setAlert({ availableAtMost: 3 }))
      .then([alertSet(3)]);
    given(accountDecider, opened, alertSet())
      .when(setAlert({}))
      .then([{ type: 'SeatAlertRemoved', data: { accountId: ACCOUNT, product: 'VIDEO_MEETING' } }]);
  });

  it('keeps the rules in the state; a removed one stays as null', () => {
    const removed: AccountEvent = { type: 'SeatAlertRemoved', data: { accountId: ACCOUNT, product: 'VIDEO_MEETING' } };
    given(accountDecider, opened, alertSet(), removed).thenState({
      status: 'open',
      accountId: ACCOUNT,
      name: 'Acme Ltd',
      ownerUserId: owner.userId,
      seatAlerts: { VIDEO_MEETING: null },
      webhookEndpoints: new Map(),
    });
  });

  it.each([
    ['both thresholds', { availableAtMost: 2, usedPercentAtLeast: 80 }, /usedPercentAtLeast: give one/],
    ['a negative seat count', { availableAtMost: -1 }, /availableAtMost: must be at least 0/],
    ['a seat count past 1,000,000', { availableAtMost: 1_000_001 }, /availableAtMost: must be at most 1000000/],
    ['a percentage of 0', { usedPercentAtLeast: 0 }, /usedPercentAtLeast: must be at least 1/],
    ['a percentage over 100', { usedPercentAtLeast: 101 }, /usedPercentAtLeast: must be at most 100/],
    ['a fraction', { usedPercentAtLeast: 50.5 }, /usedPercentAtLeast: must be a whole number/],
  ])('refuses %s', (_, thresholds, message) => {
    given(accountDecider, opened).when(setAlert(thresholds)).thenThrows(InvalidInput, message);
  });

  it('refuses a MEMBER, and another account as if it did not exist', () => {
    given(accountDecider, opened)
      .when(setAlert({ availableAtMost: 2 }, member))
      .thenThrows(Forbidden);
    given(accountDecider, opened)
      .when(setAlert({ availableAtMost: 2 }, otherOwner))
      .thenThrows(NotFound);
  });
});

const seats = (purchased: number, assigned: number, reserved = 0): SeatCounts => ({
  purchased,
  assigned,
  reserved,
  available: purchased - assigned - reserved,
});
const AT_MOST_2: SeatAlertRule = { kind: 'AVAILABLE_AT_MOST', threshold: 2 };

describe('standsPast', () => {
  it('counts reserved seats as used', () => {
    expect(standsPast(AT_MOST_2, seats(10, 7, 1))).toBe(true);
    expect(standsPast(AT_MOST_2, seats(10, 7, 0))).toBe(false);
    expect(standsPast({ kind: 'USED_PERCENT_AT_LEAST', threshold: 80 }, seats(10, 7, 1))).toBe(true);
    expect(standsPast({ kind: 'USED_PERCENT_AT_LEAST', threshold: 80 }, seats(10, 7, 0))).toBe(false);
  });

  it('never fires a percentage with nothing purchased', () => {
    expect(standsPast({ kind: 'USED_PERCENT_AT_LEAST', threshold: 1 }, seats(0, 0))).toBe(false);
  });
});

const evaluate = (
  counts: SeatCounts,
  subscriptionRevision: number,
  options: { rule?: SeatAlertRule | null; ruleSet?: boolean; accountRevision?: number } = {},
): EvaluateSeatAlert => ({
  type: 'EvaluateSeatAlert',
  data: {
    step: {
      accountId: ACCOUNT,
      product: 'VIDEO_MEETING',
      rule: options.rule === undefined ? AT_MOST_2 : options.rule,
      ruleSet: options.ruleSet ?? false,
      counts,
      subscriptionRevision,
      accountRevision: options.accountRevision ?? 1,
    },
  },
  metadata: { actor: systemActor(owner.userId), now: NOW },
});
const transition = (
  type: SeatAlertEvent['type'],
  counts: SeatCounts,
  subscriptionRevision: number,
  accountRevision = 1,
): SeatAlertEvent => ({
  type,
  data: {
    accountId: ACCOUNT,
    product: 'VIDEO_MEETING',
    kind: 'AVAILABLE_AT_MOST',
    threshold: 2,
    ...counts,
    subscriptionRevision,
    accountRevision,
  },
});

describe('seat alert decider', () => {
  it('fires when the counts cross the threshold, with the counts and the revisions of the step', () => {
    given(seatAlertDecider)
      .when(evaluate(seats(10, 8), 8))
      .then([transition('SeatThresholdCrossed', seats(10, 8), 8)]);
  });

  it('does not fire while the counts stay short of it', () => {
    given(seatAlertDecider)
      .when(evaluate(seats(10, 7), 7))
      .then([]);
  });

  it('fires once: further steps past it write nothing', () => {
    given(seatAlertDecider, transition('SeatThresholdCrossed', seats(10, 8), 8))
      .when(evaluate(seats(10, 9), 9))
      .then([]);
  });

  it('clears when the counts recover, and fires again only after that', () => {
    const crossed = transition('SeatThresholdCrossed', seats(10, 8), 8);
    given(seatAlertDecider, crossed)
      .when(evaluate(seats(10, 7), 11))
      .then([transition('SeatThresholdCleared', seats(10, 7), 11)]);
    given(seatAlertDecider, crossed, transition('SeatThresholdCleared', seats(10, 7), 11))
      .when(evaluate(seats(10, 8), 12))
      .then([transition('SeatThresholdCrossed', seats(10, 8), 12)]);
  });

  it('decides nothing for a step at or behind its last transition (an event handed out twice, or late)', () => {
    const crossed = transition('SeatThresholdCrossed', seats(10, 8), 8);
    const cleared = transition('SeatThresholdCleared', seats(10, 7), 11);
    given(seatAlertDecider, crossed, cleared)
      .when(evaluate(seats(10, 8), 8))
      .then([]);
    given(seatAlertDecider, crossed, cleared)
      .when(evaluate(seats(10, 9), 9))
      .then([]);
  });

  it('fires at once when set while the counts already stand past it', () => {
    given(seatAlertDecider)
      .when(evaluate(seats(10, 9), 9, { ruleSet: true, accountRevision: 3 }))
      .then([transition('SeatThresholdCrossed', seats(10, 9), 9, 3)]);
  });

  it('a rule set anew re-arms: it fires again if past, clears if not', () => {
    const crossed = transition('SeatThresholdCrossed', seats(10, 8), 8);
    given(seatAlertDecider, crossed)
      .when(evaluate(seats(10, 9), 9, { ruleSet: true, accountRevision: 2 }))
      .then([transition('SeatThresholdCrossed', seats(10, 9), 9, 2)]);
    const lower: SeatAlertRule = { kind: 'AVAILABLE_AT_MOST', threshold: 0 };
    given(seatAlertDecider, crossed)
      .when(evaluate(seats(10, 8), 8, { rule: lower, ruleSet: true, accountRevision: 2 }))
      .then([
        {
          ...transition('SeatThresholdCleared', seats(10, 8), 8, 2),
          data: { ...transition('SeatThresholdCleared', seats(10, 8), 8, 2).data, threshold: 0 },
        },
      ]);
  });

  it('decides nothing without a rule', () => {
    given(seatAlertDecider)
      .when(evaluate(seats(10, 10), 10, { rule: null }))
      .then([]);
  });

  it('refuses any actor but the system', () => {
    given(seatAlertDecider)
      .when({ ...evaluate(seats(10, 8), 8), metadata: by(owner) })
      .thenThrows(Forbidden);
  });

  it('evolves: firing, through the last transition, when it last crossed', () => {
    const crossed = {
      ...transition('SeatThresholdCrossed', seats(10, 8), 8),
      metadata: { occurredAt: NOW.toISOString() },
    };
    given(seatAlertDecider, crossed).thenState({
      firing: true,
      through: { subscriptionRevision: 8, accountRevision: 1 },
      lastCrossedAt: NOW.toISOString(),
    });
  });
});
