// The webhook deliverer: a reactor over every published event. For each event of an account (its metadata names
// the account, whatever the stream: licences, invitations, alerts) and each of the account's enabled endpoints that
// wants its type, it records one PENDING delivery, committed with the reactor's checkpoint before anything is sent
// (src/notifications/reactor.ts; on EventStoreDB a consumer group). A worker then sends due deliveries, several at
// once so that one slow or failing receiver holds up no other delivery (each retries on its own schedule, after
// WEBHOOK_RETRY_SECONDS with jitter), in log order among those due. 2xx is SENT; 410 Gone disables the endpoint;
// anything else, a timeout or an address the SSRF guard refuses now is retried, and FAILED after the last delay.
// An endpoint failing without a success for WEBHOOK_DISABLE_AFTER_SECONDS is disabled and its account's OWNER and
// ADMINs get a mail. A crash mid-attempt leaves the row PENDING: it goes out again after the restart, with the same
// webhook-id (receivers de-duplicate by it). Where the store has consumer groups each attempt is claimed in the log
// first (`claim-webhook-<eventId>:<endpointId>`, src/domain/effect-claim.ts), as the notifier claims its mails.
// The deliverer shares the event loop with the API, so it keeps its cost per delivery low: connections kept alive per
// endpoint (src/webhooks/send.ts), the successes of a turn of the loop written in one transaction, and a yield to
// waiting I/O (the API's requests) before each pick of due deliveries.
import { type EffectClaims, effectClaims } from '../application/effect-claims';
import { CommandHandler } from '../application/handle-command';
import type { WebhookEndpointsApplication } from '../application/webhook-endpoints';
import { toExportedEvent } from '../cli/export';
import { assertNever } from '../domain/decider';
import { PUBLISHED_STREAM_PREFIXES } from '../domain/event-schemas';
import { endpointWants } from '../domain/webhook-endpoint';
import type { EventStore, RecordedEvent } from '../eventstore/port';
import type { NotificationsDb } from '../notifications/db';
import { type ReactorGroupStatus, type RunningReactor, startReactor } from '../notifications/reactor';
import type { Logger } from '../notifications/transports';
import type { LogConsumer } from '../processing/log-consumer';
import { prepareWebhookTables } from './deliveries-db';
import { type AttemptOutcome, sendWebhook, webhookAgents } from './send';
import type { UrlGuard } from './ssrf-guard';

export interface WebhookDelivererOptions {
  readonly store: EventStore;
  readonly consumer: LogConsumer;
  readonly db: NotificationsDb;
  readonly webhooks: WebhookEndpointsApplication;
  readonly checkUrl: UrlGuard;
  readonly logger: Logger;
  /** WEBHOOK_RETRY_SECONDS. */
  readonly retrySeconds: readonly number[];
  /** WEBHOOK_TIMEOUT_MS. */
  readonly timeoutMs: number;
  /** WEBHOOK_DISABLE_AFTER_SECONDS. */
  readonly disableAfterSeconds: number;
  /** Tells the account's OWNER and ADMINs that an endpoint was disabled for failing. */
  readonly onDisabledForFailing?: (endpoint: { accountId: string; endpointId: string; url: string }) => Promise<void>;
  /** This instance's id in the claims (`<data dir>/instance-id`). */
  readonly instanceId: string;
  /** Claim each attempt in the log; default: where the store has consumer groups (as the notifier). */
  readonly claimEffects?: boolean;
  readonly now?: () => Date;
}

export interface WebhookDeliverer {
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): ReactorGroupStatus | null;
  /** Wakes the worker (a redelivery was scheduled). */
  wake(): void;
}

export const WEBHOOK_DELIVERER_NAME = 'webhooks';
const WEBHOOK_GROUP = 'seatledger-webhooks';
/** Attempts in flight at once: a few slow receivers cannot starve the others. */
const CONCURRENCY = 16;
/** The largest body sent; a published event is far smaller (the API takes 1 MB requests). */
const MAX_BODY_BYTES = 256 * 1024;
/** ±10 %: instances and endpoints retrying together spread out. */
const JITTER = 0.1;

interface DueRow {
  seq: number;
  endpoint_id: string;
  event_id: string;
  account_id: string;
  body: string;
  attempts: number;
}

const oneLine = (text: string) => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 500 ? `${line.slice(0, 497)}...` : line;
};

export function createWebhookDeliverer(options: WebhookDelivererOptions): WebhookDeliverer {
  const { db, webhooks, logger, store } = options;
  const now = options.now ?? (() => new Date());
  prepareWebhookTables(db);
  const claims: EffectClaims | null =
    (options.claimEffects ?? store.subscribeToGroup !== undefined)
      ? effectClaims(new CommandHandler({ store }), options.instanceId, now)
      : null;

  const insert = db.prepare(
    `INSERT INTO webhook_deliveries (endpoint_id, event_id, account_id, event_type, position, body, status, attempts,
                                     next_attempt_at, created_at, updated_at)
     VALUES (@endpointId, @eventId, @accountId, @type, @position, @body, 'PENDING', 0, @due, @at, @at)
     ON CONFLICT (endpoint_id, event_id) DO NOTHING`,
  );
  const selectDue = db.prepare(
    `SELECT seq, endpoint_id, event_id, account_id, body, attempts FROM webhook_deliveries
      WHERE status = 'PENDING' AND next_attempt_at <= ? ORDER BY next_attempt_at, seq LIMIT ?`,
  );
  const selectNextDue = db
    .prepare(`SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE status = 'PENDING'`)
    .pluck();
  const markSent = db.prepare(
    `UPDATE webhook_deliveries SET status = 'SENT', attempts = @attempts, last_status_code = @code, last_error = NULL,
            next_attempt_at = NULL, updated_at = @at WHERE seq = @seq`,
  );
  const markRetry = db.prepare(
    `UPDATE webhook_deliveries SET attempts = @attempts, last_status_code = @code, last_error = @error,
            next_attempt_at = @due, updated_at = @at WHERE seq = @seq`,
  );
  const markFailed = db.prepare(
    `UPDATE webhook_deliveries SET status = 'FAILED', attempts = @attempts, last_status_code = @code,
            last_error = @error, next_attempt_at = NULL, updated_at = @at WHERE seq = @seq`,
  );
  const markDeferred = db.prepare('UPDATE webhook_deliveries SET next_attempt_at = ? WHERE seq = ?');
  const failingSince = db.prepare('SELECT since FROM webhook_endpoint_failing WHERE endpoint_id = ?').pluck();
  const startFailing = db.prepare(
    'INSERT INTO webhook_endpoint_failing (endpoint_id, since) VALUES (?, ?) ON CONFLICT (endpoint_id) DO NOTHING',
  );
  const stopFailing = db.prepare('DELETE FROM webhook_endpoint_failing WHERE endpoint_id = ?');
  const agents = webhookAgents();

  // Successes are the common outcome: those of one turn of the event loop commit together, not one commit each.
  // Written before the claim is completed; a crash before the flush only sends them again (at least once).
  let sent: { attempts: number; code: number; at: string; seq: number; endpointId: string }[] = [];
  const writeSent = db.transaction((rows: typeof sent) => {
    for (const { endpointId, ...row } of rows) {
      markSent.run(row);
      stopFailing.run(endpointId);
    }
  });
  function flushSent() {
    if (sent.length === 0) return;
    const rows = sent;
    sent = [];
    writeSent(rows);
  }
  function recordSent(row: (typeof sent)[number]): Promise<void> {
    if (sent.length === 0) setImmediate(flushSent);
    sent.push(row);
    return new Promise((resolve) => setImmediate(resolve));
  }

  // 1. Record: one PENDING delivery per wanting endpoint, committed with the checkpoint.
  async function handle(event: RecordedEvent) {
    const accountId = event.metadata.accountId;
    if (typeof accountId !== 'string' || accountId === '') return undefined;
    const endpoints = await webhooks.endpointsOf(accountId);
    if (endpoints.size === 0) return undefined;
    const occurredAt = String(event.metadata.occurredAt ?? event.recordedAt.toISOString());
    const wanting = [...endpoints.values()].filter((endpoint) => endpointWants(endpoint, event.type, occurredAt));
    if (wanting.length === 0) return undefined;
    const body = JSON.stringify(toExportedEvent(event));
    if (Buffer.byteLength(body) > MAX_BODY_BYTES) {
      logger.error({ eventId: event.id, bytes: Buffer.byteLength(body) }, 'event too large for a webhook; not sent');
      return undefined;
    }
    const at = now();
    const rows = wanting.map((endpoint) => ({
      endpointId: endpoint.endpointId,
      eventId: event.id,
      accountId,
      type: event.type,
      position: event.position,
      body,
      due: at.getTime(),
      at: at.toISOString(),
    }));
    return () => {
      for (const row of rows) insert.run(row);
      wake();
    };
  }

  // 2. One attempt of one delivery.
  async function attempt(row: DueRow): Promise<void> {
    const attempts = row.attempts + 1;
    const log = { eventId: row.event_id, endpointId: row.endpoint_id, attempts };
    const effect = { reactor: 'webhook', eventId: `${row.event_id}:${row.endpoint_id}`, accountId: row.account_id };
    const at = now();
    const endpoint = (await webhooks.endpointsOf(row.account_id)).get(row.endpoint_id);
    if (!endpoint?.enabled) {
      agents.forget(row.endpoint_id);
      const error = endpoint ? 'endpoint disabled' : 'endpoint deleted';
      markFailed.run({ attempts: row.attempts, code: null, error, at: at.toISOString(), seq: row.seq });
      return;
    }
    if (claims) {
      const claim = await claims.claim(effect, options.timeoutMs * 3 + 60_000);
      switch (claim) {
        case 'claimed':
          break;
        case 'claimed-elsewhere':
          markDeferred.run(at.getTime() + options.timeoutMs * 3 + 60_000, row.seq);
          return;
        case 'done':
          markSent.run({ attempts: row.attempts, code: null, at: at.toISOString(), seq: row.seq });
          return;
        default:
          assertNever(claim);
      }
    }
    let outcome: AttemptOutcome;
    try {
      const target = await options.checkUrl(endpoint.url);
      const secrets = await webhooks.signingSecrets(row.endpoint_id, at);
      if (secrets.length === 0) throw new Error('the endpoint has no signing secret');
      outcome = await sendWebhook(
        target,
        {
          id: row.event_id,
          body: row.body,
          secrets,
          at,
          timeoutMs: options.timeoutMs,
        },
        agents.agentFor(row.endpoint_id, target),
      );
    } catch (error) {
      outcome = { kind: 'failed', error: error instanceof Error ? error.message : String(error) };
    }
    const done = now();
    const code = outcome.kind === 'answered' ? outcome.statusCode : null;
    if (code !== null && code >= 200 && code < 300) {
      await recordSent({ attempts, code, at: done.toISOString(), seq: row.seq, endpointId: row.endpoint_id });
      logger.info({ ...log, statusCode: code }, 'webhook delivered');
      await claims?.complete(effect).catch(() => undefined);
      return;
    }
    // What this endpoint's earlier successes wrote comes first: a failure after them starts its failing time.
    flushSent();
    const error = oneLine(
      outcome.kind === 'answered' ? `HTTP ${code}${outcome.excerpt ? `: ${outcome.excerpt}` : ''}` : outcome.error,
    );
    if (code === 410) {
      markFailed.run({ attempts, code, error, at: done.toISOString(), seq: row.seq });
      logger.warn({ ...log, url: endpoint.url }, 'webhook receiver answered 410 Gone: endpoint disabled');
      await disable(row, 'GONE');
      return;
    }
    startFailing.run(row.endpoint_id, done.getTime());
    const since = failingSince.get(row.endpoint_id) as number | undefined;
    if (since !== undefined && done.getTime() - since >= options.disableAfterSeconds * 1000) {
      markFailed.run({ attempts, code, error, at: done.toISOString(), seq: row.seq });
      logger.error({ ...log, url: endpoint.url }, 'webhook endpoint kept failing: disabled');
      await disable(row, 'FAILING');
      stopFailing.run(row.endpoint_id);
      await options
        .onDisabledForFailing?.({ accountId: row.account_id, endpointId: row.endpoint_id, url: endpoint.url })
        .catch((e) => logger.error({ ...log, error: String(e) }, 'could not mail about a disabled webhook endpoint'));
      return;
    }
    const delaySeconds = options.retrySeconds[attempts - 1];
    if (delaySeconds === undefined) {
      markFailed.run({ attempts, code, error, at: done.toISOString(), seq: row.seq });
      logger.warn({ ...log, error }, 'webhook failed after the last retry');
      return;
    }
    const delayMs = delaySeconds * 1000 * (1 - JITTER + 2 * JITTER * Math.random());
    markRetry.run({ attempts, code, error, due: done.getTime() + delayMs, at: done.toISOString(), seq: row.seq });
    logger.warn({ ...log, error, retryInMs: Math.round(delayMs) }, 'webhook not delivered; will retry');
  }

  async function disable(row: DueRow, reason: 'GONE' | 'FAILING') {
    try {
      await webhooks.disable({ accountId: row.account_id, causationId: row.event_id }, row.endpoint_id, reason);
    } catch (error) {
      logger.error({ endpointId: row.endpoint_id, error: String(error) }, 'could not disable a webhook endpoint');
    }
  }

  // 3. The worker: up to CONCURRENCY attempts at once, the due ones in log order.
  let stopping = true;
  let worker: Promise<void> | null = null;
  let wakeUp: (() => void) | null = null;
  const inFlight = new Map<number, Promise<void>>();

  function wake() {
    wakeUp?.();
  }

  async function work(): Promise<void> {
    while (!stopping) {
      // Whatever I/O waits (the API's requests among it) goes first: deliveries are not in a hurry by milliseconds.
      await new Promise((resolve) => setImmediate(resolve));
      if (stopping) break;
      const free = CONCURRENCY - inFlight.size;
      let started = 0;
      if (free > 0) {
        const due = selectDue.all(now().getTime(), free + inFlight.size) as DueRow[];
        for (const row of due) {
          if (inFlight.has(row.seq) || inFlight.size >= CONCURRENCY) continue;
          const running = attempt(row)
            .catch((error) => logger.error({ eventId: row.event_id, error: String(error) }, 'webhook attempt crashed'))
            .finally(() => {
              inFlight.delete(row.seq);
              wake();
            });
          inFlight.set(row.seq, running);
          started++;
        }
      }
      if (started > 0) continue;
      const next = selectNextDue.get() as number | null;
      await new Promise<void>((resolve) => {
        // In-flight rows are still PENDING and due: their end wakes us, not the clock.
        const waitMs = next === null || inFlight.size > 0 ? null : Math.max(0, next - now().getTime());
        const timer = waitMs === null ? undefined : setTimeout(resolve, Math.min(waitMs, 2 ** 31 - 1));
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeUp = null;
    }
  }

  let running: RunningReactor | null = null;
  return {
    async start() {
      stopping = false;
      worker = work();
      running = startReactor(
        {
          name: WEBHOOK_DELIVERER_NAME,
          // Every published stream: an account's events wherever they are (alerts' streams included).
          filter: { streamPrefixes: PUBLISHED_STREAM_PREFIXES },
          group: WEBHOOK_GROUP,
          handle,
        },
        { store, consumer: options.consumer, db, logger },
      );
      await running.started;
    },
    status: () => running?.status() ?? null,
    wake,
    async stop() {
      stopping = true;
      await running?.stop();
      running = null;
      wake();
      await worker;
      await Promise.all(inFlight.values());
      flushSent();
      agents.close();
      worker = null;
    },
  };
}
