// Webhook endpoints on the write side: create (with an idempotency key), update, delete, rotate the secret, list;
// and what the deliverer asks: an account's endpoints and the secrets an endpoint signs with now. The configuration
// is the account stream's (src/domain/webhook-endpoint.ts); the secret is generated here, shown once, and stored
// sealed (secret-box.ts) in the endpoint's secret stream before the endpoint exists, so a delivery never finds an
// endpoint without one. The URL passes the SSRF guard (injected: it resolves names) before anything is written.
import { randomBytes } from 'node:crypto';
import { type AccountState, accountDecider } from '../domain/account';
import { type Actor, requireRole, SYSTEM_ACTOR_ID, systemActor } from '../domain/decider';
import { InvalidInput, NotFound } from '../domain/errors';
import { PUBLISHED_EVENT_TYPES } from '../domain/event-schemas';
import { accountStream, webhookSecretStream } from '../domain/streams';
import {
  MAX_WEBHOOK_URL_LENGTH,
  type WebhookDisableReason,
  type WebhookEndpointCommand,
  type WebhookEndpointState,
  type WebhookEndpoints,
} from '../domain/webhook-endpoint';
import { type StoreWebhookSecret, webhookSecretDecider } from '../domain/webhook-secret';
import type { EventStore } from '../eventstore/port';
import type { RequestContext, Written } from './application';
import { CommandHandler, type EventContext } from './handle-command';
import { idempotent } from './idempotency';
import type { LogWatch } from './log-watch';
import type { SecretBox } from './secret-box';

/** An endpoint as the API shows it. */
export interface WebhookEndpointView {
  readonly id: string;
  readonly accountId: string;
  readonly url: string;
  readonly eventTypes: readonly string[];
  readonly description: string | null;
  readonly enabled: boolean;
  readonly createdAt: string;
}

export interface WebhookEndpointsApplication {
  create(
    ctx: RequestContext,
    input: { url: string; eventTypes: readonly string[]; description: string | null; idempotencyKey?: string | null },
  ): Promise<Written & { endpoint: WebhookEndpointView; secret: string }>;
  update(
    ctx: RequestContext,
    input: {
      endpointId: string;
      url?: string | null;
      eventTypes?: readonly string[] | null;
      description?: string | null;
      enabled?: boolean | null;
    },
  ): Promise<Written & { endpoint: WebhookEndpointView }>;
  delete(ctx: RequestContext, input: { endpointId: string }): Promise<Written & { deletedId: string }>;
  rotateSecret(
    ctx: RequestContext,
    input: { endpointId: string },
  ): Promise<Written & { endpoint: WebhookEndpointView; secret: string }>;
  /** The account's endpoints, oldest first; OWNER or ADMIN. */
  list(actor: Actor): Promise<WebhookEndpointView[]>;
  /** For the deliverer: the account's endpoints as its stream stands. */
  endpointsOf(accountId: string): Promise<WebhookEndpoints>;
  /** For the deliverer: the secrets to sign with at `now` (the current first; the previous one during its window). */
  signingSecrets(endpointId: string, now: Date): Promise<string[]>;
  /** For the deliverer: stops deliveries to an endpoint, as the system; `causationId` is the delivery's event. */
  disable(
    cause: { accountId: string; causationId: string },
    endpointId: string,
    reason: WebhookDisableReason,
  ): Promise<void>;
}

interface WebhookEndpointsDeps {
  readonly store: EventStore;
  readonly watch?: LogWatch;
  readonly secrets: SecretBox;
  /** The SSRF guard (src/webhooks/ssrf-guard.ts): throws BAD_USER_INPUT on `url`. */
  readonly checkUrl: (url: string) => Promise<unknown>;
  readonly now?: () => Date;
  /** How long a rotated-out secret still signs; 24 h. */
  readonly rotationOverlapMs?: number;
}

const ROTATION_OVERLAP_MS = 24 * 60 * 60_000;
/** `whsec_` + base64 of 32 random bytes: the Standard Webhooks form, which its libraries take as it is. */
const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

const view = (accountId: string, endpoint: WebhookEndpointState): WebhookEndpointView => ({
  id: endpoint.endpointId,
  accountId,
  url: endpoint.url,
  eventTypes: endpoint.eventTypes,
  description: endpoint.description,
  enabled: endpoint.enabled,
  createdAt: endpoint.createdAt,
});

const PUBLISHED = new Set<string>(PUBLISHED_EVENT_TYPES);

function checkEventTypes(eventTypes: readonly string[]): void {
  const unknown = eventTypes.filter((type) => !PUBLISHED.has(type));
  if (unknown.length > 0) {
    throw new InvalidInput(
      'eventTypes',
      `${unknown.join(', ')} ${unknown.length === 1 ? 'is no' : 'are no'} published event type (docs/events/README.md)`,
      'isPublishedEventType',
    );
  }
}

async function checkUrlInput(url: string, checkUrl: (url: string) => Promise<unknown>): Promise<string> {
  const trimmed = url.trim();
  if (trimmed.length > MAX_WEBHOOK_URL_LENGTH) {
    throw new InvalidInput('url', `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`, 'maxLength');
  }
  await checkUrl(trimmed);
  return trimmed;
}

export function createWebhookEndpoints(deps: WebhookEndpointsDeps): WebhookEndpointsApplication {
  const handler = new CommandHandler({ store: deps.store, watch: deps.watch });
  const now = deps.now ?? (() => new Date());
  const overlapMs = deps.rotationOverlapMs ?? ROTATION_OVERLAP_MS;

  const eventContext = (ctx: RequestContext, at: Date, extra?: Record<string, unknown>): EventContext => ({
    accountId: ctx.actor.accountId,
    actorId: ctx.actor.userId,
    occurredAt: at.toISOString(),
    correlationId: ctx.correlationId,
    causationId: ctx.causationId ?? ctx.correlationId,
    extra,
  });

  const loadAccount = async (accountId: string) => (await handler.load(accountDecider, accountStream(accountId))).state;

  function endpointOf(state: AccountState, endpointId: string): WebhookEndpointState {
    const endpoint = state.status === 'open' ? state.webhookEndpoints.get(endpointId) : undefined;
    if (!endpoint) throw new NotFound('webhookEndpoint', `webhook endpoint ${endpointId} not found`);
    return endpoint;
  }

  async function storeSecret(ctx: RequestContext, at: Date, endpointId: string, secret: string, keepPrevious: boolean) {
    const command: StoreWebhookSecret = {
      type: 'StoreWebhookSecret',
      data: {
        endpointId,
        sealed: deps.secrets.seal(secret),
        previousValidUntil: keepPrevious ? new Date(at.getTime() + overlapMs).toISOString() : null,
      },
      metadata: { actor: ctx.actor, now: at },
    };
    // Keeps only its latest event, like every secret stream: a replaced secret does not linger in the log.
    await handler.handle(webhookSecretDecider, webhookSecretStream(endpointId), command, eventContext(ctx, at), {
      maxCount: 1,
    });
    return command.data.previousValidUntil;
  }

  async function revealSecret(endpointId: string): Promise<string> {
    const { state } = await handler.load(webhookSecretDecider, webhookSecretStream(endpointId));
    if (state.status !== 'stored') throw new NotFound('webhookEndpoint', `webhook endpoint ${endpointId} not found`);
    return deps.secrets.open(state.current);
  }

  async function onAccount(
    ctx: RequestContext,
    at: Date,
    command: WebhookEndpointCommand,
    extra?: Record<string, unknown>,
  ) {
    return handler.handle(accountDecider, accountStream(ctx.actor.accountId), command, eventContext(ctx, at, extra));
  }

  return {
    async create(ctx, input) {
      requireRole(ctx.actor, 'manage webhook endpoints', 'OWNER', 'ADMIN');
      checkEventTypes(input.eventTypes);
      const url = await checkUrlInput(input.url, deps.checkUrl);
      const at = now();
      const accountId = ctx.actor.accountId;
      const stream = accountStream(accountId);
      const description = input.description?.trim() || null;
      return idempotent(
        handler,
        { accountId, actor: ctx.actor, context: eventContext(ctx, at), now },
        input.idempotencyKey,
        {
          command: 'CreateWebhookEndpoint',
          input: [url, input.eventTypes, description],
          target: {
            stream,
            prepare: async () => {
              const { state, revision } = await handler.load(accountDecider, stream);
              accountDecider.decide(createCommand(handler.newId()), state);
              return revision;
            },
          },
          async run(metadata) {
            const endpointId = handler.newId();
            const secret = newSecret();
            await storeSecret(ctx, at, endpointId, secret, false);
            const handled = await onAccount(ctx, at, createCommand(endpointId), metadata);
            return {
              position: handled.position,
              endpoint: view(accountId, endpointOf(handled.state, endpointId)),
              secret,
            };
          },
          async replay(position, first) {
            const event = await first();
            const endpointId = typeof event?.data.endpointId === 'string' ? event.data.endpointId : '';
            const endpoint = endpointOf(await loadAccount(accountId), endpointId);
            return { position, endpoint: view(accountId, endpoint), secret: await revealSecret(endpointId) };
          },
        },
      );

      function createCommand(endpointId: string): WebhookEndpointCommand {
        return {
          type: 'CreateWebhookEndpoint',
          data: { endpointId, url, eventTypes: [...input.eventTypes], description },
          metadata: { actor: ctx.actor, now: at },
        };
      }
    },

    async update(ctx, input) {
      requireRole(ctx.actor, 'manage webhook endpoints', 'OWNER', 'ADMIN');
      if (input.eventTypes) checkEventTypes(input.eventTypes);
      // Nothing stored for an endpoint that is not there, whatever the URL.
      endpointOf(await loadAccount(ctx.actor.accountId), input.endpointId);
      const url = input.url == null ? undefined : await checkUrlInput(input.url, deps.checkUrl);
      const at = now();
      const handled = await onAccount(ctx, at, {
        type: 'UpdateWebhookEndpoint',
        data: {
          endpointId: input.endpointId,
          ...(url !== undefined ? { url } : {}),
          ...(input.eventTypes ? { eventTypes: [...input.eventTypes] } : {}),
          ...(input.description !== undefined ? { description: input.description?.trim() || null } : {}),
          ...(input.enabled != null ? { enabled: input.enabled } : {}),
        },
        metadata: { actor: ctx.actor, now: at },
      });
      return {
        position: handled.position,
        endpoint: view(ctx.actor.accountId, endpointOf(handled.state, input.endpointId)),
      };
    },

    async delete(ctx, input) {
      const at = now();
      const handled = await onAccount(ctx, at, {
        type: 'DeleteWebhookEndpoint',
        data: { endpointId: input.endpointId },
        metadata: { actor: ctx.actor, now: at },
      });
      // Then the tombstone: the stream keeps only its latest event, so the sealed secret leaves the log.
      await handler.handle(
        webhookSecretDecider,
        webhookSecretStream(input.endpointId),
        { type: 'EraseWebhookSecret', data: { endpointId: input.endpointId }, metadata: { actor: ctx.actor, now: at } },
        eventContext(ctx, at),
        { maxCount: 1 },
      );
      return { position: handled.position, deletedId: input.endpointId };
    },

    async rotateSecret(ctx, input) {
      requireRole(ctx.actor, 'manage webhook endpoints', 'OWNER', 'ADMIN');
      endpointOf(await loadAccount(ctx.actor.accountId), input.endpointId);
      const at = now();
      const secret = newSecret();
      // The new secret first: from here both sign, so a receiver that has either verifies.
      const previousValidUntil = await storeSecret(ctx, at, input.endpointId, secret, true);
      const handled = await onAccount(ctx, at, {
        type: 'RotateWebhookSecret',
        data: { endpointId: input.endpointId, previousValidUntil: previousValidUntil ?? at.toISOString() },
        metadata: { actor: ctx.actor, now: at },
      });
      return {
        position: handled.position,
        endpoint: view(ctx.actor.accountId, endpointOf(handled.state, input.endpointId)),
        secret,
      };
    },

    async list(actor) {
      requireRole(actor, 'see webhook endpoints', 'OWNER', 'ADMIN');
      const state = await loadAccount(actor.accountId);
      if (state.status !== 'open') return [];
      return [...state.webhookEndpoints.values()].map((endpoint) => view(actor.accountId, endpoint));
    },

    async endpointsOf(accountId) {
      const state = await loadAccount(accountId);
      return state.status === 'open' ? state.webhookEndpoints : new Map();
    },

    async signingSecrets(endpointId, at) {
      const { state } = await handler.load(webhookSecretDecider, webhookSecretStream(endpointId));
      if (state.status !== 'stored') return [];
      const secrets = [deps.secrets.open(state.current)];
      if (state.previous && state.previousValidUntil && Date.parse(state.previousValidUntil) > at.getTime()) {
        // Sealed under a key this instance no longer has (a restore that made a new one): the new secret alone.
        try {
          secrets.push(deps.secrets.open(state.previous));
        } catch {}
      }
      return secrets;
    },

    async disable(cause, endpointId, reason) {
      const at = now();
      await handler.handle(
        accountDecider,
        accountStream(cause.accountId),
        {
          type: 'DisableWebhookEndpoint',
          data: { endpointId, reason },
          metadata: { actor: systemActor(SYSTEM_ACTOR_ID), now: at },
        },
        {
          accountId: cause.accountId,
          actorId: SYSTEM_ACTOR_ID,
          occurredAt: at.toISOString(),
          correlationId: cause.causationId,
          causationId: cause.causationId,
        },
      );
    },
  };
}
