// The secret stream `credentials-webhook-<endpointId>`: a webhook endpoint's signing secrets, only ever encrypted
// (AES-256-GCM under SEATLEDGER_SECRET_KEY; the application seals and opens them, the domain sees opaque text).
// Like every `credentials-` stream it keeps only its latest event, so each event carries the whole state: the
// current secret and, during a rotation's window, the previous one.
import { assertNever, type Command, type Decider, type Event, type ReactorCommandMetadata } from './decider';

export type WebhookSecretStored = Event<
  'WebhookSecretStored',
  { endpointId: string; current: string; previous: string | null; previousValidUntil: string | null }
>;
export type WebhookSecretEvent = WebhookSecretStored;

/** A new current secret (creation or rotation); a rotation keeps the current one as previous until `previousValidUntil`. */
export type StoreWebhookSecret = Command<
  'StoreWebhookSecret',
  { endpointId: string; sealed: string; previousValidUntil: string | null },
  ReactorCommandMetadata
>;

export type WebhookSecretState =
  | { readonly status: 'none' }
  | {
      readonly status: 'stored';
      readonly current: string;
      readonly previous: string | null;
      readonly previousValidUntil: string | null;
    };

export const webhookSecretDecider: Decider<WebhookSecretState, StoreWebhookSecret, WebhookSecretEvent> = {
  initialState: () => ({ status: 'none' }),

  decide: (command, state) => {
    switch (command.type) {
      case 'StoreWebhookSecret': {
        const { endpointId, sealed, previousValidUntil } = command.data;
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
      default:
        return assertNever(command.type);
    }
  },

  evolve: (_state, event) => {
    switch (event.type) {
      case 'WebhookSecretStored': {
        const { current, previous, previousValidUntil } = event.data;
        return { status: 'stored', current, previous, previousValidUntil };
      }
      default:
        return assertNever(event.type);
    }
  },
};
