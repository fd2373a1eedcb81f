// Test support for mail: a real SMTP server (smtp-server) in the test process, a small MIME reader for what it
// receives and for outbox files, and a logger that keeps every line so tests can search it for secrets.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  readonly raw: string;
  readonly from: string;
  readonly to: readonly string[];
}

export interface TestSmtpServer {
  readonly url: string;
  readonly port: number;
  readonly received: ReceivedMail[];
  /** Stops listening: connections are refused until `start` again (on the same port). */
  stop(): Promise<void>;
  start(): Promise<void>;
  waitForMails(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
}

export async function startSmtpServer(port = 0): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  let server: SMTPServer | null = null;
  let boundPort = port;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = new SMTPServer({
        authOptional: true,
        // The client would try STARTTLS against the server's self-signed certificate; plain text is enough here.
        disabledCommands: ['STARTTLS', 'AUTH'],
        logger: false,
        onData(stream, session, callback) {
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            received.push({
              raw: Buffer.concat(chunks).toString('utf8'),
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
            });
            callback();
          });
        },
      });
      s.on('error', () => {});
      s.server.once('error', reject);
      s.listen(boundPort, '127.0.0.1', () => {
        boundPort = (s.server.address() as AddressInfo).port;
        server = s;
        resolve();
      });
    });

  await listen();
  return {
    get url() {
      return `smtp://127.0.0.1:${boundPort}`;
    },
    get port() {
      return boundPort;
    },
    received,
    stop: () =>
      new Promise<void>((resolve) => {
        const s = server;
        server = null;
        if (!s) return resolve();
        s.close(() => resolve());
      }),
    start: listen,
    async waitForMails(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} mails, received ${received.length}`);
        await sleep(20);
      }
      return received.slice(0, count);
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function eventually<T>(probe: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(20);
    }
  }
}

export interface ParsedMail {
  header(name: string): string | undefined;
  readonly text: string;
  readonly html: string;
}

const decodeQuotedPrintable = (body: string): Buffer => {
  const soft = body.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const c = soft[i] as string;
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(bytes);
};

const decodeWords = (value: string) =>
  value.replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=\s*/g, (_m, _charset, enc: string, text: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : decodeQuotedPrintable(text.replace(/_/g, ' ')).toString('utf8'),
  );

function splitEntity(raw: string): { headers: Map<string, string>; body: string } {
  const match = /\r?\n\r?\n/.exec(raw);
  const head = match ? raw.slice(0, match.index) : raw;
  const body = match ? raw.slice(match.index + match[0].length) : '';
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), decodeWords(line.slice(colon + 1).trim()));
  }
  return { headers, body };
}

function decodeBody(headers: Map<string, string>, body: string): string {
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body).toString('utf8');
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return body;
}

/** Enough of MIME for our own mails: one entity or a multipart/alternative of text and HTML. */
export function parseMail(raw: string): ParsedMail {
  const { headers, body } = splitEntity(raw);
  const parts: { type: string; content: string }[] = [];
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (boundary) {
    for (const chunk of body.split(`--${boundary}`).slice(1)) {
      if (chunk.startsWith('--')) break;
      // The line break before a boundary belongs to the boundary, not to the part.
      const part = splitEntity(chunk.replace(/^\r?\n/, '').replace(/\r?\n$/, ''));
      parts.push({
        type: part.headers.get('content-type') ?? 'text/plain',
        content: decodeBody(part.headers, part.body),
      });
    }
  } else {
    parts.push({ type, content: decodeBody(headers, body) });
  }
  return {
    header: (name) => headers.get(name.toLowerCase()),
    text: parts.find((p) => p.type.startsWith('text/plain'))?.content ?? '',
    html: parts.find((p) => p.type.startsWith('text/html'))?.content ?? '',
  };
}

export interface CapturedLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  readonly lines: string[];
  /** Every line as it would be serialised, for searching. */
  text(): string;
}

export function captureLogger(): CapturedLogger {
  const lines: string[] = [];
  const log = (level: string) => (obj: object, msg?: string) => {
    lines.push(JSON.stringify({ level, ...serialisable(obj), msg }));
  };
  return { info: log('info'), warn: log('warn'), error: log('error'), lines, text: () => lines.join('\n') };
}

// Errors keep their message and stack out of JSON.stringify; a real logger's serializer prints them, so do we.
function serialisable(obj: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    out[key] = value instanceof Error ? { ...value, message: value.message, stack: value.stack } : value;
  }
  return out;
}

export interface StandInSync {
  /** One `<shell pid> <path>` per call, in order. */
  calls(): string[];
  /** What the calls exit with from now on. */
  exitWith(code: number): void;
}

/**
 * A coreutils `sync` stand-in first on PATH (in `process.env`, which FilesystemSync and the worker threads pass on):
 * a failing syncfs cannot be provoked on a healthy disk. It records each call, waits `seconds`, and exits 0 unless
 * told otherwise. Restore `process.env.PATH` after the test.
 */
export function standInSync(binDir: string, seconds: number): StandInSync {
  fs.mkdirSync(binDir, { recursive: true });
  const calls = path.join(binDir, 'calls');
  const exitCode = path.join(binDir, 'exit-code');
  fs.writeFileSync(exitCode, '0');
  fs.writeFileSync(
    path.join(binDir, 'sync'),
    `#!/bin/sh\necho "$PPID $2" >> '${calls}'\nsleep ${seconds}\nexit $(cat '${exitCode}')\n`,
    { mode: 0o755 },
  );
  process.env.PATH = `${binDir}:${process.env.PATH}`;
  return {
    calls: () => (fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8').trim().split('\n') : []),
    exitWith: (code) => fs.writeFileSync(exitCode, String(code)),
  };
}
