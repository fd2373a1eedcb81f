// The notifier and the deactivation reactor on the real SQLite log and application, mailing a real SMTP server
// in this process (or the .eml outbox): what the mails say, once per assignment, retries, restarts, secrets.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { deriveActivationToken, parseActivationToken } from '../../src/application/activation-token';
import type { Application, RequestContext } from '../../src/application/application';
import { createApplication } from '../../src/application/create-application';
import { type CredentialsApplication, createCredentialsApplication } from '../../src/application/credentials';
import type { Product } from '../../src/domain/plans';
import { subscriptionStream, userStream } from '../../src/domain/streams';
import { type EventStore, EventStoreUnavailable, type RecordedEvent } from '../../src/eventstore/port';
import { openSqliteEventStore } from '../../src/eventstore/sqlite';
import { listDeliveries } from '../../src/notifications/db';
import { createDeactivationReactor } from '../../src/notifications/deactivation-reactor';
import {
  createNotifier,
  loadOrCreateNotifierKey,
  type Notifier,
  type RetryPolicy,
} from '../../src/notifications/notifier';
import { createMailTransport, type MailTransport, smtpTransport } from '../../src/notifications/transports';
import { LogConsumer } from '../../src/processing/log-consumer';
import { makeTempDir } from '../support/temp-dir';
import {
  type CapturedLogger,
  captureLogger,
  eventually,
  type ParsedMail,
  parseMail,
  sleep,
  startSmtpServer,
  type TestSmtpServer,
} from './support';

const PUBLIC_URL = 'https://seats.example';
const FAST_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 40 };

interface World {
  readonly dir: string;
  readonly app: Application;
  readonly credentials: CredentialsApplication;
  readonly logger: CapturedLogger;
  readonly owner: RequestContext;
  readonly accountId: string;
  store: ReturnType<typeof openSqliteEventStore>;
  /** The process's one follower of the log, started: notifiers and reactors join it as processors. */
  readonly consumer: LogConsumer;
  notifier?: Notifier;
  newUser(name: string, email: string): Promise<string>;
  /** `via` replaces the store the notifier writes its claims to (e.g. one that fails some appends). */
  startNotifier(transport: MailTransport, retry?: RetryPolicy, via?: EventStore): Promise<Notifier>;
  events(product: Product): Promise<RecordedEvent[]>;
  close(): Promise<void>;
}

async function world(): Promise<World> {
  const temp = makeTempDir();
  const store = openSqliteEventStore({ file: path.join(temp.dir, 'events.db') });
  const app = createApplication({ store });
  const credentials = createCredentialsApplication({ store });
  const logger = captureLogger();
  const consumer = new LogConsumer({ store, logger, retry: { baseMs: 20, maxMs: 200 } });
  await consumer.start();
  const opened = await app.openAccount(
    { correlationId: randomUUID() },
    { accountName: 'Acme', ownerName: 'Olga Owner', ownerEmail: 'olga@acme.example' },
  );
  const owner: RequestContext = {
    actor: { userId: opened.ownerUserId, accountId: opened.accountId, role: 'OWNER' },
    correlationId: randomUUID(),
  };
  await app.purchaseLicenses(owner, { product: 'VIDEO_MEETING', planId: 'video-pro', quantity: 10 });
  await app.purchaseLicenses(owner, { product: 'WEBINAR', planId: 'webinar-500', quantity: 10 });
  const transports: MailTransport[] = [];
  const w: World = {
    dir: temp.dir,
    app,
    credentials,
    logger,
    owner,
    accountId: opened.accountId,
    store,
    consumer,
    async newUser(name, email) {
      return (await app.createUser(owner, { name, email, role: 'MEMBER' })).userId;
    },
    async startNotifier(transport, retry = FAST_RETRY, via = store) {
      transports.push(transport);
      const notifier = createNotifier({
        store: via,
        consumer,
        app,
        credentials,
        transport,
        publicUrl: PUBLIC_URL,
        dataDir: temp.dir,
        logger,
        retry,
      });
      w.notifier = notifier;
      await notifier.start();
      return notifier;
    },
    async events(product) {
      const out: RecordedEvent[] = [];
      for await (const e of store.readStream(subscriptionStream(opened.accountId, product))) out.push(e);
      return out;
    },
    async close() {
      await w.notifier?.stop();
      for (const t of transports) t.close();
      await consumer.stop();
      await store.close();
      temp.cleanup();
    },
  };
  return w;
}

/** Every byte of every file under the data dir, the SQLite files and WAL included. */
function dataDirContains(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const file = path.join(d, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (fs.readFileSync(file).includes(Buffer.from(needle))) hits.push(file);
    }
  };
  walk(dir);
  return hits;
}

const linkIn = (mail: ParsedMail) => /https:\/\/seats\.example\/activate\?token=([^\s"<]+)/.exec(mail.text)?.[1];

describe('the notifier over SMTP', () => {
  let w: World;
  let smtp: TestSmtpServer;
  beforeEach(async () => {
    w = await world();
    smtp = await startSmtpServer();
  });
  afterEach(async () => {
    await w.close();
    await smtp.stop();
  });

  it('mails product, plan, assigner, login and a one-time link whose hash alone is stored', async () => {
    // given a new user who has never signed in
    const ann = await w.newUser('Ann Lee', 'ann@acme.example');
    await w.startNotifier(smtpTransport(smtp.url));

    // when a licence is assigned to them
    await w.app.assignLicense(w.owner, { userId: ann, product: 'VIDEO_MEETING' });

    // then one mail arrives, saying what, who, which login, with a link
    const [received] = await smtp.waitForMails(1);
    expect(received?.to).toEqual(['ann@acme.example']);
    const mail = parseMail(received?.raw ?? '');
    const [assigned] = (await w.events('VIDEO_MEETING')).filter((e) => e.type === 'LicenseAssigned');
    expect(mail.header('message-id')).toBe(`<${assigned?.id}@seatledger>`);
    expect(mail.header('subject')).toBe('You have a Video Meeting licence (Video Meeting Pro)');
    expect(mail.text).toContain(
      'Olga Owner <olga@acme.example> assigned you a Video Meeting licence on the Video Meeting Pro plan',
    );
    expect(mail.text).toContain('Your login: ann@acme.example');
    expect(mail.html).toContain('Olga Owner &#60;olga@acme.example&#62;');
    const token = decodeURIComponent(linkIn(mail) ?? '');
    expect(mail.html).toContain(`href="${PUBLIC_URL}/activate?token=${encodeURIComponent(token)}"`);

    // and the token is the one pending in the credentials stream, valid for 7 days
    const parsed = parseActivationToken(token);
    expect(parsed?.userId).toBe(ann);
    const credentials = await w.credentials.load(ann);
    expect(credentials).toMatchObject({ status: 'pendingActivation', tokenHash: parsed?.tokenHash });
    const validFor = Date.parse((credentials as { expiresAt: string }).expiresAt) - Date.now();
    expect(validFor).toBeGreaterThan(7 * 24 * 3600_000 - 60_000);
    expect(validFor).toBeLessThanOrEqual(7 * 24 * 3600_000);

    // and it redeems once
    const ctx = { actor: { userId: ann, accountId: w.accountId, role: 'MEMBER' as const }, correlationId: 'c' };
    await w.credentials.redeemActivation(ctx, { userId: ann, tokenHash: parsed?.tokenHash ?? '', passwordHash: 'h' });
    await expect(
      w.credentials.redeemActivation(ctx, { userId: ann, tokenHash: parsed?.tokenHash ?? '', passwordHash: 'h2' }),
    ).rejects.toThrow(/invalid, used or expired/);

    // and no plaintext token is anywhere in the data dir or the logs
    await w.notifier?.idle();
    const secret = token.slice(token.lastIndexOf('.') + 1);
    expect(secret).toHaveLength(43);
    expect(dataDirContains(w.dir, secret)).toEqual([]);
    // (the search does see inside the SQLite files: the stored hash is found)
    expect(dataDirContains(w.dir, parsed?.tokenHash ?? '-').length).toBeGreaterThan(0);
    expect(w.logger.text()).not.toContain(secret);
    expect(w.logger.lines.length).toBeGreaterThan(0);
  });

  it('sends no link to a user who already has a password', async () => {
    const bo = await w.newUser('Bo', 'bo@acme.example');
    await w.credentials.setPassword(w.owner, { userId: bo, passwordHash: 'scrypt$x' });
    await w.startNotifier(smtpTransport(smtp.url));

    await w.app.assignLicense(w.owner, { userId: bo, product: 'WEBINAR' });

    const mail = parseMail((await smtp.waitForMails(1))[0]?.raw ?? '');
    expect(mail.text).toContain('a Webinar licence on the Webinar 500 plan');
    expect(mail.text).not.toContain('/activate');
    expect(mail.text).toContain(`Sign in with your password at ${PUBLIC_URL}`);
    expect(await w.credentials.load(bo)).toMatchObject({ status: 'password' });
  });

  it('mails a revocation with its reason', async () => {
    const ann = await w.newUser('Ann', 'ann@acme.example');
    await w.startNotifier(smtpTransport(smtp.url));
    await w.app.assignLicense(w.owner, { userId: ann, product: 'WEBINAR' });
    await smtp.waitForMails(1);

    await w.app.revokeLicense(w.owner, { userId: ann, product: 'WEBINAR', reason: 'left the webinar team' });

    const mail = parseMail((await smtp.waitForMails(2))[1]?.raw ?? '');
    const revoked = (await w.events('WEBINAR')).find((e) => e.type === 'LicenseRevoked');
    expect(mail.header('message-id')).toBe(`<${revoked?.id}@seatledger>`);
    expect(mail.header('subject')).toBe('Your Webinar licence was revoked');
    expect(mail.text).toContain('Your Webinar licence (Webinar 500 plan) was revoked.');
    expect(mail.text).toContain('Reason: left the webinar team');
  });

  it('delivers once when the SMTP server is down and then comes back', async () => {
    // given the server is down
    await smtp.stop();
    const ann = await w.newUser('Ann', 'ann@acme.example');
    const notifier = await w.startNotifier(smtpTransport(smtp.url), { attempts: 8, baseDelayMs: 30 });

    // when a licence is assigned, and a try fails
    await w.app.assignLicense(w.owner, { userId: ann, product: 'VIDEO_MEETING' });
    await eventually(() => {
      const [row] = listDeliveries(notifier.db, w.accountId).nodes;
      expect(row).toMatchObject({ status: 'PENDING', lastError: expect.stringMatching(/ECONNREFUSED/) });
      expect(row?.attempts).toBeGreaterThanOrEqual(1);
    });

    // then once the server is back the mail arrives, once
    await smtp.start();
    await smtp.waitForMails(1);
    await notifier.idle();
    await sleep(300);
    expect(smtp.received).toHaveLength(1);
    const [row] = listDeliveries(notifier.db, w.accountId).nodes;
    expect(row).toMatchObject({ status: 'SENT', lastError: null });
    expect(row?.attempts).toBeGreaterThanOrEqual(2);

    // and the warnings in the log carry no token
    const token = decodeURIComponent(linkIn(parseMail(smtp.received[0]?.raw ?? '')) ?? '');
    expect(token).not.toBe('');
    expect(w.logger.text()).toMatch(/will retry/);
    expect(w.logger.text()).not.toContain(token.slice(token.lastIndexOf('.') + 1));
    expect(dataDirContains(w.dir, token.slice(token.lastIndexOf('.') + 1))).toEqual([]);
  });

  it('records FAILED after the last try and lists it for the account', async () => {
    await smtp.stop();
    const ann = await w.newUser('Ann', 'ann@acme.example');
    const bo = await w.newUser('Bo', 'bo@acme.example');
    const notifier = await w.startNotifier(smtpTransport(smtp.url), { attempts: 3, baseDelayMs: 10 });

    await w.app.assignLicense(w.owner, { userId: ann, product: 'VIDEO_MEETING' });
    await w.app.assignLicense(w.owner, { userId: bo, product: 'VIDEO_MEETING' });

    const failed = await eventually(() => {
      const page = listDeliveries(notifier.db, w.accountId, { status: 'FAILED', first: 10 });
      expect(page.nodes).toHaveLength(2);
      return page;
    });
    const assigned = (await w.events('VIDEO_MEETING')).filter((e) => e.type === 'LicenseAssigned');
    // newest first
    expect(failed.nodes.map((d) => d.eventId)).toEqual([assigned[1]?.id, assigned[0]?.id]);
    expect(failed.nodes[0]).toMatchObject({
      recipient: { userId: bo, email: 'bo@acme.example' },
      kind: 'LICENSE_ASSIGNED',
      status: 'FAILED',
      attempts: 3,
      accountId: w.accountId,
      lastError: expect.stringMatching(/ECONNREFUSED/),
    });
    expect(w.logger.text()).toMatch(/notification failed after the last try/);

    // paging, and other filters and accounts
    const first = listDeliveries(notifier.db, w.accountId, { first: 1 });
    expect(first.nodes.map((d) => d.recipient.userId)).toEqual([bo]);
    expect(first.hasNextPage).toBe(true);
    const second = listDeliveries(notifier.db, w.accountId, { first: 1, after: first.endCursor });
    expect(second.nodes.map((d) => d.recipient.userId)).toEqual([ann]);
    expect(second.hasNextPage).toBe(false);
    expect(listDeliveries(notifier.db, w.accountId, { status: 'SENT' }).nodes).toEqual([]);
    expect(listDeliveries(notifier.db, 'another-account').nodes).toEqual([]);

    // the link was issued (once) even though no mail went out; no plaintext token was kept
    const credentials = await w.credentials.load(ann);
    expect(credentials.status).toBe('pendingActivation');
  });

  it('sends nothing twice across a restart, and follows the log live after it', async () => {
    const ann = await w.newUser('Ann', 'ann@acme.example');
    const bo = await w.newUser('Bo', 'bo@acme.example');
    await w.startNotifier(smtpTransport(smtp.url));
    await w.app.assignLicense(w.owner, { userId: ann, product: 'VIDEO_MEETING' });
    await w.app.assignLicense(w.owner, { userId: bo, product: 'WEBINAR' });
    await smtp.waitForMails(2);
    await w.notifier?.idle();
    await w.notifier?.stop();

    // when the notifier starts again on the same data dir
    const again = await w.startNotifier(smtpTransport(smtp.url));
    await again.idle();
    await sleep(200);

    // then nothing is sent again, and a new assignment is mailed
    expect(smtp.received).toHaveLength(2);
    await w.app.assignLicense(w.owner, { userId: ann, product: 'WEBINAR' });
    await smtp.waitForMails(3);
    await again.idle();
    expect(smtp.received).toHaveLength(3);
  });

  it('re-sends a mail interrupted between sending and recording with the same Message-ID and token', async () => {
    const ann = await w.newUser('Ann', 'ann@acme.example');
    // The crash comes before the claim is recorded done in the log, too.
    const crashBeforeDone: EventStore = Object.assign(Object.create(w.store) as EventStore, {
      appendToStream: (stream: string, events: Parameters<EventStore['appendToStream']>[1], options: never) =>
        events.some((event) => event.type === 'EffectDone')
          ? Promise.reject(new EventStoreUnavailable('the process died here'))
          : w.store.appendToStream(stream, events, options),
    });
    await w.startNotifier(smtpTransport(smtp.url), FAST_RETRY, crashBeforeDone);
    await w.app.assignLicense(w.owner, { userId: ann, product: 'VIDEO_MEETING' });
    const first = parseMail((await smtp.waitForMails(1))[0]?.raw ?? '');
    await w.notifier?.idle();
    await w.notifier?.stop();
    const before = await w.credentials.load(ann);

    // given a crash after the server took the mail and before SENT was recorded
    const db = new Database(path.join(w.dir, 'notifications.db'));
    db.prepare(`UPDATE deliveries SET status = 'PENDING', attempts = 0`).run();
    db.close();

    // when the notifier starts again
    const again = await w.startNotifier(smtpTransport(smtp.url));
    const second = parseMail((await smtp.waitForMails(2))[1]?.raw ?? '');
    await again.idle();

    // then the same mail went out again: same Message-ID, same link, and no new token was issued
    expect(second.header('message-id')).toBe(first.header('message-id'));
    expect(linkIn(second)).toBe(linkIn(first));
    expect(await w.credentials.load(ann)).toEqual(before);
    expect(listDeliveries(again.db, w.accountId).nodes[0]).toMatchObject({ status: 'SENT', attempts: 1 });
  });

  it('carries one link in two licence mails in a row, and it works from either', async () => {
    const ann = await w.newUser('Ann', 'ann@acme.example');
    await w.startNotifier(smtpTransport(smtp.url));
    await w.app.assignLicense(w.owner, { userId: ann, product: 'VIDEO_MEETING' });
    await w.app.assignLicense(w.owner, { userId: ann, product: 'WEBINAR' });
    const mails = (await smtp.waitForMails(2)).map((m) => parseMail(m.raw));

    const [first, second] = mails.map((m) => linkIn(m));
    expect(first).toBeDefined();
    expect(second).toBe(first);
    const token = parseActivationToken(decodeURIComponent(first ?? ''));
    const [assigned] = (await w.events('VIDEO_MEETING')).filter((e) => e.type === 'LicenseAssigned');
    expect(await w.credentials.load(ann)).toMatchObject({ tokenHash: token?.tokenHash, deliveryId: assigned?.id });
    expect(await w.credentials.activationRedeemable(w.owner, { userId: ann, tokenHash: token?.tokenHash ?? '' })).toBe(
      true,
    );
  });

  describe('a link already in the mailbox', () => {
    const DAY = 24 * 60 * 60 * 1000;
    /** Ann's current link, as a mail for `deliveryId` issued it (no deliveryId: as events before it was recorded). */
    async function givenLink(userId: string, expiresInMs: number, deliveryId?: string) {
      const earlier = deriveActivationToken(userId, loadOrCreateNotifierKey(w.dir), deliveryId ?? 'a-mail-before');
      await w.credentials.issueActivation(w.owner, {
        userId,
        tokenHash: earlier.tokenHash,
        expiresAt: new Date(Date.now() + expiresInMs).toISOString(),
        ...(deliveryId ? { deliveryId } : {}),
      });
      return earlier.token;
    }
    const mailedLink = async () =>
      decodeURIComponent(linkIn(parseMail((await smtp.waitForMails(1))[0]?.raw ?? '')) ?? '');

    it('goes out again while it is good for at least half its validity', async () => {
      const ann = await w.newUser('Ann', 'ann@acme.example');
      const earlier = await givenLink(ann, 6 * DAY, 'a-mail-before');
      await w.startNotifier(smtpTransport(smtp.url));
      await w.app.assignLicense(w.owner, { userId: ann, product: 'VIDEO_MEETING' });
      expect(await mailedLink()).toBe(earlier);
    });

    it('is replaced by a new link once it has less than half its validity left', async () => {
      const ann = await w.newUser('Ann', 'ann@acme.example');
      const earlier = await givenLink(ann, 3 * DAY, 'a-mail-before');
      await w.startNotifier(smtpTransport(smtp.url));
      await w.app.assignLicense(w.owner, { userId: ann, product: 'VIDEO_MEETING' });
      const link = await mailedLink();
      expect(link).not.toBe(earlier);
      expect(await w.credentials.load(ann)).toMatchObject({ tokenHash: parseActivationToken(link)?.tokenHash });
    });

    it('is replaced when the log does not say which mail it was derived for (events before it did)', async () => {
      const ann = await w.newUser('Ann', 'ann@acme.example');
      const earlier = await givenLink(ann, 6 * DAY);
      await w.startNotifier(smtpTransport(smtp.url));
      await w.app.assignLicense(w.owner, { userId: ann, product: 'VIDEO_MEETING' });
      const link = await mailedLink();
      expect(link).not.toBe(earlier);
      expect(await w.credentials.load(ann)).toMatchObject({ tokenHash: parseActivationToken(link)?.tokenHash });
    });
  });
});

describe('the notifier without SMTP', () => {
  it('writes each mail as a parseable .eml into <data dir>/outbox and logs its path', async () => {
    const w = await world();
    try {
      const ann = await w.newUser('Ann Lee', 'ann@acme.example');
      await w.startNotifier(createMailTransport({ dataDir: w.dir, logger: w.logger }));

      await w.app.assignLicense(w.owner, { userId: ann, product: 'WEBINAR' });

      const outbox = path.join(w.dir, 'outbox');
      const [file] = await eventually(() => {
        // A mail being written is a hidden .tmp file until its rename: readers look at *.eml only.
        const files = fs.existsSync(outbox) ? fs.readdirSync(outbox).filter((f) => f.endsWith('.eml')) : [];
        expect(files).toHaveLength(1);
        return files;
      });
      const [assigned] = (await w.events('WEBINAR')).filter((e) => e.type === 'LicenseAssigned');
      expect(file).toBe(`${assigned?.id}_seatledger.eml`);
      const mail = parseMail(fs.readFileSync(path.join(outbox, file as string), 'utf8'));
      expect(mail.header('to')).toBe('ann@acme.example');
      expect(mail.header('message-id')).toBe(`<${assigned?.id}@seatledger>`);
      expect(mail.text).toContain('a Webinar licence on the Webinar 500 plan');
      expect(linkIn(mail)).toBeDefined();
      // Logged just after the rename that made the file visible.
      await eventually(() => expect(w.logger.text()).toContain(path.join(outbox, file as string)));
    } finally {
      await w.close();
    }
  });

  /** An outbox that keeps what it is handed, fails for some recipients, and can run a hook on a send. */
  const keepingOutbox = (failFor: (to: string) => boolean, onSend?: (count: number) => void) => {
    const sent: { to: string; messageId: string }[] = [];
    let tries = 0;
    const transport: MailTransport = {
      kind: 'outbox',
      async send(mail) {
        onSend?.(++tries);
        if (failFor(mail.to)) throw new Error(`no room for ${mail.to}`);
        sent.push({ to: mail.to, messageId: mail.messageId });
        return { messageId: mail.messageId };
      },
      close() {},
    };
    return { transport, sent };
  };

  it('records a run of outbox mails together, each with its own outcome, one failure holding back no other', async () => {
    const w = await world();
    try {
      const users = [];
      for (const name of ['Ann', 'Bo', 'Cy']) users.push(await w.newUser(name, `${name.toLowerCase()}@acme.example`));
      // All three due at once when the notifier starts: one run of the worker.
      for (const userId of users) await w.app.assignLicense(w.owner, { userId, product: 'VIDEO_MEETING' });
      let boFails = true;
      const outbox = keepingOutbox((to) => to === 'bo@acme.example' && boFails);
      const notifier = await w.startNotifier(outbox.transport, { attempts: 3, baseDelayMs: 300 });

      const byEmail = () =>
        Object.fromEntries(listDeliveries(notifier.db, w.accountId).nodes.map((d) => [d.recipient.email, d]));
      await eventually(() =>
        expect(byEmail()).toMatchObject({
          'ann@acme.example': { status: 'SENT', attempts: 1 },
          'bo@acme.example': { status: 'PENDING', attempts: 1, lastError: expect.stringMatching(/no room/) },
          'cy@acme.example': { status: 'SENT', attempts: 1 },
        }),
      );
      boFails = false;
      await eventually(() => expect(byEmail()['bo@acme.example']).toMatchObject({ status: 'SENT', attempts: 2 }));
      expect(outbox.sent.map((m) => m.to).sort()).toEqual(['ann@acme.example', 'bo@acme.example', 'cy@acme.example']);
    } finally {
      await w.close();
    }
  });

  it('retries a failed mail while new deliveries keep coming, not only once the log is quiet', async () => {
    const w = await world();
    try {
      const ann = await w.newUser('Ann', 'ann@acme.example');
      const bo = await w.newUser('Bo', 'bo@acme.example');
      let boFails = true;
      const outbox = keepingOutbox((to) => to === 'bo@acme.example' && boFails);
      // Ann's mails take a while each, and go one after the other: her deliveries pile up as long as the load lasts.
      const slow: MailTransport = {
        ...outbox.transport,
        async send(mail) {
          if (mail.to === 'ann@acme.example') await sleep(20);
          return outbox.transport.send(mail);
        },
      };
      const notifier = await w.startNotifier(slow, { attempts: 3, baseDelayMs: 100 });
      await w.app.assignLicense(w.owner, { userId: bo, product: 'VIDEO_MEETING' });
      const boDelivery = () => listDeliveries(notifier.db, w.accountId, { status: 'PENDING' }).nodes;
      await eventually(() => expect(boDelivery()[0]).toMatchObject({ attempts: 1 }));
      boFails = false;

      const started = Date.now();
      let sentToBoAfterMs: number | null = null;
      while (sentToBoAfterMs === null && Date.now() - started < 4000) {
        await w.app.assignLicense(w.owner, { userId: ann, product: 'VIDEO_MEETING' });
        await w.app.revokeLicense(w.owner, { userId: ann, product: 'VIDEO_MEETING' });
        if (outbox.sent.some((m) => m.to === 'bo@acme.example')) sentToBoAfterMs = Date.now() - started;
        await sleep(10);
      }
      // Ann's mails were still piling up when Bo's retry went out: within the table's once-a-second look, not after.
      expect(sentToBoAfterMs).not.toBeNull();
      expect(sentToBoAfterMs).toBeLessThan(3000);
    } finally {
      await w.close();
    }
  });

  it("sends different people's mails side by side, and one person's one after the other, in the log's order", async () => {
    const w = await world();
    try {
      const users = [];
      for (const name of ['Ann', 'Bo', 'Cy']) users.push(await w.newUser(name, `${name.toLowerCase()}@acme.example`));
      const ann = users[0] as string;
      // All due at once when the notifier starts: one run. Ann's three mails, then one each for Bo and Cy.
      await w.app.assignLicense(w.owner, { userId: ann, product: 'VIDEO_MEETING' });
      await w.app.assignLicense(w.owner, { userId: ann, product: 'WEBINAR' });
      await w.app.revokeLicense(w.owner, { userId: ann, product: 'VIDEO_MEETING' });
      for (const userId of users.slice(1)) await w.app.assignLicense(w.owner, { userId, product: 'VIDEO_MEETING' });

      // Each send waits until three are in flight (or 2 s): one mail at a time would never see more than one.
      const order: string[] = [];
      let inFlight = 0;
      let most = 0;
      let threeInFlight = () => {};
      const three = new Promise<void>((resolve) => {
        threeInFlight = resolve;
      });
      const transport: MailTransport = {
        kind: 'outbox',
        async send(mail) {
          inFlight++;
          most = Math.max(most, inFlight);
          if (inFlight === 3) threeInFlight();
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([three, new Promise((resolve) => (timer = setTimeout(resolve, 2_000)))]);
          clearTimeout(timer);
          order.push(`${mail.to} ${mail.subject}`);
          inFlight--;
          return { messageId: mail.messageId };
        },
        close() {},
      };
      const notifier = await w.startNotifier(transport);
      await eventually(() => expect(order).toHaveLength(5));
      await notifier.idle();

      expect(most).toBe(3);
      const annsMails = order.filter((mail) => mail.startsWith('ann@'));
      expect(annsMails).toEqual([
        expect.stringMatching(/Video Meeting/),
        expect.stringMatching(/Webinar/),
        expect.stringMatching(/Video Meeting.*revoked|revoked.*Video Meeting/i),
      ]);
    } finally {
      await w.close();
    }
  });

  it('stopped in the middle of a run, records what it sent and sends the rest once after a restart', async () => {
    const w = await world();
    try {
      // Three mails to one person go one after the other: a stop during the second leaves the third.
      const ann = await w.newUser('Ann', 'ann@acme.example');
      await w.app.assignLicense(w.owner, { userId: ann, product: 'VIDEO_MEETING' });
      await w.app.assignLicense(w.owner, { userId: ann, product: 'WEBINAR' });
      await w.app.revokeLicense(w.owner, { userId: ann, product: 'WEBINAR' });
      let stopped: Promise<void> | undefined;
      // The second send asks the notifier to stop: it finishes that mail, records both, and leaves the third.
      const first = keepingOutbox(
        () => false,
        (count) => {
          if (count === 2) stopped = w.notifier?.stop();
        },
      );
      await w.startNotifier(first.transport);
      await eventually(() => expect(stopped).toBeDefined());
      await stopped;
      expect(first.sent).toHaveLength(2);
      const db = new Database(path.join(w.dir, 'notifications.db'), { readonly: true });
      const statuses = db.prepare('SELECT status, attempts FROM deliveries ORDER BY position').all();
      db.close();
      expect(statuses).toEqual([
        { status: 'SENT', attempts: 1 },
        { status: 'SENT', attempts: 1 },
        { status: 'PENDING', attempts: 0 },
      ]);

      const second = keepingOutbox(() => false);
      const again = await w.startNotifier(second.transport);
      await eventually(() => expect(second.sent).toHaveLength(1));
      await again.idle();
      await sleep(100);
      expect(second.sent).toHaveLength(1);
      expect(new Set([...first.sent, ...second.sent].map((m) => m.messageId)).size).toBe(3);
    } finally {
      await w.close();
    }
  });
});

describe('deactivating a user', () => {
  it('revokes each licence they hold, with the reason, and they get the revocation mails', async () => {
    const w = await world();
    const smtp = await startSmtpServer();
    const reactor = createDeactivationReactor({
      store: w.store,
      consumer: w.consumer,
      app: w.app,
      dataDir: w.dir,
      logger: w.logger,
    });
    try {
      const ann = await w.newUser('Ann', 'ann@acme.example');
      const bo = await w.newUser('Bo', 'bo@acme.example');
      await w.startNotifier(smtpTransport(smtp.url));
      await reactor.start();
      await w.app.assignLicense(w.owner, { userId: ann, product: 'VIDEO_MEETING' });
      await w.app.assignLicense(w.owner, { userId: ann, product: 'WEBINAR' });
      await w.app.assignLicense(w.owner, { userId: bo, product: 'WEBINAR' });
      await smtp.waitForMails(3);

      // when Ann is deactivated
      await w.app.deactivateUser(w.owner, { userId: ann });

      // then both her licences are revoked by the system, caused by the deactivation, on behalf of the owner;
      // and Bo keeps his
      const revoked = await eventually(async () => {
        const events = [...(await w.events('VIDEO_MEETING')), ...(await w.events('WEBINAR'))].filter(
          (e) => e.type === 'LicenseRevoked',
        );
        expect(events).toHaveLength(2);
        return events;
      });
      let deactivated: RecordedEvent | undefined;
      for await (const e of w.store.readStream(userStream(ann))) if (e.type === 'UserDeactivated') deactivated = e;
      expect(deactivated).toBeDefined();
      for (const e of revoked) {
        expect(e.data).toMatchObject({ userId: ann, reason: 'user deactivated' });
        expect(e.metadata).toMatchObject({
          actorId: 'system',
          onBehalfOf: w.owner.actor.userId,
          causationId: deactivated?.id,
          accountId: w.owner.actor.accountId,
        });
      }
      const mails = (await smtp.waitForMails(5)).slice(3).map((m) => parseMail(m.raw));
      expect(mails.map((m) => m.header('subject')).sort()).toEqual([
        'Your Video Meeting licence was revoked',
        'Your Webinar licence was revoked',
      ]);
      for (const m of mails) expect(m.text).toContain('Reason: user deactivated');

      // and reading the log again (a restart without a checkpoint) revokes nothing twice
      await reactor.stop();
      const db = new Database(path.join(w.dir, 'notifications.db'));
      db.prepare(`DELETE FROM checkpoint WHERE name = 'deactivation'`).run();
      db.close();
      const again = createDeactivationReactor({
        store: w.store,
        consumer: w.consumer,
        app: w.app,
        dataDir: w.dir,
        logger: w.logger,
      });
      await again.start();
      await again.stop();
      const allRevoked = [...(await w.events('VIDEO_MEETING')), ...(await w.events('WEBINAR'))].filter(
        (e) => e.type === 'LicenseRevoked',
      );
      expect(allRevoked).toHaveLength(2);
    } finally {
      await reactor.stop();
      await w.close();
      await smtp.stop();
    }
  });
});
