// The outbox written by a thread of its own (outbox-worker.ts): the mails asked for in one turn of the event loop go
// over in one message, and come back answered in one. The thread starts at the first mail, keeps the process alive
// only while a mail is on its way, and one that dies fails its mails; the next mail starts another.
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../worker-module';
import type { MimeMail } from './mime';
import type { OutboxAnswer, OutboxRequest, OutboxSetup } from './outbox-worker';

interface Waiting {
  resolve(file: string): void;
  reject(error: Error): void;
}

export class OutboxThread {
  private worker: Worker | null = null;
  private readonly waiting = new Map<number, Waiting>();
  private queued: { id: number; mail: MimeMail }[] = [];
  private ids = 0;
  private drained: (() => void) | null = null;

  constructor(private readonly dir: string) {}

  /** Resolves with the mail's file once it is durably in place; rejects with the cause (and its `code`) otherwise. */
  write(mail: MimeMail): Promise<string> {
    const id = this.ids++;
    if (this.queued.length === 0) setImmediate(() => this.post());
    this.queued.push({ id, mail });
    return new Promise((resolve, reject) => this.waiting.set(id, { resolve, reject }));
  }

  /** Ends the thread once the mails on their way are in place. */
  async close(): Promise<void> {
    if (this.waiting.size > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  private post(): void {
    const request = this.queued;
    this.queued = [];
    if (request.length === 0) return;
    const worker = this.worker ?? this.start();
    worker.ref();
    try {
      worker.postMessage(request satisfies OutboxRequest);
    } catch (error) {
      // A mail that cannot be copied to the thread (DataCloneError) fails here, with the rest of its request.
      for (const { id } of request) this.settle(id)?.reject(error as Error);
    }
  }

  private start(): Worker {
    const worker = startWorker(path.join(__dirname, 'outbox-worker'), { dir: this.dir } satisfies OutboxSetup);
    worker.on('message', (answers: OutboxAnswer) => {
      for (const answer of answers) {
        const waiting = this.settle(answer.id);
        if (answer.ok) waiting?.resolve(answer.file);
        else waiting?.reject(Object.assign(new Error(answer.message), answer.code ? { code: answer.code } : {}));
      }
    });
    const lost = (error: Error) => {
      if (this.worker !== worker) return;
      this.worker = null;
      for (const id of [...this.waiting.keys()]) this.settle(id)?.reject(error);
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`the outbox thread stopped (exit ${code})`)));
    this.worker = worker;
    return worker;
  }

  private settle(id: number): Waiting | undefined {
    const waiting = this.waiting.get(id);
    this.waiting.delete(id);
    if (this.waiting.size === 0) {
      this.worker?.unref();
      this.drained?.();
      this.drained = null;
    }
    return waiting;
  }
}
