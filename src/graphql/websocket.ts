// GraphQL subscriptions over WebSocket (graphql-ws, protocol `graphql-transport-ws`) on the `/graphql` upgrade:
// the token comes in `connectionParams`, and each operation meets the same query limits and error codes as HTTP.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  type DocumentNode,
  type ExecutionArgs,
  GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
} from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { decodeJwt } from 'jose';
import { Gauge, type Registry } from 'prom-client';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Sessions } from '../auth/sessions';
import type { Authentication } from '../auth/sessions-authentication';
import type { Logger } from '../logger';
import { createContext, type SeatledgerServices, type Viewer } from './context';
import { classifyError, formatError } from './errors';
import { DEFAULT_QUERY_LIMITS, type QueryLimits, queryLimitsRule } from './limits';
import { type AccessLost, isDemotion, type SocketRegistry } from './socket-registry';

interface GraphQLWebSocketOptions {
  readonly schema: GraphQLSchema;
  readonly services: SeatledgerServices;
  readonly logger: Logger;
  /** A viewer for a bearer token, or none for a missing, expired, malformed or wrongly signed one (and why). */
  resolveViewer(token: string | undefined): Promise<Authentication>;
  /** Local sign-in's sessions: a connection is closed when its session ends. */
  readonly sessions?: Pick<Sessions, 'onEnded'>;
  readonly limits?: Partial<QueryLimits>;
  /** Each subscription holds a feed (a listener and a page of rows): one socket may not open them without end. */
  readonly maxSubscriptionsPerConnection?: number;
  /** Where the connection gauges go (the /metrics registry). */
  readonly registry?: Registry;
  /** Tracks each socket under its viewer, so a deactivation or a lost role closes it (socket-registry.ts). */
  readonly sockets?: SocketRegistry;
}

interface GraphQLWebSocket {
  /** The HTTP server's `upgrade` for `/graphql`. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes every connection (1001 Going away), which ends their subscriptions. */
  close(): Promise<void>;
}

const DEFAULT_MAX_SUBSCRIPTIONS = 100;
/** The same 1 MB as an HTTP request body. */
const MAX_MESSAGE_BYTES = 1024 * 1024;

const connectionToken = (params: Record<string, unknown> | undefined): string | undefined => {
  const value = params?.authorization ?? params?.Authorization ?? params?.token;
  if (typeof value !== 'string') return undefined;
  return value.replace(/^Bearer\s+/i, '').trim() || undefined;
};

/** The close code of a connection whose token is refused or runs out (graphql-ws' Forbidden). */
const TOKEN_REFUSED = CloseCode.Forbidden;

/** When a verified token stops being valid, in ms from now; undefined for a token without `exp`. */
function msUntilExpiry(token: string): number | undefined {
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' ? exp * 1000 - Date.now() : undefined;
  } catch {
    return undefined;
  }
}

// setTimeout's longest delay (~24.8 days); a later expiry is re-armed when it fires.
const MAX_TIMER_MS = 2 ** 31 - 1;

const requestError = (message: string, code: string) => new GraphQLError(message, { extensions: { code } });

export function attachGraphQLWebSocket(options: GraphQLWebSocketOptions): GraphQLWebSocket {
  const { schema, services, logger } = options;
  const rules = [...specifiedRules, queryLimitsRule({ ...DEFAULT_QUERY_LIMITS, ...options.limits })];
  const maxSubscriptions = options.maxSubscriptionsPerConnection ?? DEFAULT_MAX_SUBSCRIPTIONS;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });

  /** Errors leave as HTTP's do: api.md codes kept, anything unexpected logged and masked. */
  const format = (errors: readonly GraphQLError[], id: string, operationName: string | undefined) =>
    errors.map((error) => {
      const classified = classifyError(error);
      // Our failures (not a refusal, not a bad request) are logged with their cause; the client sees it masked.
      if (classified.kind !== 'answer' && classified.kind !== 'request') {
        logger.error(
          { err: classified.cause, subscription: id, path: error.path?.join('.'), operation: operationName },
          'subscription error answered masked',
        );
      }
      return formatError(error.toJSON(), error);
    });

  /**
   * The token was checked once, at connect: a connection must not outlive it (and keep streaming to its holder). It is
   * closed when the token expires (4403 `TOKEN_EXPIRED`: refresh, then reconnect) and when its session ends by a
   * logout on any instance (4403 `SESSION_ENDED`).
   */
  const closeWhenTokenEnds = (socket: WebSocket, token: string, userId: string, sessionId: string | undefined) => {
    let timer: NodeJS.Timeout | undefined;
    const closeWhenExpired = () => {
      const left = msUntilExpiry(token);
      if (left === undefined) return;
      if (left <= 0) socket.close(TOKEN_REFUSED, 'TOKEN_EXPIRED');
      else timer = setTimeout(closeWhenExpired, Math.min(left, MAX_TIMER_MS)).unref();
    };
    closeWhenExpired();
    const stopListening =
      sessionId && options.sessions
        ? options.sessions.onEnded(userId, sessionId, () => socket.close(TOKEN_REFUSED, 'SESSION_ENDED'))
        : undefined;
    socket.once('close', () => {
      clearTimeout(timer);
      stopListening?.();
    });
  };

  // A subscription's context lives as long as the subscription; its DataLoader caches must not (they would keep every
  // user ever shown and show stale names), so each event resolves with fresh loaders.
  const freshLoaders = new WeakMap<object, Map<string, () => void>>();

  const server = useServer<Record<string, unknown>, { viewer?: Viewer; token?: string; sessionId?: string }>(
    {
      schema,
      // A connection without a valid token is refused at once (closed with 4403 Forbidden), before any operation.
      onConnect: async (ctx) => {
        const token = connectionToken(ctx.connectionParams);
        const { viewer, sessionId, refusal } = await options.resolveViewer(token);
        if (!viewer || !token) {
          // The reason tells the client to refresh (TOKEN_EXPIRED) or sign in again (SESSION_ENDED) before reconnecting.
          if (refusal) ctx.extra.socket.close(TOKEN_REFUSED, refusal);
          return false;
        }
        ctx.extra.viewer = viewer;
        ctx.extra.token = token;
        if (sessionId) ctx.extra.sessionId = sessionId;
        const { socket } = ctx.extra;
        const forget = options.sockets?.track(socket, viewer);
        if (forget) socket.once('close', forget);
        closeWhenTokenEnds(socket, token, viewer.userId, sessionId);
        return true;
      },
      // Parsing and validating here rather than in graphql-ws: a syntax error answers this operation with
      // GRAPHQL_PARSE_FAILED instead of closing the whole connection, and the limits of HTTP apply.
      onSubscribe: async (ctx, _id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
        const refused = await checkViewer(ctx.extra);
        if (refused) return [refused];
        // graphql-ws has already counted this operation in.
        if (Object.keys(ctx.subscriptions).length > maxSubscriptions) {
          return [requestError(`at most ${maxSubscriptions} subscriptions per connection`, 'BAD_REQUEST')];
        }
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (error) {
          if (!(error instanceof GraphQLError)) throw error;
          return [requestError(error.message, 'GRAPHQL_PARSE_FAILED')];
        }
        const invalid = validate(schema, document, rules);
        if (invalid.length > 0) {
          return invalid.map((error) => requestError(error.message, 'GRAPHQL_VALIDATION_FAILED'));
        }
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [requestError('no operation of that name in the document', 'BAD_REQUEST')];
        // Queries and mutations go over HTTP, where request size, idempotency keys and metrics apply.
        if (operation.operation !== 'subscription') {
          return [requestError(`send a ${operation.operation} over HTTP POST /graphql`, 'BAD_REQUEST')];
        }
        return {
          schema,
          document,
          operationName: payload.operationName ?? null,
          variableValues: payload.variables ?? null,
        };
      },
      context: (ctx, id) => {
        const input = {
          requestId: id,
          viewer: ctx.extra.viewer ?? null,
          ...(ctx.extra.sessionId ? { sessionId: ctx.extra.sessionId } : {}),
          services,
          logger: logger.child({ subscription: id }),
        };
        let perEvent = createContext(input);
        const resets = freshLoaders.get(ctx) ?? new Map<string, () => void>();
        freshLoaders.set(ctx, resets);
        resets.set(id, () => {
          perEvent = createContext(input);
        });
        return { ...perEvent, loaders: (accountId: string) => perEvent.loaders(accountId) };
      },
      onNext: (ctx, id, payload, _args, result) => {
        freshLoaders.get(ctx)?.get(id)?.();
        return result.errors
          ? { ...result, errors: format(result.errors, id, payload.operationName ?? undefined) }
          : undefined;
      },
      onComplete: (ctx, id) => {
        freshLoaders.get(ctx)?.delete(id);
      },
      onError: (_ctx, id, payload, errors) => format(errors, id, payload.operationName ?? undefined),
    },
    wss,
  );

  /**
   * The viewer is read again for every new operation: a user deactivated (or demoted) since connecting starts
   * nothing as who they were. Such a socket is closed too, as the log's news of the change would close it anyway.
   */
  async function checkViewer(extra: { socket: WebSocket; viewer?: Viewer; token?: string }) {
    const before = extra.viewer;
    const { viewer: now, refusal } = await options.resolveViewer(extra.token);
    if (!now || !before) {
      extra.socket.close(CloseCode.Forbidden, refusal ?? 'Forbidden');
      return requestError('not signed in any more: connect again with a valid token', 'UNAUTHENTICATED');
    }
    if (isDemotion(before.role, now.role)) {
      extra.socket.close(CloseCode.Forbidden, 'ROLE_CHANGED' satisfies AccessLost);
      return requestError('your role changed: connect again', 'UNAUTHENTICATED');
    }
    extra.viewer = now;
    options.sockets?.update(extra.socket, now);
    return null;
  }

  if (options.registry) {
    new Gauge({
      name: 'seatledger_websocket_connections',
      help: 'Open GraphQL WebSocket connections',
      registers: [options.registry],
      collect() {
        this.set(wss.clients.size);
      },
    });
    new Gauge({
      name: 'seatledger_websocket_buffered_bytes',
      help: 'The most bytes any one WebSocket connection holds queued in this process (a slow reader must not grow it)',
      registers: [options.registry],
      collect() {
        let most = 0;
        for (const client of wss.clients) most = Math.max(most, client.bufferedAmount);
        this.set(most);
      },
    });
  }

  return {
    handleUpgrade(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (client) => wss.emit('connection', client, req));
    },
    close: async () => {
      await server.dispose();
    },
  };
}
