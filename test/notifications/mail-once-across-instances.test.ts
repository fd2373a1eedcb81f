// Exactly one mail per assignment across instances, on the EventStoreDB TEST STAND-IN (not EventStoreDB): three
// notifiers in one consumer group, each with its own data dir and outbox. The group hands events out again after a
// node restart (from its last checkpoint) and moves a stopped member's unsettled ones to the others; per-instance
// de-duplication cannot see that, the claims in the log can. A claim whose holder died before sending is taken over
// once its lease runs out: the mail goes out once, with the Message-ID its event id gives it.
import fs from 'node:fs';
import path from 'node:path';
import type { RequestContext } from '../../src/application/application';
import { createApplication } from '../../src/application/create-application';
import { createCredentialsApplication } from '../../src/application/credentials';
import { effectClaimStream, subscriptionStream } from '../../src/domain/streams';
import { openEventStoreDbEventStore } from '../../src/eventstore/eventstoredb';
import type { EventStore, RecordedEvent } from '../../src/eventstore/port';
import { createNotifier, type Notifier } from '../../src/notifications/notifier';
import { createMailTransport, type MailTransport } from '../../src/notifications/transports';
import { LogConsumer } from '../../src/processing/log-consumer';
import { type EventStoreDbStandIn, startEventStoreDbStandIn } from '../support/eventstoredb-standin';
import { makeTempDir } from '../support/temp-dir';
import { captureLogger, eventually, sleep } from './support';

const CLAIM_LEASE_MS = 400;

let standIn: EventStoreDbStandIn;
const stores: EventStore[] = [];
const temps: ReturnType<typeof makeTempDir>[] = [];
const running = new Set<Notifier>();

const openStore = () => {
  const store = openEventStoreDbEventStore({ connectionString: standIn.connectionString, reconnectDelayMs: 20 });
  stores.push(store);
  return store;
};

interface Instance {
  readonly dir: string;
  notifier: Notifier;
  /** `retryMs`: the wait after a failed try (a claim or a send refused while the node restarts). */
  start(transport?: MailTransport, retryMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** An instance's notifier on its own connection and data dir; `start` again keeps the dir (and its instance id). */
function instance(): Instance {
  const temp = makeTempDir();
  temps.push(temp);
  const store = openStore();
  const logger = captureLogger();
  const self: Instance = {
    dir: temp.dir,
    notifier: undefined as unknown as Notifier,
    async start(transport = createMailTransport({ dataDir: temp.dir, logger }), retryMs = 100) {
      self.notifier = createNotifier({
        store,
        consumer: new LogConsumer({ store }),
        app: createApplication({ store }),
        credentials: createCredentialsApplication({ store }),
        transport,
        publicUrl: 'https://seats.example',
        dataDir: temp.dir,
        logger,
        retry: { attempts: 5, baseDelayMs: retryMs },
        claimLeaseMs: CLAIM_LEASE_MS,
      });
      running.add(self.notifier);
      await self.notifier.start();
    },
    async stop() {
      running.delete(self.notifier);
      await self.notifier.stop();
    },
  };
  return self;
}

/** The event ids (Message-IDs) of every mail in the instances' outboxes, one entry per mail. */
function mailed(instances: readonly Instance[]): string[] {
  return instances.flatMap(({ dir }) => {
    const outbox = path.join(dir, 'outbox');
    if (!fs.existsSync(outbox)) return [];
    return fs
      .readdirSync(outbox)
      .filter((name) => name.endsWith('.eml'))
      .map((name) => name.replace(/_seatledger\.eml$/, ''));
  });
}

/** The stand-in stopped and started on the same port and log: its groups hand out again from their last checkpoint. */
async function restartStandIn(): Promise<void> {
  const { port, log } = standIn;
  await standIn.stop();
  standIn = await startEventStoreDbStandIn({ port, log });
}

async function world() {
  const store = openStore();
  const app = createApplication({ store });
  const opened = await app.openAccount(
    { correlationId: 'c' },
    { accountName: 'Acme', ownerName: 'Olga Owner', ownerEmail: 'olga@acme.example' },
  );
  const owner: RequestContext = {
    actor: { userId: opened.ownerUserId, accountId: opened.accountId, role: 'OWNER' },
    correlationId: 'c',
  };
  await app.purchaseLicenses(owner, { product: 'VIDEO_MEETING', planId: 'video-pro', quantity: 50 });
  let n = 0;
  return {
    async assign(count: number) {
      for (let i = 0; i < count; i++) {
        n++;
        const { userId } = await app.createUser(owner, { name: `M ${n}`, email: `m${n}@acme.example`, role: 'MEMBER' });
        await app.assignLicense(owner, { userId, product: 'VIDEO_MEETING' });
      }
    },
    async assignments(): Promise<string[]> {
      const out: RecordedEvent[] = [];
      for await (const e of store.readStream(subscriptionStream(opened.accountId, 'VIDEO_MEETING'))) out.push(e);
      return out.filter((e) => e.type === 'LicenseAssigned').map((e) => e.id);
    },
    store,
  };
}

const countsOf = (ids: readonly string[]) => {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
};

beforeEach(async () => {
  standIn = await startEventStoreDbStandIn();
});

afterEach(async () => {
  await Promise.all([...running].map((notifier) => notifier.stop()));
  running.clear();
  await Promise.all(stores.splice(0).map((store) => store.close()));
  await standIn.stop();
  for (const temp of temps.splice(0)) temp.cleanup();
});

describe('one mail per assignment across three instances (on the EventStoreDB test stand-in)', () => {
  it('mails each assignment once through a node restart (a replay) and a member stopped mid-way', async () => {
    const w = await world();
    const instances = [instance(), instance(), instance()];
    await Promise.all(instances.map((i) => i.start()));

    await w.assign(6);
    const [first] = instances as [Instance];
    await first.stop(); // mid-way: what it held unsettled goes to the others; its own pending mails wait for it
    await w.assign(6);
    await restartStandIn(); // the group hands out again everything after its last checkpoint
    await first.start();
    await w.assign(3);

    const assigned = await w.assignments();
    await eventually(() => expect(new Set(mailed(instances))).toEqual(new Set(assigned)), 15_000);
    await Promise.all(instances.map((i) => i.notifier.idle()));
    await sleep(CLAIM_LEASE_MS * 2); // long enough for a deferred duplicate to come back and look again

    const counts = countsOf(mailed(instances));
    expect(assigned).toHaveLength(15);
    expect(assigned.map((id) => counts.get(id))).toEqual(assigned.map(() => 1));
    // Several instances took part, and claim streams hold the proof: each assignment claimed and done.
    expect(instances.filter((i) => mailed([i]).length > 0).length).toBeGreaterThan(1);
    const claim: string[] = [];
    for await (const e of w.store.readStream(effectClaimStream('notifier', assigned[0] as string))) claim.push(e.type);
    expect(claim.at(-1)).toBe('EffectDone');
  });

  it('takes over the claim of an instance that died before sending: the mail goes out once, same Message-ID', async () => {
    const w = await world();
    const dying = instance();
    // Claims, then its sending fails and it goes away for good: its claim is never done.
    let tries = 0;
    await dying.start(
      {
        kind: 'outbox',
        async send() {
          tries++;
          throw new Error('the process died here');
        },
        close() {},
      } satisfies MailTransport,
      60_000,
    );
    await w.assign(1);
    await eventually(() => expect(tries).toBe(1), 5_000);
    await dying.stop();
    const [assignment] = await w.assignments();
    const claim: string[] = [];
    for await (const e of w.store.readStream(effectClaimStream('notifier', assignment as string))) claim.push(e.type);
    expect(claim).toEqual(['EffectClaimed']);

    const heirs = [instance(), instance()];
    await Promise.all(heirs.map((i) => i.start()));
    await restartStandIn(); // the group hands the assignment out again (no checkpoint was written)

    await eventually(() => expect(mailed(heirs)).toEqual([assignment]), 10_000);
    await sleep(CLAIM_LEASE_MS * 2);
    expect(mailed(heirs)).toEqual([assignment]); // the file name is the Message-ID: the event id
    const after: string[] = [];
    for await (const e of w.store.readStream(effectClaimStream('notifier', assignment as string))) after.push(e.type);
    expect(after).toEqual(['EffectClaimed', 'EffectTakenOver', 'EffectDone']);
  });
});
