// The thread that writes the outbox (outbox-thread.ts posts it the mails): each mail's `.eml` built by mime.ts,
// written whole, flushed to disk with the rest of its batch, and renamed into place. Here rather than on the event
// loop: under bench:api's assign/revoke load, building and writing the mails took an eighth of the main thread's time
// per request, most of it in handing each file step to libuv's pool and back.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parentPort, workerData } from 'node:worker_threads';
import { makePrivateDir, PRIVATE_FILE_MODE } from '../private-files';
import { FilesystemSync } from './filesystem-sync';
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

// A reader of the outbox never sees half a mail, nor one that is not yet on disk: each is written to a temporary file,
// and once the batch's files are flushed together (one flush of the filesystem, not one per file) they are renamed
// into place. Should that flush fail, each file is flushed on its own, and those that still fail are answered as
// failed and removed (their delivery retries and writes the same mail again).
function writeTemporary(dir: string, mail: MimeMail): { tmp: string; file: string } {
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
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw error;
  }
  fs.closeSync(fd);
  return { tmp, file };
}

async function flushAlone(file: string): Promise<void> {
  const fd = fs.openSync(file, 'r');
  try {
    await fsync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

const failed = (id: number, error: unknown) => {
  const { message, code } = error as NodeJS.ErrnoException;
  return { id, ok: false as const, message: String(message ?? error), ...(code ? { code } : {}) };
};

if (parentPort) {
  const port = parentPort;
  const { dir } = workerData as OutboxSetup;
  // Flushes the filesystem the outbox is on (asked once the batch's files are in it, so the outbox exists).
  const filesystem = new FilesystemSync(dir);
  port.on('message', async (request: OutboxRequest) => {
    type Written = { id: number; tmp: string; file: string };
    const steps: (Written | OutboxAnswer[number])[] = request.map(({ id, mail }) => {
      try {
        return { id, ...writeTemporary(dir, mail) };
      } catch (error) {
        return failed(id, error);
      }
    });
    // Nothing written, nothing to flush. A failed flush leaves each file to be flushed on its own.
    const flushed =
      !steps.some((step) => 'tmp' in step) ||
      (await filesystem.flush().then(
        () => true,
        () => false,
      ));
    const answers = await Promise.all(
      steps.map(async (step) => {
        if (!('tmp' in step)) return step;
        try {
          if (!flushed) await flushAlone(step.tmp);
          fs.renameSync(step.tmp, step.file);
          return { id: step.id, ok: true as const, file: step.file };
        } catch (error) {
          fs.rmSync(step.tmp, { force: true });
          return failed(step.id, error);
        }
      }),
    );
    port.postMessage(answers satisfies OutboxAnswer);
  });
}
