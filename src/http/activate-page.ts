// The pages the one-time links in mails open, each a password form: `GET /activate?token=…` calls
// `activateAccount`, `GET /invite?token=…` calls `acceptInvitation`. One page, two wordings and mutations.
// The token never enters the HTML: the page's own script reads it from the address bar.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MIN_PASSWORD_LENGTH } from '../auth/passwords';

export interface ActivatePageOptions {
  /** Base of the links in mails; the page links back to it. */
  readonly publicUrl: string;
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// Relative (no leading slash): `<PUBLIC_URL>/activate` and `<PUBLIC_URL>/graphql` stay siblings behind a proxy
// that serves the API under a path, and a same-origin request needs no CORS.
const GRAPHQL_ENDPOINT = 'graphql';

/** What differs between the two pages: the mutation, and what they say. */
interface PasswordPage {
  readonly mutation: string;
  /** The mutation's field in `data`. */
  readonly field: string;
  readonly title: string;
  readonly intro: string;
  readonly submit: string;
  readonly missingToken: string;
  readonly success: string;
  /** What each refusal of the link itself says, by `extensions.code`. */
  readonly refusals: Readonly<Record<string, string>>;
}

const ACTIVATE_PAGE: PasswordPage = {
  mutation: 'mutation($input: ActivateAccountInput!){ activateAccount(input:$input){ token user { email } } }',
  field: 'activateAccount',
  title: 'Choose your password',
  intro: 'Set the password you will sign in with. Your login is the e-mail address the link was sent to.',
  submit: 'Set password',
  missingToken: 'This page needs the activation link from your mail. Open the link from the mail again.',
  success: 'Your password is set. You can now sign in as ',
  refusals: {
    UNAUTHENTICATED:
      'This activation link is invalid, used or expired. Ask an administrator of your account for a new one.',
  },
};

const INVITE_PAGE: PasswordPage = {
  mutation: 'mutation($input: AcceptInvitationInput!){ acceptInvitation(input:$input){ token user { email } } }',
  field: 'acceptInvitation',
  title: 'Accept your invitation',
  intro:
    'Choose the password you will sign in with to accept the invitation. Your login is the e-mail address the ' +
    'invitation was sent to.',
  submit: 'Accept invitation',
  missingToken: 'This page needs the invitation link from your mail. Open the link from the mail again.',
  success: 'Welcome! Your invitation is accepted and your password set. You can now sign in as ',
  refusals: {
    INVITATION_EXPIRED:
      'This invitation expired, was cancelled, or a newer mail replaced its link. Ask an administrator of your account to invite you again.',
    UNAUTHENTICATED: 'This invitation link is invalid or was accepted already. If you accepted it, sign in.',
  },
};

const STYLE = `
  body { font-family: system-ui, sans-serif; line-height: 1.5; color: #1b1b1b; background: #fff; margin: 0; }
  main { max-width: 28rem; margin: 3rem auto; padding: 0 1rem; }
  label { display: block; font-weight: 600; margin-top: 1rem; }
  input { display: block; width: 100%; box-sizing: border-box; font: inherit; padding: .5rem; margin-top: .25rem;
          border: 1px solid #5a5a5a; border-radius: 4px; }
  input:focus, button:focus { outline: 3px solid #1a5fb4; outline-offset: 2px; }
  input[aria-invalid="true"] { border-color: #a51d2d; }
  .hint { color: #4a4a4a; font-size: .9rem; margin: .25rem 0 0; }
  button { margin-top: 1.5rem; font: inherit; padding: .5rem 1.25rem; border: 0; border-radius: 4px;
           background: #1a5fb4; color: #fff; cursor: pointer; }
  button[disabled] { background: #5a5a5a; cursor: wait; }
  #status { margin-top: 1.5rem; min-height: 1.5em; }
  #status.error { color: #a51d2d; }
  #status.success { color: #26662d; }
`;

// Runs in the browser: plain ES2017, no framework. Every text it shows goes through textContent, never HTML.
const script = (page: PasswordPage) => `
(function () {
  'use strict';
  var MIN = ${MIN_PASSWORD_LENGTH};
  var token = new URLSearchParams(window.location.search).get('token');
  var form = document.getElementById('activate');
  var password = document.getElementById('password');
  var confirm = document.getElementById('confirm');
  var button = document.getElementById('submit');
  var status = document.getElementById('status');

  function show(kind, message) {
    status.className = kind;
    status.textContent = message;
  }
  function invalid(field, message) {
    field.setAttribute('aria-invalid', 'true');
    show('error', message);
    field.focus();
  }

  if (!token) {
    form.hidden = true;
    show('error', ${JSON.stringify(page.missingToken)});
    return;
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    password.removeAttribute('aria-invalid');
    confirm.removeAttribute('aria-invalid');
    if (password.value.length < MIN) return invalid(password, 'Your password needs at least ' + MIN + ' characters.');
    if (confirm.value !== password.value) return invalid(confirm, 'The two passwords differ. Type the same password twice.');

    button.disabled = true;
    show('', 'Setting your password…');
    fetch(${JSON.stringify(GRAPHQL_ENDPOINT)}, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
      body: JSON.stringify({ query: ${JSON.stringify(page.mutation)}, variables: { input: { token: token, password: password.value } } }),
      credentials: 'omit',
      referrerPolicy: 'no-referrer'
    })
      .then(function (response) {
        return response.json().catch(function () { return { errors: [{ message: 'HTTP ' + response.status }] }; });
      })
      .then(function (result) {
        var payload = result && result.data && result.data[${JSON.stringify(page.field)}];
        if (payload) {
          form.hidden = true;
          show('success', ${JSON.stringify(page.success)} + payload.user.email + '.');
          return;
        }
        var error = (result && result.errors && result.errors[0]) || {};
        var code = error.extensions && error.extensions.code;
        var refusals = ${JSON.stringify(page.refusals)};
        if (code && Object.prototype.hasOwnProperty.call(refusals, code)) {
          show('error', refusals[code]);
        } else if (code === 'BAD_USER_INPUT' && error.message) {
          invalid(password, error.message);
        } else {
          show('error', 'Your password could not be set (' + (error.message || 'unknown error') + '). Please try again.');
        }
        button.disabled = false;
      })
      .catch(function () {
        show('error', 'The server could not be reached. Check your connection and try again.');
        button.disabled = false;
      });
  });
})();
`;

function renderPasswordPage(page: PasswordPage, nonce: string, publicUrl: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>${escapeHtml(page.title)} · seatledger</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(page.title)}</h1>
<p>${escapeHtml(page.intro)}</p>
<noscript><p>This page needs JavaScript to set your password.</p></noscript>
<form id="activate" method="post" novalidate>
  <label for="password">New password</label>
  <input id="password" name="password" type="password" autocomplete="new-password" required minlength="${MIN_PASSWORD_LENGTH}" aria-describedby="password-hint">
  <p id="password-hint" class="hint">At least ${MIN_PASSWORD_LENGTH} characters.</p>
  <label for="confirm">Confirm the new password</label>
  <input id="confirm" name="confirm" type="password" autocomplete="new-password" required minlength="${MIN_PASSWORD_LENGTH}">
  <button id="submit" type="submit">${escapeHtml(page.submit)}</button>
</form>
<p id="status" role="status" aria-live="polite"></p>
<p><a href="${escapeHtml(publicUrl)}">seatledger</a></p>
</main>
<script nonce="${nonce}">${script(page)}</script>
</body>
</html>
`;
}

export function handleActivatePage(req: IncomingMessage, res: ServerResponse, options: ActivatePageOptions): void {
  servePasswordPage(ACTIVATE_PAGE, req, res, options);
}

/** `GET /invite?token=…`: the page of the invitation mail's link. */
export function handleInvitePage(req: IncomingMessage, res: ServerResponse, options: ActivatePageOptions): void {
  servePasswordPage(INVITE_PAGE, req, res, options);
}

function servePasswordPage(
  page: PasswordPage,
  req: IncomingMessage,
  res: ServerResponse,
  options: ActivatePageOptions,
): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('Method Not Allowed\n');
    return;
  }
  const nonce = randomBytes(16).toString('base64');
  const body = renderPasswordPage(page, nonce, options.publicUrl);
  res.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Content-Security-Policy': [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      `style-src 'nonce-${nonce}'`,
      "connect-src 'self'",
      // data: for the empty icon above, which spares the browser a request for /favicon.ico (a 404 here).
      "img-src 'self' data:",
      "form-action 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    // The token is in this page's URL: no other site may learn it from a Referer header, no cache may keep it.
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
