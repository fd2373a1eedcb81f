// One webhook attempt as the Standard Webhooks specification has it: POST the body with `webhook-id`,
// `webhook-timestamp` and `webhook-signature` (`v1,<base64 HMAC-SHA256(secret, id.timestamp.body)>`, one per secret,
// space-separated during a rotation). The connection goes to the address the SSRF guard checked (never a fresh
// lookup); redirects are not followed (a 3xx is a failure like any non-2xx); the whole attempt is bounded in time;
// of the response only the status and a bounded start of the body are read. Connections are kept alive per
// endpoint and checked address (`WebhookAgents`): a new connection costs more than the request, and an agent whose
// lookup answers only the checked address keeps the pinning whether a socket is new or reused.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { CheckedUrl } from './ssrf-guard';

export interface Attempt {
  readonly id: string;
  readonly body: string;
  /** `whsec_…` secrets, the current first. */
  readonly secrets: readonly string[];
  readonly at: Date;
  readonly timeoutMs: number;
}

export type AttemptOutcome =
  | { readonly kind: 'answered'; readonly statusCode: number; readonly excerpt: string }
  | { readonly kind: 'failed'; readonly error: string };

/** What of a response body is kept for lastError: enough to say why, never a whole page. */
const RESPONSE_EXCERPT_BYTES = 1024;

/** The `webhook-signature` header for one body. */
export function signatures(secrets: readonly string[], id: string, timestamp: number, body: string): string {
  return secrets
    .map((secret) => {
      const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
      return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
    })
    .join(' ');
}

/** Sockets idle longer than this are closed: a receiver's own keep-alive timeout is often 5 s. */
const IDLE_SOCKET_MS = 4000;
/** Connections per endpoint at once; the deliverer's own bound on attempts in flight is the larger one. */
const SOCKETS_PER_ENDPOINT = 8;

/** Whatever the name resolves to when a socket is made, it goes to the address checked. */
function pinnedLookup(target: CheckedUrl): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) {
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address: target.address, family: target.family },
      ]);
    } else callback(null, target.address, target.family);
  };
}

/** One keep-alive agent per endpoint, pinned to the address the guard last checked for it. */
export interface WebhookAgents {
  /** The endpoint's agent for this checked address: a new one (the old closed) when the address or scheme changed. */
  agentFor(endpointId: string, target: CheckedUrl): http.Agent;
  /** Closes an endpoint's sockets (disabled or deleted). */
  forget(endpointId: string): void;
  close(): void;
}

export function webhookAgents(): WebhookAgents {
  const agents = new Map<string, { key: string; agent: http.Agent }>();
  const forget = (endpointId: string) => {
    agents.get(endpointId)?.agent.destroy();
    agents.delete(endpointId);
  };
  return {
    agentFor(endpointId, target) {
      const key = `${target.url.protocol}//${target.url.host}|${target.address}|${target.family}`;
      const known = agents.get(endpointId);
      if (known?.key === key) return known.agent;
      forget(endpointId);
      const options = {
        keepAlive: true,
        maxSockets: SOCKETS_PER_ENDPOINT,
        timeout: IDLE_SOCKET_MS,
        lookup: pinnedLookup(target),
      };
      const agent = target.url.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
      agents.set(endpointId, { key, agent });
      return agent;
    },
    forget,
    close() {
      for (const endpointId of [...agents.keys()]) forget(endpointId);
    },
  };
}

/** `agent`: the endpoint's pinned keep-alive agent (`WebhookAgents`); without one, a connection of its own, pinned. */
export function sendWebhook(target: CheckedUrl, attempt: Attempt, agent?: http.Agent): Promise<AttemptOutcome> {
  const timestamp = Math.floor(attempt.at.getTime() / 1000);
  const { url } = target;
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: AttemptOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const request = client.request(
      url,
      {
        method: 'POST',
        ...(agent ? { agent } : { agent: false, lookup: pinnedLookup(target) }),
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(attempt.body),
          'user-agent': 'seatledger-webhooks',
          'webhook-id': attempt.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signatures(attempt.secrets, attempt.id, timestamp, attempt.body),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < RESPONSE_EXCERPT_BYTES) chunks.push(chunk);
          size += chunk.length;
          // Enough read: the rest is not ours to buffer.
          if (size >= RESPONSE_EXCERPT_BYTES) response.destroy();
        });
        const done = () =>
          settle({
            kind: 'answered',
            statusCode: response.statusCode ?? 0,
            excerpt: Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8'),
          });
        response.on('end', done);
        response.on('close', done);
        response.on('error', done);
      },
    );
    const timer = setTimeout(() => {
      request.destroy();
      settle({ kind: 'failed', error: `timed out after ${attempt.timeoutMs} ms` });
    }, attempt.timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) =>
      settle({ kind: 'failed', error: `${error.code ?? error.name}: ${error.message}` }),
    );
    request.end(attempt.body);
  });
}
