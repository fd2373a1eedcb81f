// Runs a CLI command in-process with its output captured: what the CLI specs assert on.
import { Writable } from 'node:stream';
import type { CliIo } from '../../src/cli/replay';

export interface Captured {
  readonly io: CliIo;
  stdout(): string;
  stderr(): string;
}

export function capture(cwd: string): Captured {
  const chunks = { stdout: [] as string[], stderr: [] as string[] };
  const sink = (into: string[]) =>
    new Writable({
      write(chunk, _encoding, done) {
        into.push(String(chunk));
        done();
      },
    });
  return {
    io: { stdout: sink(chunks.stdout), stderr: sink(chunks.stderr), env: {}, cwd },
    stdout: () => chunks.stdout.join(''),
    stderr: () => chunks.stderr.join(''),
  };
}
