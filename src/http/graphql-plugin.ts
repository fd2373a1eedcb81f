// Our one Apollo plugin: every per-request hook the server needs (query limits before validation, subscriptions
// refused over HTTP, masked errors logged, operation metrics, which answers the answer cache may keep) in one
// listener shared by all requests. Apollo awaits each hook over every request listener (a promise per listener per
// hook), so one listener instead of four saves that on each request, and nothing is made per request but the start
// time (on Apollo's own request metrics).
import { type ApolloServerPlugin, type GraphQLRequestListener, HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { GraphQLContext } from '../graphql/context';
import { logMaskedErrors } from '../graphql/errors';
import type { apolloQueryLimits } from '../graphql/limits';
import { type AnswerCache, isCacheableOperation } from './answer-cache';
import type { createHttpMetrics } from './metrics';

export function seatledgerPlugin(options: {
  readonly queryLimits: ReturnType<typeof apolloQueryLimits<GraphQLContext>>;
  readonly metrics: ReturnType<typeof createHttpMetrics>;
  /** Where subscriptions go instead (the WebSocket endpoint), for the refusal's message. */
  readonly graphqlPath: string;
  /** Told which answers it may keep; none when absent. */
  readonly answerCache?: Pick<AnswerCache, 'markCacheable'>;
}): ApolloServerPlugin<GraphQLContext> {
  const { queryLimits, metrics, graphqlPath, answerCache } = options;
  const listener: GraphQLRequestListener<GraphQLContext> = {
    async validationDidStart(requestContext) {
      queryLimits.validationDidStart(requestContext);
    },
    // A subscription sent over HTTP is the client's mistake (graphql would run its resolver as a query's, which
    // fails as ours): answered BAD_REQUEST, pointing at the WebSocket endpoint, before anything runs.
    async didResolveOperation({ operation }) {
      if (operation?.operation !== 'subscription') return;
      throw new GraphQLError(
        `send a subscription over WebSocket (graphql-transport-ws) to ${graphqlPath}, not over HTTP`,
        { extensions: { code: 'BAD_REQUEST', http: { status: 400, headers: new HeaderMap() } } },
      );
    },
    async didEncounterErrors(requestContext) {
      logMaskedErrors(requestContext);
    },
    async willSendResponse({ operation, operationName, errors, metrics: request, request: { http } }) {
      const [seconds, nanoseconds] = process.hrtime(request.startHrTime);
      if (answerCache && http && operation && !errors?.length && isCacheableOperation(operation)) {
        answerCache.markCacheable(http, operationName ?? null);
      }
      // Apollo keeps the errors it met on the request (set before this hook): no flag of our own per request.
      metrics.observeOperation(
        operation?.operation ?? 'unknown',
        operationName,
        (errors?.length ?? 0) > 0,
        seconds + nanoseconds / 1e9,
      );
    },
  };
  return {
    async requestDidStart({ metrics: request }) {
      // A documented field of Apollo's request metrics, which its usage reporting sets the same way.
      request.startHrTime ??= process.hrtime();
      return listener;
    },
  };
}
