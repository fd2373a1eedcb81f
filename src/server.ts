// The HTTP server: Apollo Server on Node's own http server, with /graphql (GET and POST), /healthz, /readyz,
// /metrics and the admin console at /, a request id on every log line and response, CORS for SPA clients, a 1 MB body limit and a graceful
// close. The composition root passes the services, the viewer resolution and the readiness check in.
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApolloServer, HeaderMap, type HTTPGraphQLResponse } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { GraphQLSchema } from 'graphql';
import type { Registry } from 'prom-client';
import type { Authentication } from './auth/sessions-authentication';
import type { Config } from './config';
import { createContext, type GraphQLContext, type SeatledgerServices } from './graphql/context';
import { formatError, INTERNAL_ERROR_MESSAGE } from './graphql/errors';
import { apolloQueryLimits, DEFAULT_QUERY_LIMITS, MAX_QUERY_TOKENS, type QueryLimits } from './graphql/limits';
import { buildSeatledgerSchema } from './graphql/schema';
import { type ActivatePageOptions, handleActivatePage, handleInvitePage } from './http/activate-page';
import type { AnswerCache, CachedAnswer } from './http/answer-cache';
import { DEFAULT_BODY_LIMIT_BYTES, PayloadTooLarge, readBody } from './http/body';
import { clientAddressOf } from './http/client-address';
import { CONSOLE_ASSET_PREFIX, CONSOLE_PAGES, createConsoleFiles } from './http/console';
import { ANY_ORIGIN, type CorsPolicy, corsHeaders, preflightHeaders, upgradeAllowed } from './http/cors';
import { createExplorer, EXPLORER_ASSET_PREFIX, prefersHtml } from './http/explorer';
import { seatledgerPlugin } from './http/graphql-plugin';
import { createHttpMetrics } from './http/metrics';
import type { Logger } from './logger';

interface Readiness {
  readonly ready: boolean;
  readonly detail?: unknown;
}

interface ServerOptions {
  readonly config: Pick<Config, 'port' | 'host'>;
  readonly services: SeatledgerServices;
  /** The viewer a bearer token stands for (from our own user records), or why a token is refused. */
  resolveViewer(token: string | undefined): Promise<Authentication>;
  /** /readyz: ready once every projection has caught up with the log found at start. */
  readiness(): Readiness;
  /** Extra figures for /metrics (events appended, projection lag). */
  readonly metricsRegistry?: Registry;
  readonly logger: Logger;
  /** A prebuilt schema (tests, benches); built from the type-graphql classes when absent. */
  readonly schema?: GraphQLSchema;
  /** WebSocket upgrades on /graphql (graphql-ws); without it upgrades are refused. */
  readonly onUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  readonly limits?: Partial<QueryLimits>;
  readonly bodyLimitBytes?: number;
  /** How long close() lets in-flight requests finish before cutting connections. */
  readonly stopGracePeriodMillis?: number;
  /**
   * Serves `GET /activate?token=…` and `GET /invite?token=…`, the pages the links in mails open (the console's pages
   * when it is built, else server-rendered ones); without it the paths are unknown.
   */
  readonly activatePage?: ActivatePageOptions;
  /** TRUST_PROXY=on: the client address (for sign-in throttling) is X-Forwarded-For's last entry. */
  readonly trustProxy?: boolean;
  /**
   * Which browser origins may call (CORS_ORIGINS); any origin without credentials when absent. Tokens are no
   * cookie: a browser never sends them cross-site on its own, so CSRF prevention is not needed either way.
   */
  readonly cors?: CorsPolicy;
  /** GraphiQL at `GET /graphql` for browsers, its files under /graphiql/ (GRAPHQL_EXPLORER); off when absent. */
  readonly explorer?: boolean;
  /** The admin console's built files (dist/console), served at `/` and under /assets/; off when absent. */
  readonly consoleDir?: string;
  /** Exact answers of seat reads reused while the account's read model is unchanged (src/http/answer-cache.ts). */
  readonly answerCache?: AnswerCache;
}

export interface RunningServer {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  readonly url: string;
  readonly port: number;
  readonly httpServer: http.Server;
  readonly schema: GraphQLSchema;
  /** Stops accepting, lets in-flight requests finish, closes idle keep-alive sockets. */
  close(): Promise<void>;
}

const GRAPHQL_PATH = '/graphql';
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const UTF8 = /^utf-?8$/i;
const PAYLOAD_TOO_LARGE_DRAIN_MS = 5000;

type Route =
  | 'graphql'
  | 'healthz'
  | 'readyz'
  | 'metrics'
  | 'activate'
  | 'invite'
  | 'explorer'
  | 'console'
  | 'preflight'
  | 'unknown';

const ROUTES: Readonly<Record<string, Route>> = {
  [GRAPHQL_PATH]: 'graphql',
  '/healthz': 'healthz',
  '/readyz': 'readyz',
  '/metrics': 'metrics',
  '/activate': 'activate',
  '/invite': 'invite',
  ...Object.fromEntries(CONSOLE_PAGES.map((page) => [page, 'console' as const])),
};

function routeOf(req: IncomingMessage, activatePage: boolean, explorer: boolean, console: boolean): Route {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const known =
    ROUTES[path] ??
    (explorer && path.startsWith(EXPLORER_ASSET_PREFIX)
      ? 'explorer'
      : console && path.startsWith(CONSOLE_ASSET_PREFIX)
        ? 'console'
        : 'unknown');
  const offered = (known === 'activate' || known === 'invite') && !activatePage ? 'unknown' : known;
  const route = offered === 'console' && !console ? 'unknown' : offered;
  return req.method === 'OPTIONS' ? 'preflight' : route;
}

function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  // Any other scheme counts as no token: the request goes on anonymously and protected fields answer UNAUTHENTICATED.
  return match?.[1];
}

/** Whether a failure is the client closing its connection mid-request rather than a fault of ours. */
function clientWentAway(req: IncomingMessage, error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || req.socket.destroyed;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
}

function graphqlError(status: number, code: string, message: string): [number, unknown] {
  return [status, { errors: [{ message, extensions: { code } }] }];
}

/** The content type's essence and charset, or null for a POST we cannot read as JSON. */
function jsonContentType(req: IncomingMessage): { ok: true } | { ok: false; status: number; message: string } {
  const header = req.headers['content-type'];
  if (!header) return { ok: false, status: 415, message: 'POST requests need Content-Type: application/json' };
  const [essence, ...params] = header.split(';').map((part) => part.trim());
  if (essence?.toLowerCase() !== 'application/json') {
    return { ok: false, status: 415, message: `unsupported Content-Type ${essence}; send application/json` };
  }
  const charset = params.find((p) => p.toLowerCase().startsWith('charset='))?.slice('charset='.length);
  if (charset && !UTF8.test(charset.replace(/"/g, ''))) {
    return { ok: false, status: 415, message: `unsupported charset ${charset}; send utf-8` };
  }
  return { ok: true };
}

async function writeGraphQLResponse(res: ServerResponse, response: HTTPGraphQLResponse): Promise<void> {
  // Answers depend on who asks and change with every write: never cached by anyone else (we give no cache hints, so
  // Apollo's cache-control plugin, which costs a hook on every resolved field, is off and would say the same).
  res.setHeader('cache-control', 'no-store');
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

function writeCachedAnswer(res: ServerResponse, answer: CachedAnswer): void {
  res.setHeader('cache-control', 'no-store');
  for (const [key, value] of answer.headers) res.setHeader(key, value);
  res.statusCode = answer.status;
  res.end(answer.body);
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { services, logger, answerCache } = options;
  const cors = options.cors ?? ANY_ORIGIN;
  const explorer = options.explorer ? createExplorer() : null;
  const consoleFiles = options.consoleDir ? createConsoleFiles(options.consoleDir) : null;
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const schema = options.schema ?? (await buildSeatledgerSchema());
  const metrics = createHttpMetrics(options.metricsRegistry);
  const httpServer = http.createServer();
  const queryLimits = apolloQueryLimits<GraphQLContext>({ ...DEFAULT_QUERY_LIMITS, ...options.limits });

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    // SPA tooling reads the schema without a token, whatever NODE_ENV says.
    introspection: true,
    csrfPrevention: false,
    // `serve` owns SIGTERM/SIGINT and closes everything in order; Apollo's own handler (on unless NODE_ENV=test)
    // re-raised the signal once Apollo alone had stopped, killing the process in the middle of that close.
    stopOnTerminationSignals: false,
    validationRules: [queryLimits.validationRule],
    parseOptions: { maxTokens: MAX_QUERY_TOKENS },
    logger: {
      debug: (message) => logger.debug(message),
      info: (message) => logger.info(message),
      warn: (message) => logger.warn(message),
      error: (message) => logger.error(message),
    },
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: options.stopGracePeriodMillis ?? 10_000 }),
      seatledgerPlugin({ queryLimits, metrics, graphqlPath: GRAPHQL_PATH, ...(answerCache ? { answerCache } : {}) }),
    ],
  });
  await apollo.start();

  const handleGraphQL = async (
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    log: () => Logger,
    started: bigint,
  ) => {
    const method = (req.method ?? 'GET').toUpperCase();
    let body: unknown;
    let authentication: Authentication | undefined;
    // Where the answer may be kept: its key and the account's read-model version before anything was read.
    let keep: { key: string; version: number } | null = null;
    if (method === 'POST') {
      const type = jsonContentType(req);
      if (!type.ok) {
        req.resume();
        sendJson(res, ...graphqlError(type.status, 'BAD_REQUEST', type.message));
        return;
      }
      const raw = await readBody(req, bodyLimit);
      if (answerCache) {
        // Who asks is checked first, as for every request: only a live session of an active user reaches a kept answer.
        authentication = await options.resolveViewer(bearerToken(req));
        const { viewer } = authentication;
        const key = viewer ? answerCache.keyOf(viewer, req.headers.accept, raw) : null;
        if (viewer && key !== null) {
          const kept = answerCache.lookup(key, viewer.accountId);
          if (kept) {
            writeCachedAnswer(res, kept);
            metrics.observeCachedAnswer();
            metrics.observeOperation(
              'query',
              kept.operationName,
              false,
              Number(process.hrtime.bigint() - started) / 1e9,
            );
            return;
          }
          keep = { key, version: answerCache.versionOf(viewer.accountId) };
        }
      }
      try {
        body = raw.length === 0 ? undefined : JSON.parse(raw.toString('utf8'));
      } catch {
        sendJson(res, ...graphqlError(400, 'BAD_REQUEST', 'the request body is not valid JSON'));
        return;
      }
    } else {
      // GET and others carry no body we use; discard what a client may send anyway.
      req.resume();
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const search = req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
    authentication ??= await options.resolveViewer(bearerToken(req));
    const clientAddress = () => clientAddressOf(req, options.trustProxy ?? false);
    const context = createContext({ requestId, ...authentication, services, logger: log, clientAddress });
    const httpGraphQLRequest = { method, headers, search, body };
    const response = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest, context: async () => context });
    if (answerCache && keep && (response.status ?? 200) === 200 && response.body.kind === 'complete') {
      // Kept only if the plugin said the operation was a seat read answered without errors.
      const headers = [...response.headers];
      answerCache.store(httpGraphQLRequest, keep.key, keep.version, {
        status: 200,
        headers,
        body: response.body.string,
      });
    }
    await writeGraphQLResponse(res, response);
  };

  /** The console's page for a GET or HEAD of a mail link's path; false when not built (or another method). */
  const consolePage = (req: IncomingMessage, res: ServerResponse): boolean =>
    (req.method === 'GET' || req.method === 'HEAD') && (consoleFiles?.servePage(req, res) ?? false);

  const handle = async (
    req: IncomingMessage,
    res: ServerResponse,
    route: Route,
    requestId: string,
    log: () => Logger,
    started: bigint,
  ) => {
    if (route === 'graphql') {
      if (explorer && (req.method === 'GET' || req.method === 'HEAD') && prefersHtml(req.headers.accept)) {
        req.resume();
        explorer.servePage(req, res);
        return;
      }
      await handleGraphQL(req, res, requestId, log, started);
      return;
    }
    req.resume();
    switch (route) {
      case 'preflight': {
        const origin = req.headers.origin;
        const requested = req.headers['access-control-request-headers'];
        res.writeHead(204, preflightHeaders(cors, origin, requested));
        res.end();
        return;
      }
      case 'healthz':
        sendJson(res, 200, { status: 'ok' });
        return;
      case 'readyz': {
        const { ready, detail } = options.readiness();
        sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', detail });
        return;
      }
      case 'metrics': {
        const { contentType, body } = await metrics.render();
        res.writeHead(200, { 'content-type': contentType });
        res.end(body);
        return;
      }
      case 'activate':
        // The console's page when it is built (the same link), else the server-rendered one. routeOf answers
        // 'unknown' unless the option is set.
        if (options.activatePage && consolePage(req, res)) return;
        if (options.activatePage) handleActivatePage(req, res, options.activatePage);
        else sendJson(res, 404, { error: `no such route; GraphQL is at ${GRAPHQL_PATH}` });
        return;
      case 'explorer':
        if (!explorer?.serveAsset(req, res))
          sendJson(res, 404, { error: `no such route; GraphQL is at ${GRAPHQL_PATH}` });
        return;
      case 'console': {
        const isPage = CONSOLE_PAGES.includes((req.url ?? '/').split('?')[0] ?? '/');
        const served = isPage ? consoleFiles?.servePage(req, res) : consoleFiles?.serveAsset(req, res);
        if (!served) {
          const hint = isPage ? 'the admin console is not built (npm run build); ' : '';
          sendJson(res, 404, { error: `${hint}no such route; GraphQL is at ${GRAPHQL_PATH}` });
        }
        return;
      }
      case 'invite':
        // The invitation mail's page, served with the activation page (the same option), by the console when built.
        if (options.activatePage && consolePage(req, res)) return;
        if (options.activatePage) handleInvitePage(req, res, options.activatePage);
        else sendJson(res, 404, { error: `no such route; GraphQL is at ${GRAPHQL_PATH}` });
        return;
      case 'unknown':
        sendJson(res, 404, { error: `no such route; GraphQL is at ${GRAPHQL_PATH}` });
        return;
    }
  };

  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(req);
    // The request's own logger, made on first use: at the usual levels most requests log nothing but one line.
    let child: Logger | undefined;
    const log = () => {
      child ??= logger.child({ reqId: requestId });
      return child;
    };
    res.setHeader('x-request-id', requestId);
    for (const [key, value] of Object.entries(corsHeaders(cors, req.headers.origin))) res.setHeader(key, value);
    const route = routeOf(req, options.activatePage !== undefined, explorer !== null, consoleFiles !== null);
    // 'close' also fires when the client goes away mid-response, so every request is counted once.
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.observeRequest(route, req.method ?? 'GET', res.statusCode, seconds);
      if (logger.isLevelEnabled('info')) {
        log().info(
          {
            method: req.method,
            url: req.url?.split('?')[0],
            status: res.statusCode,
            // No answer was sent in full: the client went away first (the status is what we would have sent).
            ...(res.writableFinished ? {} : { aborted: true }),
            ms: Math.round(seconds * 1e4) / 10,
          },
          'request',
        );
      }
    });
    handle(req, res, route, requestId, log, started).catch((error: unknown) => {
      if (error instanceof PayloadTooLarge) {
        // Answer at once: parsing the rest of a too-large body is what the limit prevents.
        if (!res.headersSent) {
          sendJson(
            res,
            ...graphqlError(413, 'PAYLOAD_TOO_LARGE', `the request body is larger than ${error.limitBytes} bytes`),
          );
        }
        // The rest is drained (not parsed) for a few seconds so the client, still uploading, can read the 413
        // instead of a broken pipe; a client that keeps sending past that loses the connection. No `Connection:
        // close`: Node would close the socket as soon as the answer is out, while the client still writes (EPIPE).
        req.resume();
        const cut = setTimeout(() => req.socket.destroy(), PAYLOAD_TOO_LARGE_DRAIN_MS).unref();
        req.once('end', () => clearTimeout(cut));
        return;
      }
      if (clientWentAway(req, error)) {
        // The client closed the connection (a navigation, a cancelled fetch): nothing to answer, nothing of ours broke.
        log().debug({ reason: (error as { message?: unknown } | null)?.message ?? String(error) }, 'client went away');
        res.destroy();
        return;
      }
      log().error({ err: error }, 'request failed');
      if (!res.headersSent) sendJson(res, ...graphqlError(500, 'INTERNAL_SERVER_ERROR', INTERNAL_ERROR_MESSAGE));
      else res.destroy();
    });
  });

  httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!upgradeAllowed(cors, req.headers.origin)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (options.onUpgrade && (req.url ?? '').split('?')[0] === GRAPHQL_PATH) {
      options.onUpgrade(req, socket, head);
      return;
    }
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.config.port, options.config.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : options.config.port;
  const shownHost = ['0.0.0.0', '::', ''].includes(options.config.host) ? 'localhost' : options.config.host;
  const hostInUrl = shownHost.includes(':') ? `[${shownHost}]` : shownHost;
  const url = `http://${hostInUrl}:${port}${GRAPHQL_PATH}`;
  logger.info({ url }, 'GraphQL API listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    httpServer,
    schema,
    close() {
      // apollo.stop() runs the drain plugin: stop accepting, finish in-flight requests, end idle keep-alive sockets.
      closing ??= apollo.stop();
      return closing;
    },
  };
}
