// The thread that writes the outbox (outbox-thread.ts posts it the mails): each mail's `.eml` built by mime.ts and
// written whole, flushed to disk and renamed into place. Here rather than on the event loop: under bench:api's
// assign/revoke load, building and writing the mails took an eighth of the main thread's time per request, most of
// it in handing each file step to libuv's pool and back.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parentPort, workerData } from 'node:worker_threads';
import { makePrivateDir, PRIVATE_FILE_MODE } from '../private-files';
import { buildMimeMessage, type MimeMail } from './mime';

/** What the main thread hands over at start. */
export interface OutboxSetup {
  readonly dir: string;
}

/** Mails to write, each with the number its answer carries. */
export type OutboxRequest = readonly { readonly id: number; readonly mail: MimeMail }[];

/** One answer per mail of a request, all in one message once the last is in place (or failed). */
export type OutboxAnswer = readonly (
  | { readonly id: number; readonly ok: true; readonly file: string }
  | { readonly id: number; readonly ok: false; readonly message: string; readonly code?: string }
)[];

/** A file name from a Message-ID: the same notification sent again overwrites its own file, never adds one. */
const outboxFileName = (messageId: string) => `${messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9._-]/g, '_')}.eml`;

// Temporary names: random per thread, then counted ('wx' refuses a name taken all the same).
const TMP_PREFIX = randomBytes(6).toString('hex');
let tmpFiles = 0;

const fsync = promisify(fs.fsync);

/** Creates the temporary file; the outbox is made by the first mail (or again after someone removed it). */
function openTemporary(dir: string, tmp: string): number {
  try {
    return fs.openSync(tmp, 'wx', PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    // Mails carry activation links: the outbox is as private as the data dir.
    makePrivateDir(dir);
    return fs.openSync(tmp, 'wx', PRIVATE_FILE_MODE);
  }
}

// A reader of the outbox never sees half a mail: a temporary file, flushed to disk, then renamed. The flushes of a
// request's mails wait side by side in libuv's pool; the rest only touches the page cache.
async function writeMail(dir: string, mail: MimeMail): Promise<string> {
  const file = path.join(dir, outboxFileName(mail.messageId));
  const tmp = path.join(dir, `.${path.basename(file)}.${TMP_PREFIX}${(tmpFiles++).toString(36)}.tmp`);
  const content = buildMimeMessage(mail);
  const fd = openTemporary(dir, tmp);
  try {
    // The mode again: a umask may have taken bits from the one asked for at creation.
    fs.fchmodSync(fd, PRIVATE_FILE_MODE);
    for (let written = 0; written < content.length; ) {
      written += fs.writeSync(fd, content, written, content.length - written);
    }
    await fsync(fd);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
  return file;
}

if (parentPort) {
  const port = parentPort;
  const { dir } = workerData as OutboxSetup;
  port.on('message', async (request: OutboxRequest) => {
    const answers = await Promise.all(
      request.map(async ({ id, mail }) => {
        try {
          return { id, ok: true as const, file: await writeMail(dir, mail) };
        } catch (error) {
          const { message, code } = error as NodeJS.ErrnoException;
          return { id, ok: false as const, message: String(message ?? error), ...(code ? { code } : {}) };
        }
      }),
    );
    port.postMessage(answers satisfies OutboxAnswer);
  });
}
