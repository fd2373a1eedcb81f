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

/** The first reconnection at once (the server closes the socket when the token it was opened with expires), later ones backing off. */
function retryWait(retries: number): Promise<void> {
  const millis =
    retries === 0 ? 100 + Math.random() * 200 : Math.min(30_000, 1000 * 2 ** retries) + Math.random() * 1000;
  return new Promise((resolve) => setTimeout(resolve, millis));
}

export function createConsoleClient(): ConsoleClient {
  let apollo: ApolloClient | undefined;
  const ws = createClient({
    url: `${window.location.origin.replace(/^http/, 'ws')}${GRAPHQL_PATH}`,
    lazy: true,
    // Read at each (re)connection: after a quiet refresh the next connection carries the new token.
    connectionParams: () => bearer(),
    retryAttempts: 5,
    retryWait,
    // Signed out: nothing to reconnect for.
    shouldRetry: () => currentSession() !== null,
    on: {
      // Changes pushed while the socket was down are lost: the pages' queries read the counts again.
      connected: (_socket, _payload, wasRetry) => {
        if (wasRetry) void apollo?.refetchQueries({ include: 'active' });
      },
    },
  });
  const http = new HttpLink({ uri: GRAPHQL_PATH });
  const auth = new SetContextLink((prevContext) => ({ headers: { ...prevContext.headers, ...bearer() } }));
  const link = ApolloLink.split(
    (operation) => operation.operationType === OperationTypeNode.SUBSCRIPTION,
    new GraphQLWsLink(ws),
    auth.concat(http),
  );
  apollo = new ApolloClient({ link, cache: new InMemoryCache() });
  const client = apollo;
  return {
    apollo: client,
    dispose() {
      void ws.dispose();
      client.stop();
      void client.clearStore();
    },
  };
}

/** A client for calls made before anyone is signed in (sign in, sign up): no token, no WebSocket, no cache to keep. */
export function createAnonymousClient(): ApolloClient {
  return new ApolloClient({ link: new HttpLink({ uri: GRAPHQL_PATH }), cache: new InMemoryCache() });
}
