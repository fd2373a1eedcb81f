// Mail transports: SMTP to a real server in this process, and the `.eml` outbox of the embedded default.
import fs from 'node:fs';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { OutboxThread } from '../../src/notifications/outbox-thread';
import { createMailTransport, outboxTransport, smtpTransport } from '../../src/notifications/transports';
import { makeTempDir } from '../support/temp-dir';
import { captureLogger, parseMail, StandInSync, standInSync, startSmtpServer } from './support';

const mail = {
  messageId: '<e-1@seatledger>',
  from: 'seatledger <no-reply@seats.example>',
  to: 'ann@example.com',
  subject: 'You have a Webinar licence (Webinar 100)',
  text: 'Hello Ann,\nline two ünïcödé\n',
  html: '<p>Hello Ann,</p>',
};

describe('the outbox transport', () => {
  const temp = makeTempDir();
  afterAll(temp.cleanup);

  it('writes a parseable .eml into <data dir>/outbox and logs its path', async () => {
    const logger = captureLogger();
    const transport = createMailTransport({ dataDir: temp.dir, logger });
    expect(transport.kind).toBe('outbox');

    const sent = await transport.send(mail);

    expect(sent.file).toBe(path.join(temp.dir, 'outbox', 'e-1_seatledger.eml'));
    expect(fs.readdirSync(path.join(temp.dir, 'outbox'))).toEqual(['e-1_seatledger.eml']);
    const parsed = parseMail(fs.readFileSync(sent.file as string, 'utf8'));
    expect(parsed.header('message-id')).toBe('<e-1@seatledger>');
    expect(parsed.header('to')).toBe('ann@example.com');
    expect(parsed.header('subject')).toBe(mail.subject);
    expect(parsed.text.replace(/\r\n/g, '\n')).toBe(mail.text);
    expect(parsed.html).toBe(mail.html);
    expect(logger.text()).toContain(sent.file as string);
    transport.close();
  });

  it('overwrites the file of a re-sent mail instead of adding one', async () => {
    const dir = path.join(temp.dir, 'again');
    const transport = outboxTransport(dir, captureLogger());
    await transport.send(mail);
    await transport.send({ ...mail, text: 'second' });
    expect(fs.readdirSync(dir)).toEqual(['e-1_seatledger.eml']);
    expect(parseMail(fs.readFileSync(path.join(dir, 'e-1_seatledger.eml'), 'utf8')).text).toBe('second');
  });

  it("writes the mail 0600 even under a umask that takes the owner's write bit", async () => {
    const dir = path.join(temp.dir, 'umask');
    const transport = outboxTransport(dir, captureLogger());
    const before = process.umask(0o277);
    try {
      const sent = await transport.send(mail);
      expect(fs.statSync(sent.file as string).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(before);
    }
    // Nothing but the mail: no temporary file left behind.
    expect(fs.readdirSync(dir)).toEqual(['e-1_seatledger.eml']);
  });
  it('writes mails sent at once side by side, each whole, and leaves no temporary file', async () => {
    const dir = path.join(temp.dir, 'many');
    const transport = outboxTransport(dir, captureLogger());
    const ids = Array.from({ length: 40 }, (_, i) => `<m-${i}@seatledger>`);
    await Promise.all(ids.map((messageId, i) => transport.send({ ...mail, messageId, text: `mail ${i}` })));
    const files = fs.readdirSync(dir).sort();
    expect(files).toEqual(ids.map((id) => `${id.slice(1, -1).replace('@', '_')}.eml`).sort());
    expect(parseMail(fs.readFileSync(path.join(dir, 'm-7_seatledger.eml'), 'utf8')).text).toBe('mail 7');
    transport.close();
  });

  it('lets the mails on their way land before a close ends the thread', async () => {
    const dir = path.join(temp.dir, 'closing');
    const transport = outboxTransport(dir, captureLogger());
    const sends = Array.from({ length: 10 }, (_, i) => transport.send({ ...mail, messageId: `<c-${i}@seatledger>` }));
    await transport.close();
    expect(await Promise.all(sends)).toHaveLength(10);
    expect(fs.readdirSync(dir)).toHaveLength(10);
  });

  it('fails the mails of a thread that dies, and writes the next ones with a new thread', async () => {
    const dir = path.join(temp.dir, 'dying');
    const thread = new OutboxThread(dir);
    await thread.write(mail);
    // The thread's death, as a crash in it would be: the only way to bring one about from here is to end it.
    const sending = thread.write({ ...mail, messageId: '<lost@seatledger>' });
    await (thread as unknown as { worker: Worker }).worker.terminate();
    await expect(sending).rejects.toThrow(/outbox thread stopped/);
    expect(await thread.write({ ...mail, messageId: '<after@seatledger>' })).toBe(
      path.join(dir, 'after_seatledger.eml'),
    );
    await thread.close();
  });

  it('makes the outbox again when someone removed it', async () => {
    const dir = path.join(temp.dir, 'removed');
    const transport = outboxTransport(dir, captureLogger());
    await transport.send(mail);
    fs.rmSync(dir, { recursive: true });
    const sent = await transport.send(mail);
    expect(fs.readdirSync(dir)).toEqual(['e-1_seatledger.eml']);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(sent.file).toBe(path.join(dir, 'e-1_seatledger.eml'));
    transport.close();
  });

  describe('durability', () => {
    const originalPath = process.env.PATH;
    afterEach(() => {
      process.env.PATH = originalPath;
    });
    const send = async (name: string, stub: StandInSync) => {
      const dir = path.join(temp.dir, name);
      const thread = new OutboxThread(dir);
      const started = performance.now();
      const files = await Promise.all(
        ['<d-1@seatledger>', '<d-2@seatledger>', '<d-3@seatledger>'].map((messageId) =>
          thread.write({ ...mail, messageId }),
        ),
      );
      const ms = performance.now() - started;
      await thread.close();
      return { dir, files, ms, calls: stub.calls() };
    };

    it('answers the mails sent at once after one flush of their filesystem', async () => {
      const stub = standInSync(path.join(temp.dir, 'slow-sync'), 0.5);
      const { dir, files, ms, calls } = await send('flushed', stub);
      expect(files).toHaveLength(3);
      expect(ms).toBeGreaterThanOrEqual(450);
      expect(calls).toHaveLength(1);
      expect(calls[0]?.endsWith(` ${dir}`)).toBe(true);
    });

    it('flushes each mail on its own when the filesystem flush fails, and answers them written', async () => {
      const stub = standInSync(path.join(temp.dir, 'failing-sync'), 0);
      stub.exitWith(1);
      const { dir, files, calls } = await send('fallback', stub);
      expect(calls).toHaveLength(1);
      expect(files).toEqual(
        ['d-1_seatledger.eml', 'd-2_seatledger.eml', 'd-3_seatledger.eml'].map((f) => path.join(dir, f)),
      );
      expect(fs.readdirSync(dir).sort()).toEqual(['d-1_seatledger.eml', 'd-2_seatledger.eml', 'd-3_seatledger.eml']);
    });
  });

  it('rejects with the cause and its code when the outbox cannot be written, then writes once it can', async () => {
    // A file where the outbox's parent dir should be: no dir can be made there.
    const blocker = path.join(temp.dir, 'blocker');
    fs.writeFileSync(blocker, 'not a dir');
    const dir = path.join(blocker, 'outbox');
    const transport = outboxTransport(dir, captureLogger());
    await expect(transport.send(mail)).rejects.toMatchObject({
      code: 'ENOTDIR',
      message: expect.stringContaining(dir),
    });
    fs.rmSync(blocker);
    await transport.send(mail);
    expect(fs.readdirSync(dir)).toEqual(['e-1_seatledger.eml']);
    transport.close();
  });
});

describe('the SMTP transport', () => {
  it('hands the mail to the server with its Message-ID', async () => {
    const server = await startSmtpServer();
    const transport = createMailTransport({ smtpUrl: server.url, dataDir: '/nonexistent', logger: captureLogger() });
    try {
      expect(transport.kind).toBe('smtp');
      await transport.send(mail);
      const [received] = await server.waitForMails(1);
      expect(received?.to).toEqual(['ann@example.com']);
      expect(received?.from).toBe('no-reply@seats.example');
      const parsed = parseMail(received?.raw ?? '');
      expect(parsed.header('message-id')).toBe('<e-1@seatledger>');
      expect(parsed.text.replace(/\r\n/g, '\n')).toBe(mail.text);
    } finally {
      transport.close();
      await server.stop();
    }
  });

  it('rejects when no server listens', async () => {
    const server = await startSmtpServer();
    await server.stop();
    const transport = smtpTransport(server.url);
    await expect(transport.send(mail)).rejects.toThrow(/ECONNREFUSED|connect/i);
    transport.close();
  });
});
