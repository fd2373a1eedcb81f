// Sign in / Sign up: one form each, labelled fields, the API's refusal shown in an alert region. A success puts
// the session in memory (session.ts), which switches the app to the Subscriptions page.
import { type FormEvent, useId, useMemo, useState } from 'react';
import { createAnonymousClient } from '../apollo';
import { shownError } from '../errors';
import { graphql } from '../gql';
import { setSession } from '../session';

const Login = graphql(`
  mutation Login($email: String!, $password: String!) {
    login(email: $email, password: $password) {
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

const SignUp = graphql(`
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      token
      refreshToken
      expiresAt
      owner {
        id
        name
        email
      }
    }
  }
`);

type Mode = 'signIn' | 'signUp';

function Field(props: { label: string; name: string; type?: string; autoComplete: string; minLength?: number }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        autoComplete={props.autoComplete}
        minLength={props.minLength}
        required
      />
    </div>
  );
}

export function SignInPage() {
  const client = useMemo(createAnonymousClient, []);
  const [mode, setMode] = useState<Mode>('signIn');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const value = (name: string) => String(form.get(name) ?? '');
    setBusy(true);
    setError(null);
    try {
      switch (mode) {
        case 'signIn': {
          const { data } = await client.mutate({
            mutation: Login,
            variables: { email: value('email'), password: value('password') },
          });
          if (data) setSession(data.login);
          break;
        }
        case 'signUp': {
          const { data } = await client.mutate({
            mutation: SignUp,
            variables: {
              input: {
                accountName: value('accountName'),
                ownerName: value('ownerName'),
                ownerEmail: value('email'),
                password: value('password'),
              },
            },
          });
          if (data) {
            const { owner, ...tokens } = data.signUp;
            setSession({ ...tokens, user: owner });
          }
          break;
        }
        default: {
          const unknown: never = mode;
          throw new Error(`unknown mode ${unknown}`);
        }
      }
    } catch (caught) {
      setError(shownError(caught).message);
    } finally {
      setBusy(false);
    }
  };

  const title = mode === 'signIn' ? 'Sign in' : 'Sign up';
  return (
    <section className="card" aria-labelledby="auth-title">
      <h1 id="auth-title">{title}</h1>
      <div className="switch">
        <button type="button" aria-pressed={mode === 'signIn'} onClick={() => setMode('signIn')}>
          I have an account
        </button>
        <button type="button" aria-pressed={mode === 'signUp'} onClick={() => setMode('signUp')}>
          New company
        </button>
      </div>
      <form onSubmit={submit} key={mode}>
        {mode === 'signUp' && <Field label="Company name" name="accountName" autoComplete="organization" />}
        {mode === 'signUp' && <Field label="Your name" name="ownerName" autoComplete="name" />}
        <Field label="E-mail" name="email" type="email" autoComplete="email" />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete={mode === 'signIn' ? 'current-password' : 'new-password'}
          minLength={mode === 'signUp' ? 10 : undefined}
        />
        <div role="alert" className="error">
          {error}
        </div>
        <button type="submit" className="primary" disabled={busy}>
          {title}
        </button>
      </form>
    </section>
  );
}
