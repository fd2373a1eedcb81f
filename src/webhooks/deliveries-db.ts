// The webhook deliveries' state, in `<data dir>/notifications.db` beside the mail deliveries: one row per event and
// endpoint, written with the deliverer's checkpoint in one transaction before anything is sent, so whatever a crash
// interrupts is still PENDING after a restart (and goes out again with the same webhook-id). Also the queries of
// `webhookDeliveries(endpointId, status)` and what `redeliverWebhook` changes.

import { keysetPage, type Page, type PageArgs, pageWindow } from '../../projections/pagination';
import { InvalidInput } from '../domain/errors';
import type { NotificationsDb } from '../notifications/db';

export type WebhookDeliveryStatus = 'PENDING' | 'SENT' | 'FAILED';

export const WEBHOOK_DELIVERIES_SCHEMA = `
CREATE TABLE IF NOT EXISTS webhook_deliveries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  endpoint_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  position TEXT NOT NULL,
  -- The request body: the event as a line of seatledger export (published events only: no secret).
  body TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('PENDING', 'SENT', 'FAILED')),
  attempts INTEGER NOT NULL DEFAULT 0,
  last_status_code INTEGER,
  last_error TEXT,
  -- Epoch ms; NULL unless PENDING.
  next_attempt_at INTEGER,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (endpoint_id, event_id)
);
-- The worker's next due deliveries in log order, read straight off the index (a backlog all due at once included).
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at, seq);
CREATE INDEX IF NOT EXISTS webhook_deliveries_by_account ON webhook_deliveries (account_id, seq);
-- Since when an endpoint has failed without a success in between (cleared by a success).
CREATE TABLE IF NOT EXISTS webhook_endpoint_failing (
  endpoint_id TEXT PRIMARY KEY,
  since INTEGER NOT NULL
);
`;

export function prepareWebhookTables(db: NotificationsDb): void {
  db.exec(WEBHOOK_DELIVERIES_SCHEMA);
}

export interface WebhookDeliveryRow {
  readonly id: string;
  readonly seq: number;
  readonly endpointId: string;
  readonly accountId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly status: WebhookDeliveryStatus;
  readonly attempts: number;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly nextAttemptAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

interface Record {
  seq: number;
  endpoint_id: string;
  event_id: string;
  account_id: string;
  event_type: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: number | null;
  created_at: string;
  updated_at: string;
}

const COLUMNS = `seq, endpoint_id, event_id, account_id, event_type, status, attempts, last_status_code, last_error,
  next_attempt_at, created_at, updated_at`;

/** `WebhookDelivery:<endpointId>:<eventId>`: stable across attempts and redeliveries. */
export const webhookDeliveryId = (endpointId: string, eventId: string) => `WebhookDelivery:${endpointId}:${eventId}`;

export function parseWebhookDeliveryId(id: string): { endpointId: string; eventId: string } | null {
  const match = /^WebhookDelivery:([^:]+):([^:]+)$/.exec(id);
  return match?.[1] && match[2] ? { endpointId: match[1], eventId: match[2] } : null;
}

const toRow = (r: Record): WebhookDeliveryRow => ({
  id: webhookDeliveryId(r.endpoint_id, r.event_id),
  seq: r.seq,
  endpointId: r.endpoint_id,
  accountId: r.account_id,
  eventId: r.event_id,
  eventType: r.event_type,
  status: r.status,
  attempts: r.attempts,
  lastStatusCode: r.last_status_code,
  lastError: r.last_error,
  nextAttemptAt: r.next_attempt_at === null ? null : new Date(r.next_attempt_at).toISOString(),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface WebhookDeliveryFilter {
  readonly endpointId?: string | null;
  readonly status?: WebhookDeliveryStatus | null;
}

function filtered(accountId: string, filter: WebhookDeliveryFilter): [string, unknown[]] {
  let from = 'FROM webhook_deliveries WHERE account_id = ?';
  const params: unknown[] = [accountId];
  if (filter.endpointId) {
    from += ' AND endpoint_id = ?';
    params.push(filter.endpointId);
  }
  if (filter.status) {
    from += ' AND status = ?';
    params.push(filter.status);
  }
  return [from, params];
}

const cursorOf = (cursor: string | null | undefined, field: string): string[] | null => {
  if (cursor == null) return null;
  if (!/^\d{1,15}$/.test(cursor)) throw new InvalidInput(field, 'is not a cursor of this list', 'isCursor');
  return [cursor];
};

/** One account's webhook deliveries, newest first, a page at a time; the caller checks the viewer's role. */
export function listWebhookDeliveries(
  db: NotificationsDb,
  accountId: string,
  options: WebhookDeliveryFilter & PageArgs,
): Page<WebhookDeliveryRow> & { totalCount: number } {
  const window = pageWindow(options, 20);
  const [from, params] = filtered(accountId, options);
  const page = keysetPage(
    db,
    { ...window, size: Math.min(window.size, 100) },
    {
      select: COLUMNS,
      from,
      params,
      keys: ['seq'],
      descending: true,
      after: cursorOf(options.after, 'after'),
      before: cursorOf(options.before, 'before'),
      node: toRow,
      cursor: (row: Record) => String(row.seq),
    },
  );
  const totalCount = db
    .prepare(`SELECT count(*) ${from}`)
    .pluck()
    .get(...params) as number;
  return { ...page, totalCount };
}

export function webhookDeliveryById(db: NotificationsDb, accountId: string, id: string): WebhookDeliveryRow | null {
  const ref = parseWebhookDeliveryId(id);
  if (!ref) return null;
  const row = db
    .prepare(`SELECT ${COLUMNS} FROM webhook_deliveries WHERE endpoint_id = ? AND event_id = ? AND account_id = ?`)
    .get(ref.endpointId, ref.eventId, accountId) as Record | undefined;
  return row ? toRow(row) : null;
}

/** Makes a delivery PENDING and due now (its attempts keep counting); null when the account has no such delivery. */
export function scheduleRedelivery(
  db: NotificationsDb,
  accountId: string,
  id: string,
  at: Date,
): WebhookDeliveryRow | null {
  const ref = parseWebhookDeliveryId(id);
  if (!ref) return null;
  db.prepare(
    `UPDATE webhook_deliveries SET status = 'PENDING', next_attempt_at = ?, updated_at = ?
      WHERE endpoint_id = ? AND event_id = ? AND account_id = ?`,
  ).run(at.getTime(), at.toISOString(), ref.endpointId, ref.eventId, accountId);
  return webhookDeliveryById(db, accountId, id);
}
