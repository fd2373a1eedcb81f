// `seatledger history --account <id>`: an account's licence history read from the log itself, as a table, JSON or
// CSV, optionally for one user or product and as it stood at a past time, with the seats of each product then.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { seatsAsOf } from '../../projections/seat-availability/as-of';
import { ConfigError, loadConfig } from '../config';
import { assertNever } from '../domain/decider';
import { isDomainEvent } from '../domain/events';
import { isProduct, PRODUCTS, type Product } from '../domain/plans';
import { LICENSE_STREAM_PREFIXES, subscriptionStream } from '../domain/streams';
import { eventsFile, openEventStore } from '../eventstore/open';
import type { EventStore, RecordedEvent } from '../eventstore/port';
import type { CliCommand } from './main';
import type { CliIo } from './replay';
import { escapeControlCharacters } from './terminal-text';

const USAGE = `usage: seatledger history --account <id> [--user <id>] [--product <P>] [--as-of <time>] [--json | --csv] [--data-dir <dir>]

The licence history of an account, oldest first, read from the event log (never credentials).
  --account   the account id (required)
  --user      only events about this user
  --product   only events of this product: ${PRODUCTS.join(' or ')}
  --as-of     only events that occurred at or before this time (ISO-8601, e.g. 2024-05-01 or
              2024-05-01T12:00:00Z); the seats shown are those at that time
  --json      one JSON document instead of a table
  --csv       the events as CSV for spreadsheets (RFC 4180, UTF-8, a header row; no seats)
  --data-dir  the data dir (default: $SEATLEDGER_DATA_DIR or ./data)`;

interface HistoryOptions {
  readonly accountId: string;
  readonly userId?: string;
  readonly product?: Product;
  readonly asOf?: Date;
  readonly json: boolean;
  readonly csv?: boolean;
  readonly dataDir?: string;
}

class UsageError extends Error {}

function parseHistoryArgs(args: readonly string[]): HistoryOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        account: { type: 'string' },
        user: { type: 'string' },
        product: { type: 'string' },
        'as-of': { type: 'string' },
        json: { type: 'boolean' },
        csv: { type: 'boolean' },
        'data-dir': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const text = (name: string): string | undefined => {
    const value = values[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} needs a value`);
    return value.trim();
  };
  if (values.json === true && values.csv === true) {
    throw new UsageError('--json and --csv cannot be used together: choose one');
  }
  const accountId = text('account');
  if (accountId === undefined) throw new UsageError('--account is required');
  const product = text('product');
  if (product !== undefined && !isProduct(product)) {
    throw new UsageError(`--product must be one of ${PRODUCTS.join(', ')} (got ${JSON.stringify(product)})`);
  }
  const asOfText = text('as-of');
  let asOf: Date | undefined;
  if (asOfText !== undefined) {
    asOf = /^\d{4}-\d{2}-\d{2}/.test(asOfText) ? new Date(asOfText) : new Date(Number.NaN);
    if (Number.isNaN(asOf.getTime())) {
      throw new UsageError(`--as-of must be an ISO-8601 date or time, e.g. 2024-05-01T12:00:00Z (got ${asOfText})`);
    }
  }
  const userId = text('user');
  const dataDir = text('data-dir');
  return {
    accountId,
    json: values.json === true,
    csv: values.csv === true,
    ...(userId !== undefined ? { userId } : {}),
    ...(product !== undefined ? { product } : {}),
    ...(asOf !== undefined ? { asOf } : {}),
    ...(dataDir !== undefined ? { dataDir } : {}),
  };
}

interface HistoryEntry {
  readonly id: string;
  readonly position: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly actorId: string;
  readonly userId: string | null;
  readonly product: string | null;
  readonly data: Record<string, unknown>;
}

interface AccountHistory {
  readonly accountId: string;
  readonly asOf: string | null;
  readonly userId: string | null;
  readonly product: Product | null;
  readonly events: HistoryEntry[];
  readonly seats: { product: Product; purchased: number; assigned: number; available: number }[];
}

/** Null when the log holds no event of the account at all. */
async function accountHistory(store: EventStore, options: HistoryOptions): Promise<AccountHistory | null> {
  const limit = options.asOf?.getTime() ?? Number.POSITIVE_INFINITY;
  const events: HistoryEntry[] = [];
  const products = new Set<Product>();
  let known = false;
  for await (const event of store.readAll({ filter: { streamPrefixes: LICENSE_STREAM_PREFIXES } })) {
    if (event.metadata.accountId !== options.accountId) continue;
    known = true;
    if (Date.parse(event.metadata.occurredAt) > limit) continue;
    const product = typeof event.data.product === 'string' ? event.data.product : null;
    if (product !== null && isProduct(product)) products.add(product);
    const userId = typeof event.data.userId === 'string' ? event.data.userId : null;
    if (options.userId !== undefined && userId !== options.userId) continue;
    if (options.product !== undefined && product !== options.product) continue;
    events.push(toEntry(event, userId, product));
  }
  if (!known) return null;
  const asOf = options.asOf ?? new Date();
  const seats = [];
  for (const product of PRODUCTS) {
    if (!products.has(product) || (options.product !== undefined && options.product !== product)) continue;
    const counts = await seatsAsOf(store.readStream(subscriptionStream(options.accountId, product)), asOf);
    seats.push({ product, ...counts });
  }
  return {
    accountId: options.accountId,
    asOf: options.asOf?.toISOString() ?? null,
    userId: options.userId ?? null,
    product: options.product ?? null,
    events,
    seats,
  };
}

const toEntry = (event: RecordedEvent, userId: string | null, product: string | null): HistoryEntry => ({
  id: event.id,
  position: event.position,
  type: event.type,
  occurredAt: event.metadata.occurredAt,
  actorId: event.metadata.actorId,
  userId,
  product,
  data: event.data,
});

/** What happened, in a few words: the table's last column. */
function details(entry: HistoryEntry): string {
  // A type this code does not know (a newer writer's): its payload as it stands.
  if (!isDomainEvent(entry)) return JSON.stringify(entry.data);
  switch (entry.type) {
    case 'AccountOpened':
      return `${entry.data.name} (owner ${entry.data.ownerUserId})`;
    case 'UserCreated':
      return `${entry.data.name} <${entry.data.email}> as ${entry.data.role}`;
    case 'UserRoleChanged':
      return `${entry.data.previousRole} → ${entry.data.role}`;
    case 'UserDeactivated':
      return '';
    case 'LicensePurchased':
      return `+${entry.data.quantity} seats on ${entry.data.planId}`;
    case 'LicensesReleased':
      return `-${entry.data.quantity} seats`;
    case 'PlanUpgraded':
      return `${entry.data.fromPlanId} → ${entry.data.toPlanId}`;
    case 'LicenseAssigned':
      return `on ${entry.data.planId}`;
    case 'LicenseRevoked':
      return entry.data.reason ? `reason: ${entry.data.reason}` : '';
    case 'SeatReserved':
      return `held for invitation ${entry.data.invitationId} until ${entry.data.expiresAt}`;
    case 'SeatReservationConverted':
    case 'SeatReservationCancelled':
    case 'SeatReservationExpired':
    case 'UserInvited':
    case 'UserActivated':
    case 'InvitationAccepted':
    case 'InvitationCancelled':
    case 'InvitationExpired':
      return `invitation ${entry.data.invitationId}`;
    case 'InvitationSent':
      return `${entry.data.name} <${entry.data.email}> as ${entry.data.role}, ${entry.data.products.join(' ') || 'no seats'}, until ${entry.data.expiresAt}`;
    case 'InvitationResent':
      return `link ${entry.data.issue}`;
    case 'SeatAlertSet':
      return `${entry.data.kind} ${entry.data.threshold}`;
    case 'SeatAlertRemoved':
      return '';
    case 'SeatThresholdCrossed':
    case 'SeatThresholdCleared':
      return `${entry.data.kind} ${entry.data.threshold}: ${entry.data.available} of ${entry.data.purchased} available`;
    case 'WebhookEndpointCreated':
      return `webhook ${entry.data.endpointId} → ${entry.data.url}`;
    case 'WebhookEndpointUpdated':
      return `webhook ${entry.data.endpointId} → ${entry.data.url}${entry.data.enabled ? '' : ' (disabled)'}`;
    case 'WebhookEndpointDisabled':
      return `webhook ${entry.data.endpointId} disabled: ${entry.data.reason}`;
    case 'WebhookSecretRotated':
    case 'WebhookEndpointDeleted':
      return `webhook ${entry.data.endpointId}`;
    // Not of the licence streams history reads; named so a new event type must be placed here.
    case 'EmailReserved':
    case 'IdempotencyKeyClaimed':
    case 'IdempotencyKeyCompleted':
    case 'IdempotencyKeyReleased':
    case 'ActivationIssued':
    case 'PasswordSet':
    case 'InvitationTokenIssued':
    case 'EffectClaimed':
    case 'EffectTakenOver':
    case 'EffectDone':
    case 'SessionStarted':
    case 'SessionRefreshed':
    case 'SessionEnded':
    case 'WebhookSecretStored':
    case 'WebhookSecretErased':
      return '';
    default:
      return assertNever(entry);
  }
}

/** For a terminal: every cell escaped (names, e-mails and reasons come from the log as they were written). */
function formatTable(history: AccountHistory): string {
  const header = ['POSITION', 'OCCURRED AT', 'TYPE', 'ACTOR', 'USER', 'PRODUCT', 'DETAILS'];
  const rows = history.events.map((e) =>
    [e.position, e.occurredAt, e.type, e.actorId, e.userId ?? '', e.product ?? '', details(e)].map(
      escapeControlCharacters,
    ),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  const out = [
    escapeControlCharacters(
      `history of account ${history.accountId}${history.userId ? `, user ${history.userId}` : ''}` +
        `${history.product ? `, ${history.product}` : ''}${history.asOf ? `, as of ${history.asOf}` : ''}: ` +
        `${history.events.length} events`,
    ),
    '',
    line(header),
    ...rows.map(line),
    '',
    `seats ${history.asOf ? `as of ${history.asOf}` : 'now'}:`,
    ...(history.seats.length === 0
      ? ['  none']
      : history.seats.map(
          (s) => `  ${s.product}: ${s.purchased} purchased, ${s.assigned} assigned, ${s.available} available`,
        )),
  ];
  return `${out.join('\n')}\n`;
}

// A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): such a cell gets a leading
// single quote, which spreadsheets show as text. Tab and carriage return are on OWASP's list too.
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

function csvCell(value: string): string {
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180: a header row, CRLF after every record, fields with a comma, quote or line break quoted. */
function formatCsv(history: AccountHistory): string {
  const header = ['position', 'id', 'occurredAt', 'type', 'actorId', 'userId', 'product', 'details', 'data'];
  const records = history.events.map((e) => [
    e.position,
    e.id,
    e.occurredAt,
    e.type,
    e.actorId,
    e.userId ?? '',
    e.product ?? '',
    details(e),
    JSON.stringify(e.data),
  ]);
  return [header, ...records].map((cells) => `${cells.map(csvCell).join(',')}\r\n`).join('');
}

export async function runHistory(args: readonly string[], io: CliIo): Promise<number> {
  let options: HistoryOptions;
  let dataDir: string;
  let connectionString: string | null;
  try {
    options = parseHistoryArgs(args);
    const config = loadConfig(io.env, io.cwd);
    dataDir = options.dataDir ? path.resolve(io.cwd, options.dataDir) : config.dataDir;
    connectionString = config.eventStoreConnectionString;
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      io.stderr.write(`seatledger history: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
  if (!connectionString && !fs.existsSync(eventsFile(dataDir))) {
    io.stderr.write(`seatledger history: no event log at ${eventsFile(dataDir)} (see --data-dir)\n`);
    return 1;
  }
  const store = await openEventStore({ dataDir, eventStoreConnectionString: connectionString });
  try {
    const history = await accountHistory(store, options);
    if (history === null) {
      io.stderr.write(`seatledger history: no account ${escapeControlCharacters(options.accountId)} in the log\n`);
      return 1;
    }
    io.stdout.write(
      options.json ? `${JSON.stringify(history, null, 2)}\n` : options.csv ? formatCsv(history) : formatTable(history),
    );
    return 0;
  } finally {
    await store.close();
  }
}

export const historyCommand: CliCommand = {
  summary: "an account's licence history from the log, as a table, --json or --csv",
  run: (args) =>
    runHistory(args, { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }),
};
