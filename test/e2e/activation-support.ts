// Support for the activation e2e tests: a real seatledger on a temp data dir whose PUBLIC_URL is its own address
// (so a link from a mail opens the real page), every pino line kept, a clock a test can move, and readers for the
// outbox and for secrets left anywhere in the data dir.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startSeatledger } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { type ParsedMail, parseMail } from '../notifications/support';
import { type Gql, graphqlClient } from '../support/seatledger';
import { makeTempDir } from '../support/temp-dir';

export interface ActivationServer {
  /** `http://127.0.0.1:<port>`, also the PUBLIC_URL links in mails start with. */
  readonly origin: string;
  readonly dataDir: string;
  readonly gql: Gql;
  /** Every log line the server wrote (pino at debug), as serialised. */
  readonly logLines: string[];
  /** Moves the server's clock (activation links are issued and redeemed on it). */
  advanceClock(ms: number): void;
  /** Stops the server; the data dir stays until `cleanup`. Safe to call twice. */
  stop(): Promise<void>;
  /** Stops the server and removes the data dir. */
  close(): Promise<void>;
}

/** A port nothing listens on right now (the OS gave it out and we released it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export async function startActivationServer(
  options: { env?: Record<string, string>; notifierRetry?: { attempts: number; baseDelayMs: number } } = {},
): Promise<ActivationServer> {
  const temp = makeTempDir('seatledger-activation-');
  const logLines: string[] = [];
  let offsetMs = 0;
  try {
    // The port is chosen before start so PUBLIC_URL can name it; a clash with another process is very unlikely.
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const config = loadConfig(
      {
        SEATLEDGER_DATA_DIR: temp.dir,
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: origin,
        LOG_LEVEL: 'debug',
        ...options.env,
      },
      temp.dir,
    );
    const logger = createLogger({ level: 'debug', destination: { write: (line: string) => logLines.push(line) } });
    const running = await startSeatledger({
      config,
      logger,
      notifierRetry: options.notifierRetry ?? { attempts: 1, baseDelayMs: 10 },
      clock: () => new Date(Date.now() + offsetMs),
    });
    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= running.close();
      return stopping;
    };
    return {
      origin,
      dataDir: temp.dir,
      gql: graphqlClient(running.url),
      logLines,
      advanceClock(ms) {
        offsetMs += ms;
      },
      stop,
      async close() {
        try {
          await stop();
        } finally {
          temp.cleanup();
        }
      },
    };
  } catch (error) {
    temp.cleanup();
    throw error;
  }
}

export interface OutboxMail {
  readonly file: string;
  readonly raw: string;
  readonly mail: ParsedMail;
}

/** The outbox mail addressed to `email` whose subject matches, waiting for the notifier to write it. */
export async function waitForOutboxMail(
  dataDir: string,
  email: string,
  subject: RegExp = /licence/,
  timeoutMs = 10_000,
): Promise<OutboxMail> {
  const outbox = path.join(dataDir, 'outbox');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // Only *.eml: a mail being written is a hidden temporary file until it is renamed into place.
    const names = fs.existsSync(outbox) ? fs.readdirSync(outbox).filter((n) => n.endsWith('.eml')) : [];
    for (const name of names) {
      const file = path.join(outbox, name);
      const raw = fs.readFileSync(file, 'utf8');
      const mail = parseMail(raw);
      if (
        mail.header('to')?.toLowerCase().includes(email.toLowerCase()) &&
        subject.test(mail.header('subject') ?? '')
      ) {
        return { file, raw, mail };
      }
    }
    if (Date.now() > deadline) throw new Error(`no mail to ${email} matching ${subject} in ${outbox}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The activation link of a licence mail's plain-text part; fails the test when there is none. */
export function activationLinkOf(mail: ParsedMail): string {
  const link = /(\S+\/activate\?token=\S+)/.exec(mail.text)?.[1];
  if (!link) throw new Error(`no activation link in:\n${mail.text}`);
  return link;
}

export const tokenOfLink = (link: string): string => {
  const token = new URL(link).searchParams.get('token');
  if (!token) throw new Error(`no token in ${link}`);
  return token;
};

/** Every file under `dir` (recursively), read as bytes: SQLite databases, WAL files, the outbox, secrets. */
export function filesUnder(dir: string): { file: string; bytes: Buffer }[] {
  const out: { file: string; bytes: Buffer }[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(file));
    else if (entry.isFile()) out.push({ file, bytes: fs.readFileSync(file) });
  }
  return out;
}

/**
 * Where any of `secrets` occurs, in any spelling a store or a log could use (as is, URL-encoded, UTF-16 as
 * SQLite may keep text, hex, base64): the list of `file: secret` hits, empty when none.
 */
export function secretsIn(sources: readonly { file: string; bytes: Buffer }[], secrets: readonly string[]): string[] {
  const spellings = secrets.flatMap((secret, index) =>
    [
      ['as is', Buffer.from(secret, 'utf8')],
      ['URL-encoded', Buffer.from(encodeURIComponent(secret), 'utf8')],
      ['UTF-16', Buffer.from(secret, 'utf16le')],
      ['hex', Buffer.from(Buffer.from(secret, 'utf8').toString('hex'), 'utf8')],
      ['base64', Buffer.from(Buffer.from(secret, 'utf8').toString('base64'), 'utf8')],
    ].map(([how, bytes]) => ({ what: `secret #${index} ${how}`, bytes: bytes as Buffer })),
  );
  const hits: string[] = [];
  for (const { file, bytes } of sources) {
    // The hit names the secret by its index: a failing test must not print the secret itself.
    for (const spelling of spellings) if (bytes.includes(spelling.bytes)) hits.push(`${file}: ${spelling.what}`);
  }
  return hits;
}
