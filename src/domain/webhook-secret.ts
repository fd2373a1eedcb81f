// The secret stream `credentials-webhook-<endpointId>`: a webhook endpoint's signing secrets, only ever encrypted
// (AES-256-GCM under SEATLEDGER_SECRET_KEY; the application seals and opens them, the domain sees opaque text).
// Like every `credentials-` stream it keeps only its latest event, so each event carries the whole state: the
// current secret and, during a rotation's window, the previous one. Deleting the endpoint writes a tombstone
// (`WebhookSecretErased`, nothing sealed in it): being the latest, it leaves no ciphertext of the secret in the log.
import { assertNever, type Command, type Decider, type Event, type ReactorCommandMetadata } from './decider';

export type WebhookSecretStored = Event<
  'WebhookSecretStored',
  { endpointId: string; current: string; previous: string | null; previousValidUntil: string | null }
>;
export type WebhookSecretErased = Event<'WebhookSecretErased', { endpointId: string }>;
export type WebhookSecretEvent = WebhookSecretStored | WebhookSecretErased;

/** A new current secret (creation or rotation); a rotation keeps the current one as previous until `previousValidUntil`. */
export type StoreWebhookSecret = Command<
  'StoreWebhookSecret',
  { endpointId: string; sealed: string; previousValidUntil: string | null },
  ReactorCommandMetadata
>;
/** The endpoint was deleted: its secrets go. */
export type EraseWebhookSecret = Command<'EraseWebhookSecret', { endpointId: string }, ReactorCommandMetadata>;
export type WebhookSecretCommand = StoreWebhookSecret | EraseWebhookSecret;

export type WebhookSecretState =
  | { readonly status: 'none' }
  | { readonly status: 'erased' }
  | {
      readonly status: 'stored';
      readonly current: string;
      readonly previous: string | null;
      readonly previousValidUntil: string | null;
    };

export const webhookSecretDecider: Decider<WebhookSecretState, WebhookSecretCommand, WebhookSecretEvent> = {
  initialState: () => ({ status: 'none' }),

  decide: (command, state) => {
    switch (command.type) {
      case 'StoreWebhookSecret': {
        const { endpointId, sealed, previousValidUntil } = command.data;
        // Erased stays erased: a deleted endpoint gets no secret again.
        if (state.status === 'erased') return [];
        if (state.status === 'stored' && state.current === sealed) return [];
        const keepPrevious = state.status === 'stored' && previousValidUntil !== null;
        return [
          {
            type: 'WebhookSecretStored',
            data: {
              endpointId,
              current: sealed,
              previous: keepPrevious ? state.current : null,
              previousValidUntil: keepPrevious ? previousValidUntil : null,
            },
          },
        ];
      }
      case 'EraseWebhookSecret':
        return state.status === 'erased' ? [] : [{ type: 'WebhookSecretErased', data: command.data }];
      default:
        return assertNever(command);
    }
  },

  evolve: (_state, event) => {
    switch (event.type) {
      case 'WebhookSecretStored': {
        const { current, previous, previousValidUntil } = event.data;
        return { status: 'stored', current, previous, previousValidUntil };
      }
      case 'WebhookSecretErased':
        return { status: 'erased' };
      default:
        return assertNever(event);
    }
  },
};
