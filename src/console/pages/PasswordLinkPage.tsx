// The pages the one-time links in mails open, taken over from the server-rendered ones with the same URLs:
// /activate?token=… (activateAccount) and /invite?token=… (acceptInvitation). One password form, two wordings and
// mutations. The token comes from link-token.ts (in memory, gone from the address bar); both mutations answer a
// session, so success signs the person in and the console opens.
import { type FormEvent, useEffect, useMemo, useRef, useState } from 'react';
import { useLocation } from 'wouter';
import { createAnonymousClient } from '../apollo';
import { shownError } from '../errors';
import { graphql } from '../gql';
import { takeLinkToken } from '../link-token';
import { setSession } from '../session';

/** The server's rule (src/auth/passwords.ts), checked here too so a short password is caught before sending. */
const MIN_PASSWORD_LENGTH = 10;

const ActivateAccount = graphql(`
  mutation ActivateAccount($input: ActivateAccountInput!) {
    activateAccount(input: $input) {
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

const AcceptInvitation = graphql(`
  mutation AcceptInvitation($input: AcceptInvitationInput!) {
    acceptInvitation(input: $input) {
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

export type LinkKind = 'activate' | 'invite';

/** What differs between the two pages: what they say. */
interface Wording {
  readonly title: string;
  readonly intro: string;
  readonly submit: string;
  readonly missingToken: string;
  /** What each refusal of the link itself says, by `extensions.code`. */
  readonly refusals: Readonly<Record<string, string>>;
}

const WORDING: Readonly<Record<LinkKind, Wording>> = {
  activate: {
    title: 'Choose your password',
    intro: 'Set the password you will sign in with. Your login is the e-mail address the link was sent to.',
    submit: 'Set password',
    missingToken: 'This page needs the activation link from your mail. Open the link from the mail again.',
    refusals: {
      UNAUTHENTICATED:
        'This activation link is invalid, used or expired. Ask an administrator of your account for a new one.',
    },
  },
  invite: {
    title: 'Accept your invitation',
    intro:
      'Choose the password you will sign in with to accept the invitation. Your login is the e-mail address the ' +
      'invitation was sent to.',
    submit: 'Accept invitation',
    missingToken: 'This page needs the invitation link from your mail. Open the link from the mail again.',
    refusals: {
      INVITATION_EXPIRED:
        'This invitation expired, was cancelled, or a newer mail replaced its link. Ask an administrator of your account to invite you again.',
      UNAUTHENTICATED: 'This invitation link is invalid or was accepted already. If you accepted it, sign in.',
    },
  },
};

type Status = { readonly kind: '' | 'error' | 'success'; readonly text: string };

export function PasswordLinkPage({ kind }: { kind: LinkKind }) {
  const wording = WORDING[kind];
  const [token] = useState(takeLinkToken);
  const client = useMemo(createAnonymousClient, []);
  const [, navigate] = useLocation();
  const [status, setStatus] = useState<Status>(
    token ? { kind: '', text: '' } : { kind: 'error', text: wording.missingToken },
  );
  const [invalid, setInvalid] = useState<'password' | 'confirm' | null>(null);
  const [busy, setBusy] = useState(false);
  const password = useRef<HTMLInputElement>(null);
  const confirm = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = `${wording.title} · seatledger`;
  }, [wording.title]);

  const refuse = (field: 'password' | 'confirm', text: string) => {
    setInvalid(field);
    setStatus({ kind: 'error', text });
    (field === 'password' ? password : confirm).current?.focus();
  };

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!token || busy) return;
    const chosen = password.current?.value ?? '';
    setInvalid(null);
    if (chosen.length < MIN_PASSWORD_LENGTH) {
      refuse('password', `Your password needs at least ${MIN_PASSWORD_LENGTH} characters.`);
      return;
    }
    if (confirm.current?.value !== chosen) {
      refuse('confirm', 'The two passwords differ. Type the same password twice.');
      return;
    }
    setBusy(true);
    setStatus({ kind: '', text: 'Setting your password…' });
    try {
      const input = { token, password: chosen };
      let session: Parameters<typeof setSession>[0] = null;
      switch (kind) {
        case 'activate':
          session =
            (await client.mutate({ mutation: ActivateAccount, variables: { input } })).data?.activateAccount ?? null;
          break;
        case 'invite':
          session =
            (await client.mutate({ mutation: AcceptInvitation, variables: { input } })).data?.acceptInvitation ?? null;
          break;
        default: {
          const unknown: never = kind;
          throw new Error(`unknown link ${unknown}`);
        }
      }
      if (!session) throw new Error('no answer');
      setStatus({ kind: 'success', text: `Signed in as ${session.user.email}.` });
      setSession(session);
      navigate('/', { replace: true });
    } catch (caught) {
      const { code, message } = shownError(caught);
      const refusal = code ? wording.refusals[code] : undefined;
      if (refusal) setStatus({ kind: 'error', text: refusal });
      else if (code === 'BAD_USER_INPUT') refuse('password', message);
      else setStatus({ kind: 'error', text: `Your password could not be set (${message}). Please try again.` });
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="link-title">
      <h1 id="link-title">{wording.title}</h1>
      <p>{wording.intro}</p>
      <form id="activate" noValidate onSubmit={submit} hidden={!token}>
        <div className="field">
          <label htmlFor="password">New password</label>
          <input
            id="password"
            ref={password}
            name="password"
            type="password"
            autoComplete="new-password"
            required
            minLength={MIN_PASSWORD_LENGTH}
            aria-describedby="password-hint"
            aria-invalid={invalid === 'password' || undefined}
          />
          <p id="password-hint" className="hint">
            At least {MIN_PASSWORD_LENGTH} characters.
          </p>
        </div>
        <div className="field">
          <label htmlFor="confirm">Confirm the new password</label>
          <input
            id="confirm"
            ref={confirm}
            name="confirm"
            type="password"
            autoComplete="new-password"
            required
            minLength={MIN_PASSWORD_LENGTH}
            aria-invalid={invalid === 'confirm' || undefined}
          />
        </div>
        <button id="submit" type="submit" className="primary" disabled={busy}>
          {wording.submit}
        </button>
      </form>
      <p id="status" role="status" aria-live="polite" className={status.kind}>
        {status.text}
      </p>
      <p>
        <a href="/">Sign in instead</a>
      </p>
    </section>
  );
}
