// The `seatledger` command line: one entry, one file per command.
import { parseArgs } from 'node:util';

export interface CliCommand {
  readonly summary: string;
  /** Resolves to the process exit code. */
  run(args: string[]): Promise<number>;
}

const commands: Record<string, () => Promise<CliCommand>> = {
  // Each command is loaded on demand so `serve` does not pay for `replay` and vice versa.
  serve: async () => (await import('./serve')).serveCommand,
  export: async () => (await import('./export')).exportCommand,
  replay: async () => (await import('./replay')).replayCommand,
  history: async () => (await import('./history')).historyCommand,
  'import-users': async () => (await import('./import-users')).importUsersCommand,
  backup: async () => (await import('./backup')).backupCommand,
  restore: async () => (await import('./restore')).restoreCommand,
  migrate: async () => (await import('./migrate')).migrateCommand,
};

function usage(): string {
  const lines = Object.keys(commands).map((name) => `  seatledger ${name}`);
  return ['usage: seatledger <command> [options]', '', 'commands:', ...lines].join('\n');
}

export async function main(argv: string[]): Promise<void> {
  const { positionals } = parseArgs({ args: argv.slice(0, 1), allowPositionals: true, strict: false });
  const name = positionals[0];
  const load = name ? commands[name] : undefined;
  if (!load) {
    process.stderr.write(`${name ? `unknown command: ${name}\n\n` : ''}${usage()}\n`);
    process.exitCode = 2;
    return;
  }
  try {
    const command = await load();
    process.exitCode = await command.run(argv.slice(1));
  } catch (error) {
    process.stderr.write(`seatledger ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
