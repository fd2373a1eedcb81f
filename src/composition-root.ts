// The one composition root: config in, a running seatledger out — store, write side, projections, sign-in,
// reactors, GraphQL over HTTP and WebSocket. `seatledger serve` and the end-to-end tests both start it here.
import path from 'node:path';
import { Counter, Gauge, Registry } from 'prom-client';
import { allProjections } from '../projections';
import { createApplication, LogWatch } from './application';
import { createCredentialsApplication } from './application/credentials';
import { rememberVerified } from './auth/remember-verified';
import { createSignIn } from './auth/sign-in';
import { loadOrCreateSecret, localTokens, oidcTokens, type TokenIssuer, type TokenVerifier } from './auth/tokens';
import type { Config } from './config';
import { EVENT_UPCASTERS } from './domain/event-schemas';
import { openEventStore } from './eventstore/open';
import type { EventStore } from './eventstore/port';
import { withUpcasting } from './eventstore/upcasting';
import { buildSeatledgerSchema } from './graphql/schema';
import { createServices } from './graphql/services';
import { attachGraphQLWebSocket } from './graphql/websocket';
import type { Logger } from './logger';
import { openNotificationsDb } from './notifications/db';
import { createDeactivationReactor } from './notifications/deactivation-reactor';
import { createNotifier } from './notifications/notifier';
import { createMailTransport } from './notifications/transports';
import { createProjectionRunner } from './projection-runtime/runner';
import { createQueryService } from './queries/query-service';
import { startServer } from './server';

export interface SeatledgerOptions {
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
    const store = options.openEventStore
      ? withUpcasting(await options.openEventStore(config), EVENT_UPCASTERS)
      : await openEventStore({
          dataDir: config.dataDir,
          eventStoreConnectionString: config.eventStoreConnectionString,
          logger,
        });
    closers.push(() => store.close());

    // Until the watch is live every stream is read before use, so nothing waits for it (it retries on its own).
    const watch = new LogWatch({ store, logger });
    closers.push(() => watch.stop());
    void watch.start();
    const app = createApplication({ store, watch });
    const credentials = createCredentialsApplication({
      store,
      watch,
      ...(options.clock ? { now: options.clock } : {}),
    });

    const runner = createProjectionRunner({
      store,
      file: path.join(config.dataDir, 'readmodels.db'),
      projections: allProjections,
      logger,
    });
    closers.push(() => runner.stop());
    const caughtUp = runner.start();

    let issuer: TokenIssuer | undefined;
    let verifier: TokenVerifier;
    if (config.auth.kind === 'oidc') {
      verifier = oidcTokens(config.auth);
    } else {
      const tokens = localTokens(loadOrCreateSecret(config.dataDir, config.auth.secret ?? undefined));
      issuer = tokens;
      verifier = tokens;
    }
    verifier = rememberVerified(verifier);
    const signIn = createSignIn({ app, credentials, verifier, ...(issuer ? { issuer } : {}) });
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
      readModels: runner,
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
    const services = createServices({ app, signIn, queries });

    if (db) {
      const transport = createMailTransport({ smtpUrl: config.smtpUrl ?? undefined, dataDir: config.dataDir, logger });
      const notifier = createNotifier({
        store,
        app,
        credentials,
        transport,
        publicUrl: config.publicUrl,
        dataDir: config.dataDir,
        db,
        logger,
        ...(options.notifierRetry ? { retry: options.notifierRetry } : {}),
        ...(options.clock ? { now: options.clock } : {}),
      });
      const deactivation = createDeactivationReactor({ store, app, db, logger });
      closers.push(
        () => notifier.stop(),
        () => deactivation.stop(),
      );
      // Reactors catch up in the background: the API serves meanwhile.
      notifier.start().catch((error) => logger.error({ err: error }, 'notifier stopped'));
      deactivation.start().catch((error) => logger.error({ err: error }, 'deactivation reactor stopped'));
    }

    const registry = new Registry();
    const eventsSeen = new Counter({
      name: 'seatledger_events_total',
      help: 'Events of the licence streams applied by this instance, by type',
      labelNames: ['type'],
      registers: [registry],
    });
    closers.push(
      runner.onApplied((events) => {
        for (const event of events) eventsSeen.inc({ type: event.type });
      }),
    );
    new Gauge({
      name: 'seatledger_projection_lag_positions',
      help: 'Positions between a projection and the head of the log',
      labelNames: ['projection'],
      registers: [registry],
      async collect() {
        for (const lag of await runner.lag()) this.set({ projection: lag.name }, lag.behind);
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
        this.set(runner.listenerCount());
      },
    });

    const schema = await buildSeatledgerSchema();
    const ws = attachGraphQLWebSocket({
      schema,
      services,
      logger,
      resolveViewer: (token) => signIn.resolveViewer(token),
      registry,
    });
    closers.push(() => ws.close());

    const server = await startServer({
      config,
      services,
      schema,
      logger,
      metricsRegistry: registry,
      resolveViewer: (token) => signIn.resolveViewer(token),
      readiness: () => ({ ready: runner.isCaughtUp(), detail: { projections: runner.status() } }),
      activatePage: { publicUrl: config.publicUrl },
      onUpgrade: (req, socket, head) => ws.handleUpgrade(req, socket, head),
    });
    closers.push(() => server.close());
    caughtUp.catch((error) => logger.error({ err: error }, 'projections failed to catch up'));

    return { url: server.url, port: server.port, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
