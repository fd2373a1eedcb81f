// docs/events/ as text, rendered from the event registry: one JSON Schema per type and version, and the catalogue
// (README.md) for auditors and analytics consumers. Pure; `npm run events:docs` writes it, a test compares.
import { EVENT_UPCASTERS, PUBLISHED_STREAM_PREFIXES } from '../domain/event-schemas';
import { SECRET_STREAM_PREFIX, SESSION_STREAM_PREFIX } from '../domain/streams';
import {
  allEventJsonSchemas,
  EVENT_SCHEMAS,
  type EventSchemaDefinition,
  EXAMPLE_IDS,
  HISTORICAL_EVENT_SCHEMAS,
  METADATA_FIELDS,
  OPTIONAL_METADATA_FIELDS,
  STREAM_DESCRIPTIONS,
} from './schemas';

/** File name (relative to docs/events/) → content. */
export function renderEventDocs(): ReadonlyMap<string, string> {
  const files = new Map<string, string>();
  for (const [name, schema] of allEventJsonSchemas()) files.set(name, `${formatJson(schema)}\n`);
  files.set('README.md', renderCatalogue());
  return files;
}

const LINE_WIDTH = 120;

/**
 * JSON as the repo's formatter (biome) leaves it, so `npm run lint` and the generator agree: objects one key a
 * line, arrays of plain values on one line when they fit.
 */
function formatJson(value: unknown, indent = '', prefixLength = 0): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const flat = value.every((item) => item === null || typeof item !== 'object');
    const oneLine = `[${value.map((item) => JSON.stringify(item)).join(', ')}]`;
    if (flat && indent.length + prefixLength + oneLine.length + 1 <= LINE_WIDTH) return oneLine;
    const inner = `${indent}  `;
    return `[\n${value.map((item) => `${inner}${formatJson(item, inner)}`).join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    const inner = `${indent}  `;
    const lines = entries.map(([key, item]) => {
      const prefix = `${JSON.stringify(key)}: `;
      return `${inner}${prefix}${formatJson(item, inner, prefix.length)}`;
    });
    return `{\n${lines.join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

function exampleStream(definition: EventSchemaDefinition): string {
  const data = definition.example;
  switch (definition.stream) {
    case 'account-':
      return `account-${String(data.accountId)}`;
    case 'user-':
      return `user-${String(data.userId)}`;
    case 'subscription-':
      return `subscription-${String(data.accountId)}-${String(data.product)}`;
    case 'email-':
      return 'email-4b2f6c7d8e9fa0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f';
    case 'idempotency-':
      return `idempotency-${EXAMPLE_IDS.account}-order-4711`;
    case 'invitation-':
      return `invitation-${String(data.invitationId)}`;
    case 'alert-':
      return `alert-${String(data.accountId)}-${String(data.product)}`;
  }
}

/** An export line of the type, as a consumer receives it. Ids and times are fixed so the docs are stable. */
export function exampleLine(definition: EventSchemaDefinition, index: number): Record<string, unknown> {
  const seconds = String(10 + index).padStart(2, '0');
  const occurredAt = `2025-03-14T09:26:${seconds}.000Z`;
  const purchase = definition.type === 'LicensePurchased';
  return {
    id: `0b8e5a3c-2f1d-4c6b-9a7e-${String(1000 + index).padStart(12, '0')}`,
    type: definition.type,
    stream: exampleStream(definition),
    position: String(1040 + index).padStart(16, '0'),
    revision: definition.stream === 'subscription-' ? 3 + index : 0,
    data: definition.example,
    metadata: {
      accountId: EXAMPLE_IDS.account,
      actorId: EXAMPLE_IDS.owner,
      occurredAt,
      correlationId: 'req-5f3a9c1e',
      causationId: 'req-5f3a9c1e',
      schemaVersion: definition.version,
      ...(purchase ? { idempotencyKey: 'order-4711', idempotencyClaimId: EXAMPLE_IDS.claim } : {}),
    },
    recordedAt: occurredAt.replace('.000Z', '.004Z'),
  };
}

/** A Markdown table with its columns padded, as the repo's formatter (biome) leaves it. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, i) => Math.max(3, title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${widths.map((w, i) => (cells[i] ?? '').padEnd(w)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function fieldTable(fields: Readonly<Record<string, { description: string }>>, extra: string[][] = []): string[] {
  const rows = Object.entries(fields).map(([name, schema]) => [
    `\`${name}\``,
    describeType(schema),
    schema.description,
  ]);
  return table(['field', 'type', 'meaning'], [...rows, ...extra]);
}

function describeType(schema: object): string {
  const s = schema as { type?: unknown; enum?: readonly string[]; format?: string; pattern?: string; const?: unknown };
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (s.enum) return s.enum.map((value) => `\`${value}\``).join(' \\| ');
  const type = Array.isArray(s.type) ? s.type.join(' \\| ') : String(s.type);
  if (s.format) return `${type} (${s.format})`;
  if (s.pattern === '^[0-9a-f]{64}$') return `${type} (hex SHA-256)`;
  return type;
}

function renderType(definition: EventSchemaDefinition, index: number): string[] {
  const older = HISTORICAL_EVENT_SCHEMAS.filter((h) => h.type === definition.type).sort(
    (a, b) => a.version - b.version,
  );
  const versions = [...older, definition]
    .map((d) => `[v${d.version}](./${d.type}.v${d.version}.json)${d === definition ? ' (current)' : ''}`)
    .join(', ');
  return [
    `### ${definition.type}`,
    '',
    definition.meaning,
    '',
    `- Stream: \`${STREAM_DESCRIPTIONS[definition.stream].pattern}\``,
    `- Written by: ${definition.writtenWhen}`,
    `- Schema: ${versions}`,
    ...older.map((d) => `- v${d.version}: ${d.meaning}`),
    '',
    ...fieldTable(definition.data),
    '',
    '```json',
    JSON.stringify(exampleLine(definition, index), null, 2),
    '```',
    '',
  ];
}

function renderCatalogue(): string {
  const upcast = EVENT_UPCASTERS.map((u) => `\`${u.type}\` v${u.fromVersion} → v${u.fromVersion + 1}`).join(', ');
  const lines = [
    '<!-- Generated by `npm run events:docs` from src/events-docs/schemas.ts: edit there, not here. -->',
    '',
    '# seatledger events',
    '',
    'seatledger is event-sourced: every change to accounts, users and seats is an event appended to one log, and',
    'every seat count, licence list and history is folded from it. This catalogue is the contract for the people',
    'who read that log: auditors and analytics consumers. Each event type has a JSON Schema (draft 2020-12) per',
    'version in this folder, `<Type>.v<N>.json`, describing one event as it is delivered.',
    '',
    'Ways to read the log:',
    '',
    '- `npx seatledger export [--after <position>] [--types T1,T2] [--account <id>] > events.ndjson`: every',
    '  published event, one JSON object a line, in log order;',
    '- the GraphQL subscription `licenseEvents(after:)` over WebSocket: catch-up from a position, then live,',
    '  only the caller’s account;',
    '- `npx seatledger history --account <id>`: the licence history as a table, JSON or CSV.',
    '',
    '## An event',
    '',
    ...table(
      ['field', 'type', 'meaning'],
      [
        ['`id`', 'string', 'The event’s id (a UUID chosen by its writer); unique across the log.'],
        ['`type`', 'string', 'One of the types below.'],
        ['`stream`', 'string', 'The stream it was appended to (see Streams).'],
        ['`position`', 'string', 'Its global position in the log (see Positions).'],
        ['`revision`', 'integer', 'Its position in its stream, from 0.'],
        ['`data`', 'object', 'The payload: its type’s fields, all of them present, nothing else.'],
        ['`metadata`', 'object', 'Who, when and why: the same fields for every type (below).'],
        ['`recordedAt`', 'string (date-time)', 'When the log stored it.'],
      ],
    ),
    '',
    '### Metadata',
    '',
    ...fieldTable(METADATA_FIELDS, [
      ['`schemaVersion`', 'integer', 'The version of its type’s schema the event follows (see Versioning).'],
      ...Object.entries(OPTIONAL_METADATA_FIELDS).map(([name, schema]) => [
        `\`${name}\``,
        describeType(schema),
        `Optional. ${schema.description}`,
      ]),
    ]),
    '',
    'Metadata may gain keys without a new version; ignore the ones you do not know.',
    '',
    '## Streams',
    '',
    'A stream name is a category prefix and an id, so EventStoreDB’s `$ce-<category>` and `$et-<type>` system',
    'streams work on them.',
    '',
    ...table(
      ['stream', 'holds'],
      [
        ...PUBLISHED_STREAM_PREFIXES.map((prefix) => {
          const { pattern, holds } = STREAM_DESCRIPTIONS[prefix];
          return [`\`${pattern}\``, holds];
        }),
        [
          `\`${SECRET_STREAM_PREFIX}<userId>\``,
          '**Never published.** Password hashes and activation-token hashes. These streams are never exported, ' +
            'never in history and never sent to subscribers, so their events have no schema here.',
        ],
        [
          `\`${SESSION_STREAM_PREFIX}<userId>\``,
          '**Never published.** A user’s sign-in sessions: refresh-token hashes, rotations and logouts. Like the ' +
            'credentials, never exported, in history or sent to subscribers.',
        ],
      ],
    ),
    '',
    '## Positions',
    '',
    '- A position is an opaque string of fixed width: compare positions as strings, and string order is log',
    '  order. The embedded SQLite log writes 16 decimal digits (`0000000000001043`); EventStoreDB writes its commit',
    '  and prepare positions as 20 digits each, joined by `-`. Do not do arithmetic on them.',
    '- To resume, pass the last position you processed: `export --after <position>` and `licenseEvents(after:)`',
    '  deliver the events strictly after it, so nothing is missed and nothing comes twice.',
    '- Positions are increasing, not consecutive: the gaps are events of streams you do not receive.',
    '- Within a stream, `revision` counts from 0 without gaps; an event’s (stream, revision) is unique, as is its',
    '  `id`.',
    '',
    '## Versioning',
    '',
    '- Every event carries `metadata.schemaVersion`, the version of its type’s schema it was written with.',
    '- Any change to a payload’s shape (a field added, removed, renamed or retyped) is a new version with its own',
    '  schema file; older schema files stay published. Metadata may gain optional keys without one.',
    '- The log is never rewritten. Readers get every event in its **current** version: an upcaster turns an old',
    '  version into the next one on read, in one place (`src/eventstore/upcasting.ts`), so the export, history',
    `  and subscriptions deliver, and the schemas here describe, only current versions. Upcast so far: ${upcast}.`,
    '- New events are always written in the current version.',
    '- Every field of a payload is present; a value that may be unknown is `null`, never missing.',
    '- A new event type may appear at any time: skip types you do not know.',
    '',
    '## Event types',
    '',
    ...PUBLISHED_STREAM_PREFIXES.flatMap((prefix) => {
      const types = EVENT_SCHEMAS.filter((d) => d.stream === prefix);
      return [
        `- \`${STREAM_DESCRIPTIONS[prefix].pattern}\`: ${types.map((d) => `[${d.type}](#${d.type.toLowerCase()})`).join(', ')}`,
      ];
    }),
    '',
    ...EVENT_SCHEMAS.flatMap((definition, index) => renderType(definition, index)),
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}
