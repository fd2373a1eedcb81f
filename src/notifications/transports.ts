// Mail transports: SMTP through nodemailer when SMTP_URL is set, otherwise an `.eml` file per mail in
// `<data dir>/outbox/` (built by mime.ts), so a person trying the embedded default can open what would have been sent.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { makePrivateDir, PRIVATE_FILE_MODE } from '../private-files';
import { buildMimeMessage } from './mime';

/** The part of a pino logger we use; pino itself fits. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface OutgoingMail {
  /** `<…@…>`: a re-send of the same notification carries the same id. */
  readonly messageId: string;
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export interface SentMail {
  readonly messageId: string;
  /** Where an outbox mail was written; absent for SMTP. */
  readonly file?: string;
}

export interface MailTransport {
  readonly kind: 'smtp' | 'outbox';
  /** Resolves once the mail is handed over (SMTP accepted it, or its file is durably in place); throws otherwise. */
  send(mail: OutgoingMail): Promise<SentMail>;
  close(): void;
}

// nodemailer waits two minutes for a silent server by default; one stuck send would hold up every other mail.
const SMTP_TIMEOUTS = { connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000 };

export function smtpTransport(smtpUrl: string): MailTransport {
  const transporter = nodemailer.createTransport({ url: smtpUrl, ...SMTP_TIMEOUTS } as never);
  return {
    kind: 'smtp',
    async send(mail) {
      const info = await transporter.sendMail({ ...mail });
      return { messageId: info.messageId ?? mail.messageId };
    },
    close: () => transporter.close(),
  };
}

/** A file name from a Message-ID: the same notification sent again overwrites its own file, never adds one. */
const outboxFileName = (messageId: string) => `${messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9._-]/g, '_')}.eml`;

export function outboxTransport(outboxDir: string, logger: Logger): MailTransport {
  return {
    kind: 'outbox',
    async send(mail) {
      const message = buildMimeMessage(mail);
      const file = path.join(outboxDir, outboxFileName(mail.messageId));
      try {
        await writeFileAtomically(file, message);
      } catch (error) {
        // The outbox is made by the first mail (or again after someone removed it), not checked for by every mail.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        // Mails carry activation links: the outbox is as private as the data dir.
        makePrivateDir(outboxDir);
        await writeFileAtomically(file, message);
      }
      logger.info({ file, messageId: mail.messageId, to: mail.to }, 'mail written to the outbox');
      return { messageId: mail.messageId, file };
    },
    close: () => undefined,
  };
}

/** SMTP with a URL, the outbox under the data dir without one (api.md's SMTP_URL). */
export function createMailTransport(options: { smtpUrl?: string; dataDir: string; logger: Logger }): MailTransport {
  if (options.smtpUrl) return smtpTransport(options.smtpUrl);
  return outboxTransport(path.join(options.dataDir, 'outbox'), options.logger);
}

// A reader of the outbox never sees half a mail: write a temporary file, flush it to disk, then rename. What can wait
// for the disk (creating the file, a new inode: a quarter of a millisecond here and up to 8 ms under load; the flush;
// the rename) goes to libuv's pool; what only touches the page cache (chmod, write, close: microseconds) runs on the
// loop. Three hand-offs to the pool per mail instead of six: on a busy machine each one costs a context switch.
// Temporary names: random per process, then counted ('wx' refuses a name taken all the same).
const TMP_PREFIX = randomBytes(6).toString('hex');
let tmpFiles = 0;

async function writeFileAtomically(file: string, content: Buffer): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${TMP_PREFIX}${(tmpFiles++).toString(36)}.tmp`);
  const fd = await openFile(tmp, 'wx', PRIVATE_FILE_MODE);
  try {
    fs.fchmodSync(fd, PRIVATE_FILE_MODE);
    for (let written = 0; written < content.length; ) {
      written += fs.writeSync(fd, content, written, content.length - written);
    }
    await fsync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    await rename(tmp, file);
  } catch (error) {
    await fs.promises.rm(tmp, { force: true });
    throw error;
  }
}

const openFile = promisify(fs.open);
const fsync = promisify(fs.fsync);
const rename = promisify(fs.rename);
