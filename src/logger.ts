// The process's pino logger. Secrets never reach a log line: authorization headers, passwords, tokens and
// secrets are redacted wherever they appear in a logged object.
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config';

export type { Logger } from 'pino';

const SECRET_KEYS = ['password', 'token', 'secret', 'authorization', 'cookie', 'passwordHash'];

// pino's redaction takes explicit paths (one `*` per segment), so cover the shapes we log: top level, one and two
// levels down (req.headers.authorization, variables.input.password).
const REDACT_PATHS = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

export function createLogger(options: { level: LogLevel; destination?: DestinationStream; name?: string }): Logger {
  return pino(
    {
      name: options.name ?? 'seatledger',
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    options.destination,
  );
}
