// Webhook endpoints of an account: their configuration lives in the account stream `account-<id>` (so it has a
// history like the licences), decided by the account decider through the functions here. No secret is in any of
// these events: the signing secret lives encrypted in its own secret stream (webhook-secret.ts).
import { type Actor, assertNever, type Command, type Event, requireRole, type SystemActor } from './decider';
import { InvalidInput, NotFound } from './errors';

type EndpointConfig = {
  url: string;
  /** Published event types delivered; empty: all of them. */
  eventTypes: string[];
  description: string | null;
};

export type WebhookEndpointCreated = Event<
  'WebhookEndpointCreated',
  EndpointConfig & { accountId: string; endpointId: string }
>;
/** The whole configuration after the change, enabled included. */
export type WebhookEndpointUpdated = Event<
  'WebhookEndpointUpdated',
  EndpointConfig & { accountId: string; endpointId: string; enabled: boolean }
>;
/** Disabled by the system: the receiver answered 410 Gone, or kept failing past the limit. */
export type WebhookEndpointDisabled = Event<
  'WebhookEndpointDisabled',
  { accountId: string; endpointId: string; reason: WebhookDisableReason }
>;
/** A new signing secret; the previous one keeps verifying (both signatures are sent) until `previousValidUntil`. */
export type WebhookSecretRotated = Event<
  'WebhookSecretRotated',
  { accountId: string; endpointId: string; previousValidUntil: string }
>;
export type WebhookEndpointDeleted = Event<'WebhookEndpointDeleted', { accountId: string; endpointId: string }>;
export type WebhookEndpointEvent =
  | WebhookEndpointCreated
  | WebhookEndpointUpdated
  | WebhookEndpointDisabled
  | WebhookSecretRotated
  | WebhookEndpointDeleted;

export type WebhookDisableReason = 'GONE' | 'FAILING';

export type CreateWebhookEndpoint = Command<'CreateWebhookEndpoint', EndpointConfig & { endpointId: string }>;
export type UpdateWebhookEndpoint = Command<
  'UpdateWebhookEndpoint',
  { endpointId: string } & Partial<EndpointConfig & { enabled: boolean }>
>;
export type DeleteWebhookEndpoint = Command<'DeleteWebhookEndpoint', { endpointId: string }>;
export type RotateWebhookSecret = Command<'RotateWebhookSecret', { endpointId: string; previousValidUntil: string }>;
/** The deliverer's: issued as the system. */
export type DisableWebhookEndpoint = Command<
  'DisableWebhookEndpoint',
  { endpointId: string; reason: WebhookDisableReason },
  { actor: SystemActor; now: Date }
>;
export type WebhookEndpointCommand =
  | CreateWebhookEndpoint
  | UpdateWebhookEndpoint
  | DeleteWebhookEndpoint
  | RotateWebhookSecret
  | DisableWebhookEndpoint;

export interface WebhookEndpointState extends EndpointConfig {
  readonly endpointId: string;
  readonly enabled: boolean;
  /** ISO-8601, its creation's occurredAt: events that occurred before are not delivered to it. */
  readonly createdAt: string;
  /** Until when the previous secret still signs (after a rotation); null: only the current one. */
  readonly previousValidUntil: string | null;
}

export type WebhookEndpoints = ReadonlyMap<string, WebhookEndpointState>;

export const MAX_WEBHOOK_URL_LENGTH = 2000;
export const MAX_WEBHOOK_DESCRIPTION_LENGTH = 500;
/** Enough for any receiver's needs; a bound so one account cannot fan every event out without end. */
export const MAX_WEBHOOK_ENDPOINTS = 20;

function requireManager(actor: Actor): void {
  requireRole(actor, 'manage webhook endpoints', 'OWNER', 'ADMIN');
}

function existing(endpoints: WebhookEndpoints, endpointId: string): WebhookEndpointState {
  const endpoint = endpoints.get(endpointId);
  if (!endpoint) throw new NotFound('webhookEndpoint', `webhook endpoint ${endpointId} not found`);
  return endpoint;
}

function checkDescription(description: string | null | undefined): void {
  if (description && description.length > MAX_WEBHOOK_DESCRIPTION_LENGTH) {
    throw new InvalidInput('description', `must be at most ${MAX_WEBHOOK_DESCRIPTION_LENGTH} characters`, 'maxLength');
  }
}

/** Decides a command on the account's endpoints (the account is open: the account decider checked). */
export function decideWebhookEndpoint(
  command: WebhookEndpointCommand,
  accountId: string,
  endpoints: WebhookEndpoints,
): WebhookEndpointEvent[] {
  switch (command.type) {
    case 'CreateWebhookEndpoint': {
      requireManager(command.metadata.actor);
      const { endpointId, url, eventTypes, description } = command.data;
      if (endpoints.has(endpointId)) return [];
      if (endpoints.size >= MAX_WEBHOOK_ENDPOINTS) {
        throw new InvalidInput('url', `an account has at most ${MAX_WEBHOOK_ENDPOINTS} webhook endpoints`, 'maxCount');
      }
      checkDescription(description);
      return [
        {
          type: 'WebhookEndpointCreated',
          data: { accountId, endpointId, url, eventTypes: [...new Set(eventTypes)], description },
        },
      ];
    }
    case 'UpdateWebhookEndpoint': {
      requireManager(command.metadata.actor);
      const { endpointId } = command.data;
      const current = existing(endpoints, endpointId);
      checkDescription(command.data.description);
      const next = {
        url: command.data.url ?? current.url,
        eventTypes: command.data.eventTypes ? [...new Set(command.data.eventTypes)] : current.eventTypes,
        description: command.data.description === undefined ? current.description : command.data.description,
        enabled: command.data.enabled ?? current.enabled,
      };
      const same =
        next.url === current.url &&
        next.description === current.description &&
        next.enabled === current.enabled &&
        next.eventTypes.join('\n') === current.eventTypes.join('\n');
      if (same) return [];
      return [{ type: 'WebhookEndpointUpdated', data: { accountId, endpointId, ...next } }];
    }
    case 'DeleteWebhookEndpoint': {
      requireManager(command.metadata.actor);
      const { endpointId } = command.data;
      existing(endpoints, endpointId);
      return [{ type: 'WebhookEndpointDeleted', data: { accountId, endpointId } }];
    }
    case 'RotateWebhookSecret': {
      requireManager(command.metadata.actor);
      const { endpointId, previousValidUntil } = command.data;
      existing(endpoints, endpointId);
      return [{ type: 'WebhookSecretRotated', data: { accountId, endpointId, previousValidUntil } }];
    }
    case 'DisableWebhookEndpoint': {
      const { endpointId, reason } = command.data;
      const current = endpoints.get(endpointId);
      // Deleted or disabled meanwhile: nothing left to do.
      if (!current?.enabled) return [];
      return [{ type: 'WebhookEndpointDisabled', data: { accountId, endpointId, reason } }];
    }
    default:
      return assertNever(command);
  }
}

/** The endpoints after one of their events. */
export function evolveWebhookEndpoints(endpoints: WebhookEndpoints, event: WebhookEndpointEvent): WebhookEndpoints {
  const next = new Map(endpoints);
  const { endpointId } = event.data;
  const current = endpoints.get(endpointId);
  switch (event.type) {
    case 'WebhookEndpointCreated': {
      const { url, eventTypes, description } = event.data;
      next.set(endpointId, {
        endpointId,
        url,
        eventTypes,
        description,
        enabled: true,
        createdAt: event.metadata?.occurredAt ?? new Date(0).toISOString(),
        previousValidUntil: null,
      });
      return next;
    }
    case 'WebhookEndpointUpdated': {
      if (!current) return endpoints;
      const { url, eventTypes, description, enabled } = event.data;
      next.set(endpointId, { ...current, url, eventTypes, description, enabled });
      return next;
    }
    case 'WebhookEndpointDisabled':
      if (!current) return endpoints;
      next.set(endpointId, { ...current, enabled: false });
      return next;
    case 'WebhookSecretRotated':
      if (!current) return endpoints;
      next.set(endpointId, { ...current, previousValidUntil: event.data.previousValidUntil });
      return next;
    case 'WebhookEndpointDeleted':
      next.delete(endpointId);
      return next;
    default:
      return assertNever(event);
  }
}

/** Whether an endpoint wants an event: enabled, subscribed to its type, and created before it occurred. */
export function endpointWants(endpoint: WebhookEndpointState, type: string, occurredAt: string): boolean {
  if (!endpoint.enabled) return false;
  if (endpoint.eventTypes.length > 0 && !endpoint.eventTypes.includes(type)) return false;
  return occurredAt >= endpoint.createdAt;
}
