// Signed webhooks against a real server and a real HTTP receiver in this process. Every delivery is verified with
// the `standardwebhooks` package (the specification's reference library), never with our own code. Short settings:
// WEBHOOK_RETRY_SECONDS=0.2,0.2 and WEBHOOK_TIMEOUT_MS=500, the receiver's host (127.0.0.1) in WEBHOOK_ALLOWED_HOSTS.
// A second server without allowed hosts checks the SSRF rules: refused URLs answer BAD_USER_INPUT and store nothing.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Webhook } from 'standardwebhooks';
import { runExport } from '../../src/cli/export';
import { capture } from '../cli/io';
import {
  ASSIGN,
  createUser,
  type Gql,
  ok,
  purchase,
  signUpAccount,
  startTestSeatledger,
  TEST_AUTH_SECRET,
  type TestSeatledger,
  tokenFor,
} from '../support/seatledger';

const CREATE = `mutation ($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { secret endpoint { id url eventTypes description enabled createdAt } }
}`;
const ENDPOINTS = '{ webhookEndpoints { id url eventTypes enabled } }';
const DELIVERIES = `query ($endpointId: ID, $status: DeliveryStatus) {
  webhookDeliveries(endpointId: $endpointId, status: $status, first: 100) {
    totalCount
    edges { node { id eventId eventType status attempts lastStatusCode lastError nextAttemptAt endpoint { id } } }
  }
}`;
const ROTATE = 'mutation ($id: ID!) { rotateWebhookSecret(input: { id: $id }) { secret endpoint { id } } }';
const REDELIVER = 'mutation ($id: ID!) { redeliverWebhook(input: { deliveryId: $id }) { delivery { id status } } }';

interface Received {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** How the receiver answers the n-th request (0-based) for one webhook-id on one path: a status, or hang. */
type Behaviour = (attempt: number) => number | 'hang';

interface Receiver {
  readonly base: string;
  readonly received: Received[];
  on(path: string, behaviour: Behaviour): void;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const behaviours = new Map<string, Behaviour>();
  const seen = new Map<string, number>();
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = req.url ?? '/';
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      received.push({ path: url, headers, body: Buffer.concat(chunks).toString('utf8') });
      const key = `${url} ${headers['webhook-id']}`;
      const attempt = seen.get(key) ?? 0;
      seen.set(key, attempt + 1);
      const answer = (behaviours.get(url) ?? (() => 200))(attempt);
      if (answer === 'hang') {
        hanging.add(res);
        return;
      }
      res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer >= 300 ? 'no thanks' : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    received,
    on: (p, behaviour) => behaviours.set(p, behaviour),
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Verifies with the reference library; answers the parsed body. Throws on a bad signature. */
function verified(secret: string, delivery: Received): Record<string, unknown> {
  return new Webhook(secret).verify(delivery.body, delivery.headers) as Record<string, unknown>;
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function exportLines(dataDir: string, accountId: string): Promise<string[]> {
  const out = capture(dataDir);
  expect(await runExport(['--account', accountId, '--data-dir', dataDir], out.io)).toBe(0);
  return out.stdout().split('\n').filter(Boolean);
}

async function createEndpoint(gql: Gql, token: string, input: Record<string, unknown>) {
  const data = ok(await gql(CREATE, { input }, token));
  return data.createWebhookEndpoint as { secret: string; endpoint: { id: string; createdAt: string } };
}

async function deliveriesOf(gql: Gql, token: string, endpointId: string) {
  const data = ok(await gql(DELIVERIES, { endpointId }, token));
  return data.webhookDeliveries.edges.map((edge: { node: unknown }) => edge.node) as {
    id: string;
    eventId: string;
    eventType: string;
    status: string;
    attempts: number;
    lastStatusCode: number | null;
    lastError: string | null;
  }[];
}

describe('webhooks', () => {
  let server: TestSeatledger;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startTestSeatledger({
      env: {
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
        WEBHOOK_RETRY_SECONDS: '0.2,0.2',
        WEBHOOK_TIMEOUT_MS: '500',
        AUTH_SECRET: TEST_AUTH_SECRET,
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  it('delivers every event of the account, signed, as a line of the export; the secret is nowhere in the log', async () => {
    const { gql } = server;
    const owner = await signUpAccount(gql, 'Hooked');
    const { secret, endpoint } = await createEndpoint(gql, owner.token, { url: `${receiver.base}/all` });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64').length).toBeGreaterThanOrEqual(24);
    expect(endpoint.id).toMatch(/^WebhookEndpoint:/);

    await purchase(gql, owner.token, 3);
    const user = await createUser(gql, owner.token);
    ok(await gql(ASSIGN, { userId: user.id, product: 'VIDEO_MEETING' }, owner.token));

    const lines = await exportLines(server.dataDir, owner.accountId);
    const from = lines.findIndex((line) => JSON.parse(line).type === 'WebhookEndpointCreated');
    const expected = lines.slice(from);
    expect(expected.map((line) => JSON.parse(line).type)).toEqual(
      expect.arrayContaining(['WebhookEndpointCreated', 'LicensePurchased', 'UserCreated', 'LicenseAssigned']),
    );
    const got = await until('every event delivered', () => {
      const mine = receiver.received.filter((r) => r.path === '/all');
      const ids = new Set(mine.map((r) => r.headers['webhook-id']));
      return expected.every((line) => ids.has(JSON.parse(line).id)) ? mine : undefined;
    });
    for (const line of expected) {
      const delivery = got.find((r) => r.headers['webhook-id'] === JSON.parse(line).id) as Received;
      // The very bytes of the export's line, signed over id.timestamp.body.
      expect(delivery.body).toBe(line);
      expect(verified(secret, delivery)).toEqual(JSON.parse(line));
      expect(delivery.headers['content-type']).toBe('application/json');
    }
    // Nothing before the endpoint existed.
    const before = new Set(lines.slice(0, from).map((line) => JSON.parse(line).id));
    expect(got.some((r) => before.has(r.headers['webhook-id'] as string))).toBe(false);

    const sent = await until('deliveries SENT', async () => {
      const rows = await deliveriesOf(gql, owner.token, endpoint.id);
      return rows.length >= expected.length && rows.every((r) => r.status === 'SENT') ? rows : undefined;
    });
    expect(sent[0]).toMatchObject({ attempts: 1, lastStatusCode: 200, lastError: null });

    // The secret (and its key bytes) in no export, history or event feed.
    const key = secret.slice('whsec_'.length);
    const exported = (await exportLines(server.dataDir, owner.accountId)).join('\n');
    const history = JSON.stringify(
      ok(await gql('{ licenseHistory(first: 500) { edges { node { eventType data } } } }', undefined, owner.token)),
    );
    for (const text of [exported, history]) {
      expect(text).not.toContain(key);
      expect(text).not.toContain('WebhookSecretStored');
    }
    expect(history).toContain('WebhookEndpointCreated');
    // Stored sealed: the raw log holds neither the secret nor its key bytes.
    const db = new Database(path.join(server.dataDir, 'events.db'), { readonly: true });
    try {
      const raw = db.prepare("SELECT group_concat(data, '') FROM events").pluck().get() as string;
      expect(raw).not.toContain(key);
    } finally {
      db.close();
    }
  });

  it('retries a receiver answering 500 twice with the same webhook-id, then SENT; redeliverWebhook sends it again', async () => {
    const { gql } = server;
    const owner = await signUpAccount(gql, 'Flaky');
    receiver.on('/flaky', (attempt) => (attempt < 2 ? 500 : 200));
    const { secret, endpoint } = await createEndpoint(gql, owner.token, {
      url: `${receiver.base}/flaky`,
      eventTypes: ['LicensePurchased'],
    });
    await purchase(gql, owner.token, 1);
    const [delivery] = await until('the delivery SENT', async () => {
      const rows = await deliveriesOf(gql, owner.token, endpoint.id);
      return rows.length === 1 && rows[0]?.status === 'SENT' ? rows : undefined;
    });
    expect(delivery).toMatchObject({ eventType: 'LicensePurchased', attempts: 3, lastStatusCode: 200 });
    const attempts = receiver.received.filter((r) => r.path === '/flaky');
    expect(attempts.map((r) => r.headers['webhook-id'])).toEqual([
      delivery?.eventId,
      delivery?.eventId,
      delivery?.eventId,
    ]);
    for (const attempt of attempts) verified(secret, attempt);

    ok(await gql(REDELIVER, { id: delivery?.id }, owner.token));
    await until('the redelivery', () =>
      receiver.received.filter((r) => r.path === '/flaky').length === 4 ? true : undefined,
    );
  });

  it('times a hanging receiver out and retries it', async () => {
    const { gql } = server;
    const owner = await signUpAccount(gql, 'Slow');
    receiver.on('/hang', (attempt) => (attempt === 0 ? 'hang' : 200));
    const { endpoint } = await createEndpoint(gql, owner.token, {
      url: `${receiver.base}/hang`,
      eventTypes: ['LicensePurchased'],
    });
    await purchase(gql, owner.token, 1);
    const [delivery] = await until('the delivery SENT', async () => {
      const rows = await deliveriesOf(gql, owner.token, endpoint.id);
      return rows[0]?.status === 'SENT' ? rows : undefined;
    });
    expect(delivery).toMatchObject({ attempts: 2, lastStatusCode: 200 });
  });

  it('gives up after the last retry (FAILED, with the reason) while other endpoints keep receiving', async () => {
    const { gql } = server;
    const owner = await signUpAccount(gql, 'Down');
    receiver.on('/down', () => 503);
    const down = await createEndpoint(gql, owner.token, { url: `${receiver.base}/down`, eventTypes: ['UserCreated'] });
    const up = await createEndpoint(gql, owner.token, { url: `${receiver.base}/up`, eventTypes: ['UserCreated'] });
    await createUser(gql, owner.token);
    const [failed] = await until('the delivery FAILED', async () => {
      const rows = await deliveriesOf(gql, owner.token, down.endpoint.id);
      return rows[0]?.status === 'FAILED' ? rows : undefined;
    });
    expect(failed).toMatchObject({ attempts: 3, lastStatusCode: 503 });
    expect(failed?.lastError).toMatch(/HTTP 503/);
    expect((await deliveriesOf(gql, owner.token, up.endpoint.id))[0]).toMatchObject({ status: 'SENT', attempts: 1 });
  });

  it('disables an endpoint that answers 410 Gone', async () => {
    const { gql } = server;
    const owner = await signUpAccount(gql, 'Gone');
    receiver.on('/gone', () => 410);
    const { endpoint } = await createEndpoint(gql, owner.token, {
      url: `${receiver.base}/gone`,
      eventTypes: ['LicensePurchased'],
    });
    await purchase(gql, owner.token, 1);
    await until('the endpoint disabled', async () => {
      const data = ok(await gql(ENDPOINTS, undefined, owner.token));
      return data.webhookEndpoints[0]?.enabled === false ? true : undefined;
    });
    const [delivery] = await deliveriesOf(gql, owner.token, endpoint.id);
    expect(delivery).toMatchObject({ status: 'FAILED', attempts: 1, lastStatusCode: 410 });
    const lines = await exportLines(server.dataDir, owner.accountId);
    expect(lines.map((line) => JSON.parse(line)).find((e) => e.type === 'WebhookEndpointDisabled')?.data).toEqual({
      accountId: owner.accountId,
      endpointId: endpoint.id.replace('WebhookEndpoint:', ''),
      reason: 'GONE',
    });
    // Disabled: the next event is not delivered there.
    await purchase(gql, owner.token, 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await deliveriesOf(gql, owner.token, endpoint.id)).toHaveLength(1);
  });

  it('signs with both secrets during a rotation: the old and the new one verify', async () => {
    const { gql } = server;
    const owner = await signUpAccount(gql, 'Rotating');
    const { secret: old, endpoint } = await createEndpoint(gql, owner.token, {
      url: `${receiver.base}/rotate`,
      eventTypes: ['LicensePurchased'],
    });
    const rotated = ok(await gql(ROTATE, { id: endpoint.id }, owner.token)).rotateWebhookSecret;
    expect(rotated.secret).not.toBe(old);
    await purchase(gql, owner.token, 1);
    const delivery = await until('the delivery', () => receiver.received.find((r) => r.path === '/rotate'));
    expect(delivery.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(verified(old, delivery)).toMatchObject({ type: 'LicensePurchased' });
    expect(verified(rotated.secret, delivery)).toMatchObject({ type: 'LicensePurchased' });
    expect(() => verified(`whsec_${Buffer.alloc(32, 7).toString('base64')}`, delivery)).toThrow();
  });

  it("node(id:) refetches an endpoint and a delivery in the caller's account only, for its OWNER and ADMINs", async () => {
    const { gql } = server;
    const owner = await signUpAccount(gql, 'Nodes');
    const { endpoint } = await createEndpoint(gql, owner.token, {
      url: `${receiver.base}/nodes`,
      eventTypes: ['LicensePurchased'],
    });
    await purchase(gql, owner.token, 1);
    const [delivery] = await until('the delivery SENT', async () => {
      const rows = await deliveriesOf(gql, owner.token, endpoint.id);
      return rows[0]?.status === 'SENT' ? rows : undefined;
    });
    const NODE = `query ($id: ID!) { node(id: $id) {
      __typename id
      ... on WebhookEndpoint { url enabled }
      ... on WebhookDelivery { eventId status endpoint { id } }
    } }`;
    expect(ok(await gql(NODE, { id: endpoint.id }, owner.token)).node).toEqual({
      __typename: 'WebhookEndpoint',
      id: endpoint.id,
      url: `${receiver.base}/nodes`,
      enabled: true,
    });
    expect(ok(await gql(NODE, { id: delivery?.id }, owner.token)).node).toEqual({
      __typename: 'WebhookDelivery',
      id: delivery?.id,
      eventId: delivery?.eventId,
      status: 'SENT',
      endpoint: { id: endpoint.id },
    });
    // Another account's ids, and ids of nothing, answer null as any unknown id does.
    const other = await signUpAccount(gql, 'Nosy');
    expect(ok(await gql(NODE, { id: endpoint.id }, other.token)).node).toBeNull();
    expect(ok(await gql(NODE, { id: delivery?.id }, other.token)).node).toBeNull();
    expect(ok(await gql(NODE, { id: 'WebhookEndpoint:nothing' }, owner.token)).node).toBeNull();
    // A MEMBER reads neither, as with webhookEndpoints and webhookDeliveries.
    const member = await createUser(gql, owner.token, { role: 'MEMBER' });
    const token = await tokenFor(member.id);
    expect((await gql(NODE, { id: endpoint.id }, token)).codes).toEqual(['FORBIDDEN']);
    expect((await gql(NODE, { id: delivery?.id }, token)).codes).toEqual(['FORBIDDEN']);
  });

  it('deletes an endpoint: nothing more is delivered, and its sealed secret is no longer in events.db', async () => {
    const { gql } = server;
    const owner = await signUpAccount(gql, 'Deleting');
    const { endpoint } = await createEndpoint(gql, owner.token, {
      url: `${receiver.base}/deleted`,
      eventTypes: ['LicensePurchased'],
    });
    const bareId = endpoint.id.replace('WebhookEndpoint:', '');
    const secretRows = () => {
      const db = new Database(path.join(server.dataDir, 'events.db'), { readonly: true });
      try {
        return db.prepare('SELECT type, data FROM events WHERE stream = ?').all(`credentials-webhook-${bareId}`) as {
          type: string;
          data: string;
        }[];
      } finally {
        db.close();
      }
    };
    const [stored] = secretRows();
    expect(stored?.type).toBe('WebhookSecretStored');
    const sealed = JSON.parse(stored?.data ?? '{}').current as string;
    expect(sealed).toMatch(/^v1\./);

    const deleted = ok(
      await gql(
        'mutation ($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) { deletedId } }',
        { id: endpoint.id },
        owner.token,
      ),
    );
    expect(deleted.deleteWebhookEndpoint.deletedId).toBe(endpoint.id);
    expect(ok(await gql(ENDPOINTS, undefined, owner.token)).webhookEndpoints).toEqual([]);
    // Only the tombstone is left of the secret stream, and the ciphertext is in no event.
    expect(secretRows()).toEqual([{ type: 'WebhookSecretErased', data: JSON.stringify({ endpointId: bareId }) }]);
    const db = new Database(path.join(server.dataDir, 'events.db'), { readonly: true });
    try {
      const raw = db.prepare("SELECT group_concat(data, '') FROM events").pluck().get() as string;
      expect(raw).not.toContain(sealed.split('.')[2]);
    } finally {
      db.close();
    }
    await purchase(gql, owner.token, 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received.filter((r) => r.path === '/deleted')).toEqual([]);
  });

  it('checks event types and roles; an idempotency key answers the first endpoint and secret again', async () => {
    const { gql } = server;
    const owner = await signUpAccount(gql, 'Rules');
    const bad = await gql(CREATE, { input: { url: `${receiver.base}/x`, eventTypes: ['NoSuchEvent'] } }, owner.token);
    expect(bad.codes).toEqual(['BAD_USER_INPUT']);
    expect(bad.errors?.[0]?.extensions?.fields).toEqual([
      expect.objectContaining({
        field: 'eventTypes',
        rules: [expect.objectContaining({ rule: 'isPublishedEventType' })],
      }),
    ]);
    const secretStream = await gql(
      CREATE,
      { input: { url: `${receiver.base}/x`, eventTypes: ['WebhookSecretStored'] } },
      owner.token,
    );
    expect(secretStream.codes).toEqual(['BAD_USER_INPUT']);

    const input = { url: `${receiver.base}/keyed`, idempotencyKey: 'hook-1' };
    const first = await createEndpoint(gql, owner.token, input);
    const again = await createEndpoint(gql, owner.token, input);
    expect(again).toEqual(first);
    const reused = await gql(CREATE, { input: { ...input, url: `${receiver.base}/other` } }, owner.token);
    expect(reused.codes).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    expect(ok(await gql(ENDPOINTS, undefined, owner.token)).webhookEndpoints).toHaveLength(1);
  });
});

describe('an endpoint failing for WEBHOOK_DISABLE_AFTER_SECONDS', () => {
  let server: TestSeatledger;
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startTestSeatledger({
      env: {
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
        WEBHOOK_RETRY_SECONDS: Array(20).fill('0.2').join(','),
        WEBHOOK_DISABLE_AFTER_SECONDS: '1',
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  it('is disabled (FAILING) and its OWNER gets a mail', async () => {
    const { gql } = server;
    const owner = await signUpAccount(gql, 'Failing');
    receiver.on('/failing', () => 500);
    const { endpoint } = await createEndpoint(gql, owner.token, {
      url: `${receiver.base}/failing`,
      eventTypes: ['LicensePurchased'],
    });
    await purchase(gql, owner.token, 1);
    await until('the endpoint disabled', async () => {
      const data = ok(await gql(ENDPOINTS, undefined, owner.token));
      return data.webhookEndpoints[0]?.enabled === false ? true : undefined;
    });
    const [delivery] = await deliveriesOf(gql, owner.token, endpoint.id);
    expect(delivery?.status).toBe('FAILED');
    expect(delivery?.attempts).toBeGreaterThan(3);
    const lines = await exportLines(server.dataDir, owner.accountId);
    expect(lines.map((line) => JSON.parse(line)).find((e) => e.type === 'WebhookEndpointDisabled')?.data.reason).toBe(
      'FAILING',
    );
    const outbox = path.join(server.dataDir, 'outbox');
    const mail = await until('the mail', () => {
      const names = fs.existsSync(outbox) ? fs.readdirSync(outbox) : [];
      const texts = names.map((name) => fs.readFileSync(path.join(outbox, name), 'utf8'));
      return texts.find((text) => /webhook endpoint of your account was disabled/.test(text));
    });
    expect(mail.toLowerCase()).toContain(owner.email.toLowerCase());
  });
});

describe('webhook URLs: no server-side request forgery', () => {
  let server: TestSeatledger;
  beforeAll(async () => {
    server = await startTestSeatledger({ env: { AUTH_SECRET: TEST_AUTH_SECRET } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it.each([
    'http://127.0.0.1/hook',
    'https://127.0.0.1/hook',
    'http://169.254.169.254/latest/meta-data/',
    'https://169.254.169.254/latest/meta-data/',
    'http://10.0.0.1/',
    'https://10.0.0.1/',
    'https://localhost/hook',
    'https://[::1]/hook',
    'https://[::ffff:127.0.0.1]/hook',
    'https://[fd00::1]/hook',
    'https://0.0.0.0/hook',
    'file:///etc/passwd',
    'gopher://example.com/1',
    'not a url',
  ])('refuses %s with BAD_USER_INPUT and stores nothing', async (url) => {
    const { gql } = server;
    const owner = await signUpAccount(gql, 'Forger');
    const refused = await gql(CREATE, { input: { url } }, owner.token);
    expect(refused.codes).toEqual(['BAD_USER_INPUT']);
    expect(refused.errors?.[0]?.extensions?.fields).toEqual([expect.objectContaining({ field: 'url' })]);
    expect(ok(await gql(ENDPOINTS, undefined, owner.token)).webhookEndpoints).toEqual([]);
    const db = new Database(path.join(server.dataDir, 'events.db'), { readonly: true });
    try {
      const stored = db
        .prepare("SELECT count(*) FROM events WHERE stream LIKE 'credentials-webhook-%' OR type LIKE 'Webhook%'")
        .pluck()
        .get();
      expect(stored).toBe(0);
    } finally {
      db.close();
    }
  });

  it('refuses an update to a private address and keeps the URL', async () => {
    const { gql } = server;
    const owner = await signUpAccount(gql, 'Mover');
    // A public address literal: no DNS needed, nothing is sent in this test (no event is subscribed).
    const { endpoint } = await createEndpoint(gql, owner.token, {
      url: 'https://93.184.215.14/hook',
      eventTypes: ['PlanUpgraded'],
    });
    const moved = await gql(
      'mutation ($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { endpoint { url } } }',
      { input: { id: endpoint.id, url: 'http://169.254.169.254/' } },
      owner.token,
    );
    expect(moved.codes).toEqual(['BAD_USER_INPUT']);
    expect(ok(await gql(ENDPOINTS, undefined, owner.token)).webhookEndpoints[0].url).toBe('https://93.184.215.14/hook');
  });

  it('refuses a MEMBER: FORBIDDEN to read, create or see deliveries', async () => {
    const { gql } = server;
    const owner = await signUpAccount(gql, 'Roles');
    const member = await createUser(gql, owner.token, { role: 'MEMBER' });
    const token = await tokenFor(member.id);
    expect((await gql(ENDPOINTS, undefined, token)).codes).toEqual(['FORBIDDEN']);
    expect((await gql(CREATE, { input: { url: 'https://93.184.215.14/x' } }, token)).codes).toEqual(['FORBIDDEN']);
    expect((await gql(DELIVERIES, {}, token)).codes).toEqual(['FORBIDDEN']);
    expect((await gql(ENDPOINTS, undefined, owner.token)).codes).toEqual([]);
  });
});
