// The account stream `account-<id>`: the company that buys seats, opened by sign-up with its owner.
import { assertNever, type Command, type Decider, type Event } from './decider';
import { AlreadyExists, InvalidInput, NotFound } from './errors';
import {
  decideWebhookEndpoint,
  evolveWebhookEndpoints,
  type WebhookEndpointCommand,
  type WebhookEndpointEvent,
  type WebhookEndpoints,
} from './webhook-endpoint';

export type AccountOpened = Event<'AccountOpened', { accountId: string; name: string; ownerUserId: string }>;
export type AccountEvent = AccountOpened | WebhookEndpointEvent;

/** Sign-up: the owner-to-be is the actor (their user id is chosen by the caller with the account id). */
export type OpenAccount = Command<'OpenAccount', { accountId: string; name: string; ownerUserId: string }>;
type AccountCommand = OpenAccount | WebhookEndpointCommand;

export type AccountState =
  | { readonly status: 'absent' }
  | {
      readonly status: 'open';
      readonly accountId: string;
      readonly name: string;
      readonly ownerUserId: string;
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
        return { status: 'open', ...event.data, webhookEndpoints: new Map() };
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
