// The account stream `account-<id>`: the company that buys seats, opened by sign-up with its owner; it also keeps
// the account's seat alert rules (one per product, see seat-alert.ts) and its webhook endpoints (webhook-endpoint.ts).
import { assertNever, type Command, type Decider, type Event, requireOwnAccount, requireRole } from './decider';
import { AlreadyExists, InvalidInput, NotFound } from './errors';
import type { Product } from './plans';
import { type SeatAlertKind, type SeatAlertRule, seatAlertRuleOf } from './seat-alert';
import {
  decideWebhookEndpoint,
  evolveWebhookEndpoints,
  type WebhookEndpointCommand,
  type WebhookEndpointEvent,
  type WebhookEndpoints,
} from './webhook-endpoint';

export type AccountOpened = Event<'AccountOpened', { accountId: string; name: string; ownerUserId: string }>;
// --- Seat alerts: the rule per product, set or removed by an OWNER or ADMIN.
export type SeatAlertSet = Event<
  'SeatAlertSet',
  { accountId: string; product: Product; kind: SeatAlertKind; threshold: number }
>;
export type SeatAlertRemoved = Event<'SeatAlertRemoved', { accountId: string; product: Product }>;
export type AccountEvent = AccountOpened | SeatAlertSet | SeatAlertRemoved | WebhookEndpointEvent;

/** Sign-up: the owner-to-be is the actor (their user id is chosen by the caller with the account id). */
export type OpenAccount = Command<'OpenAccount', { accountId: string; name: string; ownerUserId: string }>;
/** Exactly one threshold sets the product's alert (replacing one set before); none removes it. */
export type SetSeatAlert = Command<
  'SetSeatAlert',
  { accountId: string; product: Product; availableAtMost: number | null; usedPercentAtLeast: number | null }
>;
type AccountCommand = OpenAccount | SetSeatAlert | WebhookEndpointCommand;

/** Per product: its rule, or null once removed (a product never alerted on is absent). */
export type SeatAlertRules = Readonly<Partial<Record<Product, SeatAlertRule | null>>>;

export type AccountState =
  | { readonly status: 'absent' }
  | {
      readonly status: 'open';
      readonly accountId: string;
      readonly name: string;
      readonly ownerUserId: string;
      readonly seatAlerts: SeatAlertRules;
      /** Webhook endpoints (webhook-endpoint.ts), by id. */
      readonly webhookEndpoints: WebhookEndpoints;
    };

const MAX_ACCOUNT_NAME_LENGTH = 200;

export const accountDecider: Decider<AccountState, AccountCommand, AccountEvent> = {
  initialState: () => ({ status: 'absent' }),

  decide: (command, state) => {
    switch (command.type) {
      case 'OpenAccount': {
        const { accountId, ownerUserId } = command.data;
        if (state.status !== 'absent') throw new AlreadyExists(`account ${accountId} exists already`);
        // Named as the sign-up input names it, so the message points at the field the person typed.
        const name = command.data.name.trim();
        if (name.length === 0) throw new InvalidInput('accountName', 'must not be empty', 'notBlank');
        if (name.length > MAX_ACCOUNT_NAME_LENGTH) {
          throw new InvalidInput('accountName', `must be at most ${MAX_ACCOUNT_NAME_LENGTH} characters`, 'maxLength');
        }
        return [{ type: 'AccountOpened', data: { accountId, name, ownerUserId } }];
      }
      case 'SetSeatAlert':
        return decideSeatAlert(command, state);
      // Webhook endpoints: decided on the account's own endpoints.
      case 'CreateWebhookEndpoint':
      case 'UpdateWebhookEndpoint':
      case 'DeleteWebhookEndpoint':
      case 'RotateWebhookSecret':
      case 'DisableWebhookEndpoint':
        if (state.status !== 'open') throw new NotFound('account', 'account not found');
        return decideWebhookEndpoint(command, state.accountId, state.webhookEndpoints);
      default:
        return assertNever(command);
    }
  },

  evolve: (state, event) => {
    switch (event.type) {
      case 'AccountOpened':
        return { status: 'open', ...event.data, seatAlerts: {}, webhookEndpoints: new Map() };
      case 'SeatAlertSet':
      case 'SeatAlertRemoved': {
        if (state.status !== 'open') return state;
        const { product } = event.data;
        const rule = event.type === 'SeatAlertSet' ? { kind: event.data.kind, threshold: event.data.threshold } : null;
        return { ...state, seatAlerts: { ...state.seatAlerts, [product]: rule } };
      }
      case 'WebhookEndpointCreated':
      case 'WebhookEndpointUpdated':
      case 'WebhookEndpointDisabled':
      case 'WebhookSecretRotated':
      case 'WebhookEndpointDeleted':
        if (state.status !== 'open') return state;
        return { ...state, webhookEndpoints: evolveWebhookEndpoints(state.webhookEndpoints, event) };
      default:
        return assertNever(event);
    }
  },
};

/** Setting the rule it has already, or removing none, writes nothing: an alert firing keeps firing. */
function decideSeatAlert(command: SetSeatAlert, state: AccountState): AccountEvent[] {
  const { actor } = command.metadata;
  const { accountId, product } = command.data;
  requireOwnAccount(actor, accountId, 'account');
  requireRole(actor, 'set seat alerts', 'OWNER', 'ADMIN');
  if (state.status !== 'open') throw new NotFound('account', 'account not found');
  const rule = seatAlertRuleOf(command.data);
  const current = state.seatAlerts[product] ?? null;
  if (rule === null) return current === null ? [] : [{ type: 'SeatAlertRemoved', data: { accountId, product } }];
  if (current?.kind === rule.kind && current.threshold === rule.threshold) return [];
  return [{ type: 'SeatAlertSet', data: { accountId, product, ...rule } }];
}
