// The client address that sign-in throttling counts per: the socket's peer, or with TRUST_PROXY=on the last entry of
// X-Forwarded-For, the one our own proxy appended (entries before it are whatever the client chose to send).
// IPv6 addresses count per /64, the block one subscriber is given, so cycling through it buys nothing.

import type { IncomingMessage } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';

export function clientAddressOf(req: IncomingMessage, trustProxy: boolean): string | null {
  const forwarded = trustProxy ? lastForwarded(req.headers['x-forwarded-for']) : undefined;
  const address = forwarded ?? req.socket.remoteAddress;
  return address ? bucketOf(address) : null;
}

function lastForwarded(header: string | string[] | undefined): string | undefined {
  const joined = Array.isArray(header) ? header.join(',') : header;
  const last = joined?.split(',').at(-1)?.trim();
  return last ? last : undefined;
}

function bucketOf(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (isIPv4(address) || !isIPv6(address)) return address;
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}

/** The eight hextets of an IPv6 address (no zone, no embedded IPv4 beyond the mapped form handled above). */
function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.split('%')[0]?.split('::') ?? [''];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0');
  return [...left, ...(tail === undefined ? [] : zeros), ...right].map((h) => h.toLowerCase().replace(/^0+(?=.)/, ''));
}
