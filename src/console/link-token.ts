// The one-time token of a mail's link (/invite?token=…, /activate?token=…): read once from the address bar, kept in
// memory, and removed from the address bar at once (history.replaceState), so it is not left in the history, a
// bookmark or a screenshot. It is never logged.

let taken: { readonly path: string; readonly token: string | null } | undefined;

/** The token of the link this page was opened with (null when there was none); the first call takes it from the URL. */
export function takeLinkToken(): string | null {
  const path = window.location.pathname;
  if (taken?.path === path) return taken.token;
  const params = new URLSearchParams(window.location.search);
  const token = params.get('token');
  params.delete('token');
  const rest = params.toString();
  window.history.replaceState(window.history.state, '', `${path}${rest ? `?${rest}` : ''}${window.location.hash}`);
  taken = { path, token: token || null };
  return taken.token;
}
