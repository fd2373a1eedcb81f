// `seatledger import-users users.csv --url <graphql url> --token <token>`: an API client of a running server (here or
// remote), never its data dir. Rows (`email,name,role`) go in batches of up to 1,000 through createUsers (BEST_EFFORT),
// and with --assign the created users through assignLicenses. Every refused row is printed with its line and reason;
// any refusal exits 1. The token is only ever sent, never printed.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { parseCsv } from './csv';
import type { CliCommand } from './main';
import type { CliIo } from './replay';
import { escapeControlCharacters } from './terminal-text';

const USAGE = `usage: seatledger import-users <file.csv> --url <graphql url> --token <token> [--assign <PRODUCT>] [--dry-run]

Creates the users of an RFC 4180 CSV file (UTF-8, header email,name,role; role MEMBER when empty) through the API
of a running server, in batches of up to 1,000, each row on its own (a refused row does not stop the others).
  --url       the GraphQL endpoint, e.g. https://seats.example.com/graphql (or $SEATLEDGER_URL)
  --token     an OWNER's or ADMIN's access token (or $SEATLEDGER_TOKEN)
  --assign    also assign a licence of this product (VIDEO_MEETING, WEBINAR) to each user created
  --dry-run   check everything and write nothing
Each refused row is printed with its line and reason; exits 1 if any row was refused.`;

const BATCH = 1000;
const ROLES = ['MEMBER', 'ADMIN', 'OWNER'] as const;
const PRODUCT = /^[A-Z_]+$/;

interface Row {
  readonly line: number;
  readonly email: string;
  readonly name: string;
  readonly role: string;
}

interface Refusal {
  readonly line: number;
  readonly reason: string;
}

/** A GraphQL answer the import cannot go on from (refused token, server down): stops the run. */
class ImportStopped extends Error {}

type Post = (query: string, variables: Record<string, unknown>) => Promise<GraphQLAnswer>;

interface GraphQLAnswer {
  // biome-ignore lint/suspicious/noExplicitAny: the shape is the query's own, read field by field below
  readonly data?: any;
  readonly errors?: readonly {
    readonly message: string;
    readonly extensions?: {
      readonly code?: string;
      readonly fields?: readonly { readonly field: string; readonly rules: readonly { readonly message: string }[] }[];
    };
  }[];
}

const CREATE_USERS = `mutation ImportUsers($input: CreateUsersInput!) {
  createUsers(input: $input) { created { id email } refused { index code message } }
}`;
const ASSIGN_LICENSES = `mutation ImportLicenses($input: BulkLicenseInput!) {
  assignLicenses(input: $input) { applied { id } refused { index code message } seatsAfter { available } }
}`;
const SEATS = 'query ImportSeats($product: Product!) { seatAvailability(product: $product) { available } }';

export async function runImportUsers(args: string[], io: CliIo): Promise<number> {
  let values: { url?: string; token?: string; assign?: string; 'dry-run'?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        token: { type: 'string' },
        assign: { type: 'string' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    io.stderr.write(`seatledger import-users: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const url = values.url ?? io.env.SEATLEDGER_URL;
  const token = values.token ?? io.env.SEATLEDGER_TOKEN;
  const [file] = positionals;
  const missing = [!file && 'a CSV file', !url && '--url', !token && '--token'].filter(Boolean);
  if (missing.length > 0 || !file || !url || !token) {
    io.stderr.write(`seatledger import-users: missing ${missing.join(', ')}\n${USAGE}\n`);
    return 2;
  }
  if (values.assign !== undefined && !PRODUCT.test(values.assign)) {
    io.stderr.write(`seatledger import-users: --assign takes a product such as VIDEO_MEETING\n`);
    return 2;
  }
  const dryRun = values['dry-run'] ?? false;
  const post = client(url, token);

  const { rows, refused } = readRows(fs.readFileSync(path.resolve(io.cwd, file), 'utf8'));
  const progress = progressBar(io, rows.length * (values.assign ? 2 : 1));
  let created = 0;
  let assigned = 0;
  try {
    for (let start = 0; start < rows.length; start += BATCH) {
      const batch = rows.slice(start, start + BATCH);
      const users = await createUsers(post, batch, dryRun, refused);
      created += users.length;
      progress.add(batch.length);
      if (values.assign) {
        assigned += await assignLicenses(post, values.assign, users, dryRun, refused);
        progress.add(batch.length);
      }
    }
  } catch (error) {
    progress.stop();
    if (!(error instanceof ImportStopped)) throw error;
    io.stderr.write(`seatledger import-users: ${escapeControlCharacters(error.message)}\n`);
    printRefusals(io, refused);
    return 1;
  }
  progress.stop();
  printRefusals(io, refused);
  const verb = dryRun ? 'would create' : 'created';
  const licences = values.assign
    ? `, ${dryRun ? 'would assign' : 'assigned'} ${assigned} ${values.assign} licences`
    : '';
  io.stdout.write(
    `${verb} ${created} users${licences}; ${refused.length} rows refused${dryRun ? ' (dry run: nothing written)' : ''}\n`,
  );
  return refused.length > 0 ? 1 : 0;
}

/** The rows of the file: malformed ones (format, header, field count, role) refused with their line. */
function readRows(text: string): { rows: Row[]; refused: Refusal[] } {
  const { records, problems } = parseCsv(text);
  const refused: Refusal[] = problems.map(({ line, message }) => ({ line, reason: `malformed: ${message}` }));
  const [header, ...body] = records;
  const columns = header?.fields.map((f) => f.trim().toLowerCase()) ?? [];
  if (columns.join(',') !== 'email,name,role' && columns.join(',') !== 'email,name') {
    throw new Error(`the first line must be the header email,name,role (found: ${columns.join(',') || 'nothing'})`);
  }
  const rows: Row[] = [];
  for (const { line, fields } of body) {
    if (fields.length !== columns.length) {
      refused.push({ line, reason: `malformed: expected ${columns.length} fields, found ${fields.length}` });
      continue;
    }
    const [email = '', name = '', rawRole = ''] = fields;
    const role = rawRole.trim().toUpperCase() || 'MEMBER';
    if (!(ROLES as readonly string[]).includes(role)) {
      refused.push({ line, reason: `malformed: role must be one of ${ROLES.join(', ')}` });
      continue;
    }
    rows.push({ line, email: email.trim(), name: name.trim(), role });
  }
  return { rows, refused };
}

/** Creates one batch; the server refuses each bad row on its own (by index), so one call per batch. */
async function createUsers(
  post: Post,
  batch: readonly Row[],
  dryRun: boolean,
  refused: Refusal[],
): Promise<{ id: string; line: number }[]> {
  const users = batch.map(({ email, name, role }) => ({ email, name, role }));
  const answer = await post(CREATE_USERS, { input: { users, mode: 'BEST_EFFORT', dryRun } });
  if (answer.errors?.[0]) throw new ImportStopped(describe(answer.errors[0]));
  const result = answer.data.createUsers as { created: { id: string }[]; refused: ItemRefusal[] };
  const refusedIndexes = new Set(result.refused.map((r) => r.index));
  for (const r of result.refused) refused.push({ line: batch[r.index]?.line ?? 0, reason: `${r.code}: ${r.message}` });
  // Created in the order given: the rows left once the refused are taken out.
  const kept = batch.filter((_, index) => !refusedIndexes.has(index));
  return result.created.map((user, i) => ({ id: user.id, line: kept[i]?.line ?? 0 }));
}

/** Assigns the batch's new users; in a dry run they do not exist, so it is told from the seats free now. */
async function assignLicenses(
  post: Post,
  product: string,
  users: readonly { id: string; line: number }[],
  dryRun: boolean,
  refused: Refusal[],
): Promise<number> {
  if (users.length === 0) return 0;
  if (dryRun) {
    const answer = await post(SEATS, { product });
    if (answer.errors?.[0]) throw new ImportStopped(describe(answer.errors[0]));
    const available = Math.max(0, answer.data.seatAvailability.available as number);
    for (const user of users.slice(available)) {
      refused.push({ line: user.line, reason: `NO_SEATS_AVAILABLE: only ${available} ${product} seats are free` });
    }
    return Math.min(available, users.length);
  }
  const answer = await post(ASSIGN_LICENSES, {
    input: { userIds: users.map((u) => u.id), product, mode: 'BEST_EFFORT' },
  });
  if (answer.errors?.[0]) throw new ImportStopped(describe(answer.errors[0]));
  const result = answer.data.assignLicenses as { applied: unknown[]; refused: ItemRefusal[] };
  for (const r of result.refused) {
    refused.push({ line: users[r.index]?.line ?? 0, reason: `licence not assigned: ${r.code}: ${r.message}` });
  }
  return result.applied.length;
}

interface ItemRefusal {
  readonly index: number;
  readonly code: string;
  readonly message: string;
}

function describe(error: NonNullable<GraphQLAnswer['errors']>[number]): string {
  return `${error.extensions?.code ?? 'ERROR'}: ${error.message}`;
}

/** POSTs GraphQL with the bearer token; any answer that is no GraphQL response stops the run (without the token). */
function client(url: string, token: string): Post {
  return async (query, variables) => {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          authorization: `Bearer ${token}`,
        },
        body: JSON.stringify({ query, variables }),
      });
    } catch (error) {
      throw new ImportStopped(`cannot reach ${url}: ${(error as Error).message}`);
    }
    const text = await response.text();
    try {
      return JSON.parse(text) as GraphQLAnswer;
    } catch {
      throw new ImportStopped(`${url} answered HTTP ${response.status}, not GraphQL`);
    }
  };
}

function printRefusals(io: CliIo, refused: readonly Refusal[]): void {
  for (const { line, reason } of [...refused].sort((a, b) => a.line - b.line)) {
    io.stdout.write(`line ${line}: ${escapeControlCharacters(reason)}\n`);
  }
}

/** A bar on a terminal (as replay's); nothing otherwise, so piped output is only the refusals and the summary. */
function progressBar(io: CliIo, total: number) {
  let done = 0;
  const bar = io.stderr.isTTY
    ? new SingleBar({
        stream: io.stderr as NodeJS.WritableStream as NodeJS.WriteStream,
        format: 'import-users [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted}',
      })
    : undefined;
  bar?.start(total, 0);
  return {
    add(n: number) {
      done += n;
      bar?.update(done);
    },
    stop: () => bar?.stop(),
  };
}

export const importUsersCommand: CliCommand = {
  summary: 'create (and license) users from a CSV file through a running server',
  run: (args) =>
    runImportUsers(args, { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }),
};
