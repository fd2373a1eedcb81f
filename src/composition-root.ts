// The one composition root: config in, a running seatledger out — store, write side, projections, sign-in,
// reactors, GraphQL over HTTP and WebSocket. `seatledger serve` and the end-to-end tests both start it here.
import path from 'node:path';
import { Counter, Gauge, Registry } from 'prom-client';
import { historyFile, type ReadModelFile, readModelsFile } from '../projections';
import { createApplication } from './application/create-application';
import { createCredentialsApplication } from './application/credentials';
import { LogWatch } from './application/log-watch';
import { secretBox } from './application/secret-box';
import { createWebhookEndpoints } from './application/webhook-endpoints';
import { HashQueue } from './auth/hash-queue';
import { queuedPasswordHasher } from './auth/passwords';
import { rememberVerified } from './auth/remember-verified';
import { createSessions, type Sessions } from './auth/sessions';
import { createAuthenticator } from './auth/sessions-authentication';
import { createSignIn } from './auth/sign-in';
import { Throttle } from './auth/throttle';
import { loadOrCreateSecret, localTokens, oidcTokens, type TokenVerifier } from './auth/tokens';
import type { Config } from './config';
import { EVENT_UPCASTERS } from './domain/event-schemas';
import { eventsFile, openEventStore } from './eventstore/open';
import type { EventStore, Position } from './eventstore/port';
import { eventsBetween } from './eventstore/sqlite';
import { withUpcasting } from './eventstore/upcasting';
import { buildSeatledgerSchema } from './graphql/schema';
import { createServices } from './graphql/services';
import { socketRegistry } from './graphql/socket-registry';
import { attachGraphQLWebSocket } from './graphql/websocket';
import { createAnswerCache } from './http/answer-cache';
import { defaultConsoleDir } from './http/console';
import { corsPolicy } from './http/cors';
import type { Logger } from './logger';
import { openNotificationsDb } from './notifications/db';
import { createDeactivationReactor } from './notifications/deactivation-reactor';
import { createInvitationExpiryReactor } from './notifications/invitation-expiry-reactor';
import { renderWebhookEndpointDisabledMail } from './notifications/mails';
import { createNotifier, loadOrCreateInstanceId, loadOrCreateNotifierKey } from './notifications/notifier';
import type { ReactorGroupStatus } from './notifications/reactor';
import { createSeatAlertReactor } from './notifications/seat-alert-reactor';
import { createMailTransport } from './notifications/transports';
import { securePrivateDir } from './private-files';
import { LogConsumer } from './processing/log-consumer';
import { readModelsProcessor } from './projection-runtime/read-models-processor';
import { accountReadVersions } from './queries/account-read-versions';
import { createQueryService } from './queries/query-service';
import { startServer } from './server';
import { createWebhookDeliverer, type WebhookDeliverer } from './webhooks/deliverer';
import { loadOrCreateSecretKey } from './webhooks/secret-key';
import { webhookServices } from './webhooks/services';
import { urlGuard } from './webhooks/ssrf-guard';

interface SeatledgerOptions {
  readonly config: Config;
  readonly logger: Logger;
  /** Run the notifier and the deactivation reactor here (default true; off for extra API instances). */
  readonly reactors?: boolean;
  /** Test knob: the notifier's retry policy. */
  readonly notifierRetry?: { attempts: number; baseDelayMs: number; maxDelayMs?: number };
  /** Test knob: the time activation links are issued and redeemed at (so a test can let a link expire). */
  readonly clock?: () => Date;
  /**
   * Test knob: opens the log instead of the configured one (e.g. a size-capped SQLite file a test fills and frees).
   * Wrapped in the upcasters and closed here like the configured one.
   */
  readonly openEventStore?: (config: Config) => Promise<EventStore> | EventStore;
  /** Test knob: how long a write waits for the read models before it is answered from the write side (5 s). */
  readonly readYourWritesTimeoutMs?: number;
}

export interface RunningSeatledger {
  /** The GraphQL endpoint. */
  readonly url: string;
  readonly port: number;
  /** Stops accepting requests, lets in-flight ones finish, then stops reactors, projections and the store. */
  close(): Promise<void>;
}

// The history's thread commits a batch at most every 50 ms under load: one hand-off to it per 50 ms instead of one
// per few events (each woke the thread and cost the event loop about 85 µs, docs/processing.md).
const HISTORY_COALESCE_MS = 50;

export async function startSeatledger(options: SeatledgerOptions): Promise<RunningSeatledger> {
  const { config, logger } = options;
  const closers: (() => Promise<void> | void)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (error) {
        logger.error({ err: error }, 'error while shutting down');
      }
    }
  };

  try {
    // Before anything is written there: the dir 0700, whether new or left open by an older version.
    securePrivateDir(config.dataDir, logger);
    const store = options.openEventStore
      ? withUpcasting(await options.openEventStore(config), EVENT_UPCASTERS)
      : await openEventStore({
          dataDir: config.dataDir,
          eventStoreConnectionString: config.eventStoreConnectionString,
          logger,
        });
    closers.push(() => store.close());

    // The one follower of the log: read models, the command handler's watch and the reactors are its processors.
    const consumer = new LogConsumer({ store, logger });
    closers.push(() => consumer.stop());
    // Until the watch is live every stream is read before use, so nothing waits for it.
    const watch = new LogWatch();
    void consumer.add(watch);
    // The notifier's key: invitation links are derived with it, by the writer and by the mail alike.
    const notifierKey = loadOrCreateNotifierKey(config.dataDir);
    const app = createApplication({ store, watch, invitationTokenKey: notifierKey });
    const credentials = createCredentialsApplication({
      store,
      watch,
      ...(options.clock ? { now: options.clock } : {}),
    });

    // Two read-model files, two lanes. The history's is written by a thread of its own once caught up, and on the
    // embedded log a long rebuild of it runs in a worker thread too: its commits stay off the event loop.
    const embeddedLog = !options.openEventStore && !config.eventStoreConnectionString;
    const lane = (
      file: ReadModelFile,
      { ownThread = false, ...followed }: { ownThread?: boolean; awaitedByWrites?: boolean; coalesceMs?: number } = {},
    ) => {
      const processor = readModelsProcessor({
        name: file.processor,
        file: path.join(config.dataDir, file.file),
        projections: file.projections,
        ...(ownThread && embeddedLog
          ? { rebuildAlone: { eventsFile: eventsFile(config.dataDir), eventsBetween } }
          : {}),
        writerThread: ownThread,
        ...followed,
        logger,
      });
      // Closed after the consumer has stopped (closers run in reverse).
      closers.splice(closers.length - 1, 0, () => processor.close());
      void consumer.add(processor);
      return processor;
    };
    const readModels = lane(readModelsFile);
    // No write's answer reads the history: writes do not wait for its thread, its readers do (LogConsumer.fence), so
    // its batches may gather what comes in meanwhile; a reader waiting cuts that short.
    const history = lane(historyFile, { ownThread: true, awaitedByWrites: false, coalesceMs: HISTORY_COALESCE_MS });

    let sessions: Sessions | undefined;
    let verifier: TokenVerifier;
    if (config.auth.kind === 'oidc') {
      verifier = oidcTokens(config.auth);
    } else {
      const secret = loadOrCreateSecret(config.dataDir, config.auth.secret ?? undefined);
      const tokens = localTokens(secret, config.auth.tokenTtlSeconds);
      sessions = createSessions({
        store,
        watch,
        app,
        tokens,
        secret,
        graceMs: config.auth.refreshGraceSeconds * 1000,
      });
      verifier = tokens;
    }
    verifier = rememberVerified(verifier);
    const { hashConcurrency, hashMaxWaiting, trustProxy: _trustProxy, ...throttleSettings } = config.throttle;
    const signIn = createSignIn({
      app,
      credentials,
      verifier,
      ...(sessions ? { issuer: sessions } : {}),
      passwords: queuedPasswordHasher(new HashQueue({ concurrency: hashConcurrency, maxWaiting: hashMaxWaiting })),
      // One throttle per kind of secret: guesses at passwords and at activation tokens are counted apart.
      loginThrottle: new Throttle(throttleSettings),
      activationThrottle: new Throttle(throttleSettings),
      invitationThrottle: new Throttle(throttleSettings),
    });
    const authenticate = createAuthenticator({
      verifier,
      ...(sessions ? { sessions } : {}),
      resolveViewer: (token) => signIn.resolveViewer(token),
    });
    // The notifier's delivery state; `notifications(status:)` reads it where the reactors run.
    const db = (options.reactors ?? true) ? openNotificationsDb(config.dataDir) : null;
    if (db) {
      closers.push(() => {
        db.close();
      });
    }
    // Rows read by live licenseEvents feeds: stays flat while a subscriber is slow, since a feed reads only on demand.
    let liveRowsRead = 0;
    const queries = createQueryService({
      readModels: {
        db: readModels.db,
        waitForPosition: (position, timeoutMs) => consumer.waitFor(position, timeoutMs),
        onApplied: (listener) => readModels.onApplied(listener),
      },
      history: {
        get db() {
          return history.db;
        },
        onApplied: (listener) => history.onApplied(listener),
        fence: (timeoutMs) => consumer.fence(history.name, timeoutMs),
      },
      log: store,
      notificationsDb: db,
      onLiveRead: (rows) => {
        liveRowsRead += rows;
      },
      logger,
      ...(options.readYourWritesTimeoutMs !== undefined
        ? { readYourWritesTimeoutMs: options.readYourWritesTimeoutMs }
        : {}),
    });
    closers.push(() => queries.close());
    // Moved by every applied batch per account: seat answers are reused while their account's version holds.
    const readVersions = accountReadVersions(readModels);
    closers.push(() => readVersions.close());
    // Webhooks: endpoints in the account streams, secrets sealed under SEATLEDGER_SECRET_KEY, the SSRF guard.
    const checkUrl = urlGuard(config.webhooks.allowedHosts);
    const webhookEndpoints = createWebhookEndpoints({
      store,
      watch,
      secrets: secretBox(loadOrCreateSecretKey(config.dataDir, config.webhooks.secretKey)),
      checkUrl,
    });
    let deliverer: WebhookDeliverer | null = null;
    const webhooks = webhookServices({ endpoints: webhookEndpoints, db, wake: () => deliverer?.wake() });
    const services = createServices({ app, signIn, queries, webhooks, ...(sessions ? { sessions } : {}) });

    // The reactors' consumer groups (EventStoreDB): where they are shows beside the processors in /readyz.
    let reactorStatus = (): ReactorGroupStatus[] => [];
    if (db) {
      const transport = createMailTransport({ smtpUrl: config.smtpUrl ?? undefined, dataDir: config.dataDir, logger });
      // Closed after the reactors that send mail have stopped (closers run in reverse).
      closers.push(() => transport.close());
      const notifier = createNotifier({
        store,
        consumer,
        app,
        credentials,
        transport,
        publicUrl: config.publicUrl,
        dataDir: config.dataDir,
        tokenKey: notifierKey,
        db,
        logger,
        alertRecipients: (accountId) => queries.accountAdmins(accountId),
        ...(options.notifierRetry ? { retry: options.notifierRetry } : {}),
        ...(options.clock ? { now: options.clock } : {}),
      });
      const deactivation = createDeactivationReactor({ store, consumer, app, db, logger });
      // Writes each invitation's lapse within REACTOR_TICK_SECONDS of its expiry, as the system.
      const invitationExpiry = createInvitationExpiryReactor({
        store,
        consumer,
        app,
        db,
        logger,
        tickSeconds: config.reactorTickSeconds,
      });
      // Writes each seat alert's crossings and recoveries (alert- streams), as the system.
      const seatAlerts = createSeatAlertReactor({ store, consumer, app, db, logger });
      deliverer = createWebhookDeliverer({
        store,
        consumer,
        db,
        webhooks: webhookEndpoints,
        checkUrl,
        logger,
        retrySeconds: config.webhooks.retrySeconds,
        timeoutMs: config.webhooks.timeoutMs,
        disableAfterSeconds: config.webhooks.disableAfterSeconds,
        instanceId: loadOrCreateInstanceId(config.dataDir),
        // Best effort, once: the endpoint's disabling is in the log whatever happens to the mail.
        onDisabledForFailing: async ({ accountId, endpointId, url }) => {
          const from = `seatledger <no-reply@${new URL(config.publicUrl).hostname}>`;
          for (const to of queries.accountAdmins(accountId)) {
            const mail = renderWebhookEndpointDisabledMail({
              endpointId,
              recipient: to,
              url,
              failingForSeconds: config.webhooks.disableAfterSeconds,
            });
            await transport.send({ ...mail, from, to: to.email });
          }
        },
      });
      const webhookDeliverer = deliverer;
      closers.push(
        () => notifier.stop(),
        () => deactivation.stop(),
        () => invitationExpiry.stop(),
        () => seatAlerts.stop(),
        () => webhookDeliverer.stop(),
      );
      void webhookDeliverer.start();
      // Reactors catch up in the background: the API serves meanwhile.
      void notifier.start();
      void deactivation.start();
      void invitationExpiry.start();
      void seatAlerts.start();
      reactorStatus = () =>
        [
          notifier.status(),
          deactivation.status(),
          invitationExpiry.status(),
          seatAlerts.status(),
          webhookDeliverer.status(),
        ].filter((status) => status !== null);
    }

    const registry = new Registry();
    const eventsSeen = new Counter({
      name: 'seatledger_events_total',
      help: 'Events of the licence streams applied by this instance, by type',
      labelNames: ['type'],
      registers: [registry],
    });
    closers.push(
      readModels.onApplied((events) => {
        for (const event of events) eventsSeen.inc({ type: event.type });
      }),
    );
    new Gauge({
      name: 'seatledger_processor_lag_positions',
      help: 'Positions between a processor of the log (read models, reactors, the watch) and the head of the log',
      labelNames: ['processor'],
      registers: [registry],
      async collect() {
        const head = await store.headPosition();
        for (const processor of consumer.status()) {
          this.set({ processor: processor.name }, distance(processor.position, head));
        }
      },
    });
    new Gauge({
      name: 'seatledger_processor_failures',
      help: 'Failed tries in a row of a processor of the log (0 while it keeps up)',
      labelNames: ['processor'],
      registers: [registry],
      collect() {
        for (const processor of consumer.status()) this.set({ processor: processor.name }, processor.failures);
      },
    });

    new Counter({
      name: 'seatledger_live_feed_rows_read_total',
      help: 'Rows the licenseEvents subscriptions read from the read models',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(liveRowsRead);
      },
    });
    new Gauge({
      name: 'seatledger_projection_listeners',
      help: 'Listeners on applied projection batches: one for /metrics plus one per open subscription',
      registers: [registry],
      collect() {
        this.set(readModels.listenerCount() + history.listenerCount());
      },
    });

    const schema = await buildSeatledgerSchema();
    // Open sockets by viewer: closed when the log says their viewer was deactivated or lost a role.
    const sockets = socketRegistry();
    void consumer.add(sockets);
    const ws = attachGraphQLWebSocket({
      schema,
      services,
      logger,
      resolveViewer: authenticate,
      ...(sessions ? { sessions } : {}),
      registry,
      sockets,
    });
    closers.push(() => ws.close());

    const server = await startServer({
      config,
      services,
      schema,
      logger,
      metricsRegistry: registry,
      resolveViewer: authenticate,
      // Only the read models gate readiness; a failing reactor (SMTP down) shows in the detail, not as a 503.
      readiness: () => ({
        ready: consumer.isReady(),
        detail: { processors: consumer.status(), ...(reactorStatus().length ? { groups: reactorStatus() } : {}) },
      }),
      activatePage: { publicUrl: config.publicUrl },
      trustProxy: config.throttle.trustProxy,
      cors: corsPolicy(config.corsOrigins),
      explorer: config.graphqlExplorer,
      consoleDir: defaultConsoleDir(),
      onUpgrade: (req, socket, head) => ws.handleUpgrade(req, socket, head),
      answerCache: createAnswerCache({ version: (accountId) => readVersions.of(accountId) }),
    });
    closers.push(() => server.close());
    // Catches up in the background: /readyz says when the read models have.
    void consumer.start();

    return { url: server.url, port: server.port, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** How far `from` is behind `to`, when positions are decimal (as the SQLite adapter's are); else 0 or 1. */
function distance(from: Position | null, to: Position | null): number {
  if (to === null) return 0;
  if (from !== null && from >= to) return 0;
  if (/^\d+$/.test(to) && (from === null || /^\d+$/.test(from))) return Number(to) - Number(from ?? 0);
  return 1;
}
