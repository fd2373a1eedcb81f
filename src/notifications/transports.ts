// Mail transports: SMTP through nodemailer when SMTP_URL is set, otherwise an `.eml` file per mail in
// `<data dir>/outbox/` (built by mime.ts, written by a thread of its own), so a person trying the embedded default can
// open what would have been sent.
import path from 'node:path';
import nodemailer from 'nodemailer';
import { OutboxThread } from './outbox-thread';

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
  /** After the mails on their way are handed over. */
  close(): void | Promise<void>;
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

/** The outbox: each mail built and written by a thread of its own (outbox-thread.ts). */
export function outboxTransport(outboxDir: string, logger: Logger): MailTransport {
  const thread = new OutboxThread(outboxDir);
  return {
    kind: 'outbox',
    async send(mail) {
      const file = await thread.write(mail);
      logger.info({ file, messageId: mail.messageId, to: mail.to }, 'mail written to the outbox');
      return { messageId: mail.messageId, file };
    },
    close: () => thread.close(),
  };
}

/** SMTP with a URL, the outbox under the data dir without one (api.md's SMTP_URL). */
export function createMailTransport(options: { smtpUrl?: string; dataDir: string; logger: Logger }): MailTransport {
  if (options.smtpUrl) return smtpTransport(options.smtpUrl);
  return outboxTransport(path.join(options.dataDir, 'outbox'), options.logger);
}
