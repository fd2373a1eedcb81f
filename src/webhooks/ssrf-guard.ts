// The guard against server-side request forgery: a webhook URL must be https and every address its host resolves
// to must be public (ipaddr.js's `unicast` range: no loopback, private, link-local such as 169.254.169.254, unique
// local, carrier-grade NAT, multicast, unspecified, nor an IPv4-mapped IPv6 form of those). Hosts listed in
// WEBHOOK_ALLOWED_HOSTS (matched on the host as written in the URL, port ignored) may use http and any address.
// Checked when an endpoint is created or updated, and again before every attempt: the attempt then connects to the
// very address checked here, so a name that resolves elsewhere between the check and the connect (DNS rebinding)
// gains nothing.
import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { InvalidInput } from '../domain/errors';

/** A URL that passed: where to connect (the address checked) and what to call the host (Host header, TLS name). */
export interface CheckedUrl {
  readonly url: URL;
  readonly address: string;
  readonly family: 4 | 6;
}

export type UrlGuard = (url: string) => Promise<CheckedUrl>;

/** Refused: the message names the rule, for the creator (BAD_USER_INPUT on `url`) and for a delivery's lastError. */
export class UnsafeWebhookUrl extends InvalidInput {
  constructor(message: string, rule: string) {
    super('url', message, rule);
  }
}

/** `allowedHosts`: lower-case host names or addresses (IPv6 without brackets), from WEBHOOK_ALLOWED_HOSTS. */
export function urlGuard(
  allowedHosts: readonly string[],
  resolve: (host: string) => Promise<{ address: string; family: number }[]> = (host) =>
    lookup(host, { all: true, verbatim: true }),
): UrlGuard {
  const allowed = new Set(allowedHosts.map((host) => host.toLowerCase()));
  return async (raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new UnsafeWebhookUrl('must be an absolute URL', 'isUrl');
    }
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const exempt = allowed.has(host.toLowerCase());
    if (url.protocol !== 'https:' && !(exempt && url.protocol === 'http:')) {
      throw new UnsafeWebhookUrl('must be an https:// URL', 'isHttps');
    }
    if (url.username || url.password)
      throw new UnsafeWebhookUrl('must not carry a user name or password', 'noCredentials');
    let addresses: { address: string; family: number }[];
    if (ipaddr.isValid(host)) {
      addresses = [{ address: host, family: ipaddr.parse(host).kind() === 'ipv6' ? 6 : 4 }];
    } else {
      try {
        addresses = await resolve(host);
      } catch {
        throw new UnsafeWebhookUrl(`host ${host} does not resolve`, 'resolvable');
      }
    }
    if (addresses.length === 0) throw new UnsafeWebhookUrl(`host ${host} does not resolve`, 'resolvable');
    if (!exempt) {
      for (const { address } of addresses) {
        if (!isPublicAddress(address)) {
          throw new UnsafeWebhookUrl(
            `must reach only public addresses; ${host} resolves to ${address} (list the host in WEBHOOK_ALLOWED_HOSTS to allow it)`,
            'publicAddress',
          );
        }
      }
    }
    const [first] = addresses as [{ address: string; family: number }];
    return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
  };
}

/** True for a globally routable unicast address, after unwrapping an IPv4-mapped IPv6 one. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed.range() === 'unicast';
}
