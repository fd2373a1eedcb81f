// At least once, across a SIGKILL: the real `seatledger serve` (the built dist) delivers an account's events to a
// receiver that holds every request open, so deliveries are in flight when the process is killed. After a restart on
// the same data dir, with the receiver answering 200, every event of the export from the endpoint's creation on is
// delivered, each verified with the `standardwebhooks` package, and a receiver de-duplicating by `webhook-id` has
// each event exactly once (no event lost, none made up). Needs `npm run build`.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { runExport } from '../../src/cli/export';
import { capture } from '../cli/io';
import { ASSIGN, createUser, ok, purchase, signUpAccount } from '../support/seatledger';
import { makeTempDir } from '../support/temp-dir';
import { type ChildSeatledger, sleep, startChildSeatledger, waitUntilReady } from './support';

const ENV = {
  WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
  WEBHOOK_RETRY_SECONDS: '0.2,0.2,0.2,0.2,0.2',
  WEBHOOK_TIMEOUT_MS: '20000',
};

describe('SIGKILL mid-delivery, then restart', () => {
  const temp = makeTempDir('seatledger-webhooks-kill-');
  let server: ChildSeatledger | undefined;
  let receiver: http.Server;
  let answering = false;
  const hanging = new Set<http.ServerResponse>();
  const received: { headers: Record<string, string>; body: string }[] = [];

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        if (!answering) {
          hanging.add(res);
          return;
        }
        received.push({ headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await server?.kill();
    for (const res of hanging) res.destroy();
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
    temp.cleanup();
  });

  it('delivers every event once per webhook-id after the restart', async () => {
    const { port } = receiver.address() as AddressInfo;
    server = await startChildSeatledger(temp.dir, { env: ENV });
    await waitUntilReady(server.base);
    const owner = await signUpAccount(server.gql, 'Killed Co');
    const created = ok(
      await server.gql(
        'mutation ($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }',
        { input: { url: `http://127.0.0.1:${port}/hook` } },
        owner.token,
      ),
    );
    const secret: string = created.createWebhookEndpoint.secret;
    await purchase(server.gql, owner.token, 20);
    for (let i = 0; i < 8; i++) {
      const user = await createUser(server.gql, owner.token);
      ok(await server.gql(ASSIGN, { userId: user.id, product: 'VIDEO_MEETING' }, owner.token));
    }
    // Deliveries are in flight (the receiver holds them open): now the power goes.
    const deadline = Date.now() + 10_000;
    while (hanging.size < 4 && Date.now() < deadline) await sleep(20);
    expect(hanging.size).toBeGreaterThanOrEqual(4);
    await server.kill();
    for (const res of hanging) res.destroy();
    answering = true;

    server = await startChildSeatledger(temp.dir, { env: ENV });
    const out = capture(temp.dir);
    expect(await runExport(['--account', owner.accountId, '--data-dir', temp.dir], out.io)).toBe(0);
    const lines = out.stdout().split('\n').filter(Boolean);
    const expected = lines.slice(lines.findIndex((line) => JSON.parse(line).type === 'WebhookEndpointCreated'));
    expect(expected.length).toBeGreaterThan(20);

    const until = Date.now() + 30_000;
    const ids = () => new Set(received.map((r) => r.headers['webhook-id']));
    while (ids().size < expected.length && Date.now() < until) await sleep(50);
    // Settle: anything still coming would be a duplicate or a made-up event.
    await sleep(500);

    const byId = new Map(received.map((r) => [r.headers['webhook-id'] as string, r]));
    expect([...byId.keys()].sort()).toEqual(expected.map((line) => JSON.parse(line).id).sort());
    for (const line of expected) {
      const delivery = byId.get(JSON.parse(line).id);
      expect(delivery?.body).toBe(line);
      expect(new Webhook(secret).verify(delivery?.body ?? '', delivery?.headers ?? {})).toEqual(JSON.parse(line));
    }
  }, 90_000);
});
