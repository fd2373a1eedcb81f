// The console's Apollo Client: one per signed-in session. HTTP for queries and mutations, graphql-ws on the same
// /graphql for subscriptions, both reading the current token from the session store; a normalized InMemoryCache, so
// a SeatAvailability pushed live or answered by a mutation updates every counter showing it, without refetching.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { OperationTypeNode } from 'graphql';
import { createClient } from 'graphql-ws';
import { currentSession } from './session';

export const GRAPHQL_PATH = '/graphql';

function bearer(): Record<string, string> {
  const session = currentSession();
  return session ? { authorization: `Bearer ${session.token}` } : {};
}

export interface ConsoleClient {
  readonly apollo: ApolloClient;
  /** Closes the WebSocket and drops the cache (log out). */
  dispose(): void;
}

export function createConsoleClient(): ConsoleClient {
  const ws = createClient({
    url: `${window.location.origin.replace(/^http/, 'ws')}${GRAPHQL_PATH}`,
    lazy: true,
    // Read at each (re)connection: after a quiet refresh the next connection carries the new token.
    connectionParams: () => bearer(),
    retryAttempts: 5,
  });
  const http = new HttpLink({ uri: GRAPHQL_PATH });
  const auth = new SetContextLink((prevContext) => ({ headers: { ...prevContext.headers, ...bearer() } }));
  const link = ApolloLink.split(
    (operation) => operation.operationType === OperationTypeNode.SUBSCRIPTION,
    new GraphQLWsLink(ws),
    auth.concat(http),
  );
  const apollo = new ApolloClient({ link, cache: new InMemoryCache() });
  return {
    apollo,
    dispose() {
      void ws.dispose();
      apollo.stop();
      void apollo.clearStore();
    },
  };
}

/** A client for calls made before anyone is signed in (sign in, sign up): no token, no WebSocket, no cache to keep. */
export function createAnonymousClient(): ApolloClient {
  return new ApolloClient({ link: new HttpLink({ uri: GRAPHQL_PATH }), cache: new InMemoryCache() });
}
