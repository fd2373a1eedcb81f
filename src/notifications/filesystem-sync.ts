// Everything written to one filesystem made durable at once: syncfs(2), through coreutils' `sync -f`, run on request by
// one long-lived shell (Node has no binding for syncfs, and a process started per call would cost more than it saves).
// The outbox writes a batch of mails without an fsync each and then asks for one flush: under bench:api's
// assign/revoke load, an fsync per mail (a journal commit each, on libuv's pool) took about 15% of the server's
// throughput over 16 accounts (docs/processing.md).
import { type ChildProcess, spawn } from 'node:child_process';

/** Answers one line per line read: `ok`, or `failed` when `sync -f` failed (or is missing). */
const SYNC_LOOP = 'while read -r _; do if sync -f "$0" 2>/dev/null; then echo ok; else echo failed; fi; done';

export class FilesystemSyncFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilesystemSyncFailed';
  }
}

export class FilesystemSync {
  private child: ChildProcess | null = null;
  /** Answers awaited from the child, in the order asked. */
  private answers: ((failure: Error | null) => void)[] = [];
  private output = '';
  private inFlight: Promise<void> | null = null;
  private next: Promise<void> | null = null;

  /** `path`: any file or directory on the filesystem to flush; `env`: the shell's, where it finds `sync`. */
  constructor(
    private readonly path: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /**
   * Resolves once everything written before the call is on disk. Calls made while a flush runs share the one after
   * it (that one started after their writes); rejects with FilesystemSyncFailed when the flush failed.
   */
  flush(): Promise<void> {
    if (this.inFlight === null) {
      const flushing = this.run().finally(() => {
        this.inFlight = null;
      });
      this.inFlight = flushing;
      return flushing;
    }
    this.next ??= this.inFlight
      .catch(() => undefined)
      .then(() => {
        this.next = null;
        return this.flush();
      });
    return this.next;
  }

  /** Ends the shell (it also ends by itself once this process closes its end of the pipe). */
  close(): void {
    this.child?.kill();
    this.child = null;
  }

  private run(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = this.child ?? this.start();
      this.answers.push((failure) => (failure ? reject(failure) : resolve()));
      child.stdin?.write('\n');
    });
  }

  private start(): ChildProcess {
    const child = spawn('sh', ['-c', SYNC_LOOP, this.path], {
      env: this.env,
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      this.output += chunk;
      for (let end = this.output.indexOf('\n'); end >= 0; end = this.output.indexOf('\n')) {
        const line = this.output.slice(0, end);
        this.output = this.output.slice(end + 1);
        this.answers.shift()?.(line === 'ok' ? null : new FilesystemSyncFailed(`sync -f ${this.path} failed`));
      }
    });
    // A shell that cannot start or dies fails what it was asked; the next flush starts another.
    const lost = (error: Error) => {
      if (this.child === child) this.child = null;
      this.output = '';
      for (const answer of this.answers.splice(0)) answer(new FilesystemSyncFailed(error.message));
    };
    child.on('error', lost);
    child.on('exit', (code, signal) => lost(new Error(`the sync shell ended (${signal ?? code})`)));
    child.stdin?.on('error', () => undefined);
    this.child = child;
    return child;
  }
}
