// The console's shell: signed out it shows Sign in / Sign up; signed in, a header with Log out, the nav and the
// page of the current path (routes.tsx). /invite and /activate, the pages of the links in mails, show signed in or
// not. It owns the session's lifetime: one Apollo Client per session, a quiet refresh through refreshSession before
// the token expires, and Log out ending the session on the server before forgetting it.
import { ApolloProvider } from '@apollo/client/react';
import { useEffect, useMemo, useState } from 'react';
import { useRoute } from 'wouter';
import { type ConsoleClient, createAnonymousClient, createConsoleClient } from './apollo';
import { graphql } from './gql';
import { PasswordLinkPage } from './pages/PasswordLinkPage';
import { SignInPage } from './pages/SignInPage';
import { ConsoleNav, ConsoleRoutes } from './routes';
import { currentSession, onSessionChange, refreshDelayMillis, type Session, setSession } from './session';

const RefreshSession = graphql(`
  mutation RefreshSession($input: RefreshSessionInput!) {
    refreshSession(input: $input) {
      token
      refreshToken
      expiresAt
      user {
        id
        name
        email
      }
    }
  }
`);

const Logout = graphql(`
  mutation Logout {
    logout {
      sessionsEnded
    }
  }
`);

function useSession(): Session | null {
  const [session, setState] = useState(currentSession);
  useEffect(() => onSessionChange(setState), []);
  return session;
}

/** Spends the refresh token shortly before the access token expires; a refusal signs out (the session is over). */
function useQuietRefresh(session: Session | null): void {
  const anonymous = useMemo(createAnonymousClient, []);
  useEffect(() => {
    if (!session) return;
    const timer = setTimeout(async () => {
      try {
        const { data } = await anonymous.mutate({
          mutation: RefreshSession,
          variables: { input: { refreshToken: session.refreshToken } },
        });
        if (data && currentSession() === session) setSession(data.refreshSession);
      } catch {
        if (currentSession() === session) setSession(null);
      }
    }, refreshDelayMillis(session.expiresAt));
    return () => clearTimeout(timer);
  }, [session, anonymous]);
}

export function App() {
  const [invite] = useRoute('/invite');
  const [activate] = useRoute('/activate');
  if (invite || activate) {
    return (
      <main className="centered">
        <PasswordLinkPage kind={invite ? 'invite' : 'activate'} />
      </main>
    );
  }
  return <Console />;
}

function Console() {
  const session = useSession();
  useQuietRefresh(session);
  const userId = session?.user.id;
  // A new client (cache, WebSocket) per signed-in user; a refresh keeps it, since the token is read per request.
  const [client, setClient] = useState<ConsoleClient | null>(null);
  useEffect(() => {
    if (!userId) return;
    const made = createConsoleClient();
    setClient(made);
    return () => {
      made.dispose();
      setClient(null);
    };
  }, [userId]);

  const logOut = async () => {
    try {
      await client?.apollo.mutate({ mutation: Logout });
    } finally {
      // Forgotten here whatever the server said: the tokens are gone from memory either way.
      setSession(null);
    }
  };

  if (session && !client) {
    // The moment between signing in and the client being made (one render).
    return (
      <main>
        <p aria-busy="true">Signing in…</p>
      </main>
    );
  }
  if (!session || !client) {
    return (
      <main className="centered">
        <SignInPage />
      </main>
    );
  }
  return (
    <ApolloProvider client={client.apollo}>
      <header className="bar">
        <span className="brand">seatledger</span>
        <span className="who">
          Signed in as <strong>{session.user.name}</strong> ({session.user.email})
        </span>
        <button type="button" onClick={logOut}>
          Log out
        </button>
      </header>
      <ConsoleNav />
      <main>
        <ConsoleRoutes />
      </main>
    </ApolloProvider>
  );
}
