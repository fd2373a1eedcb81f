// What a backup dir holds, shared by `seatledger backup` and `restore`: `events.db` (the log, a snapshot copy in one file),
// `notifications.db` (the notifier's progress and the mail deliveries, cut at the log's head), the secret files when
// asked for, and `manifest.json` saying what the log copy must be. Read models are never in it: they rebuild.
import fs from 'node:fs';
import path from 'node:path';
import type { Position } from '../eventstore/port';

export const BACKUP_FORMAT = 1;
export const MANIFEST_FILE = 'manifest.json';
export const EVENTS_FILE = 'events.db';
export const NOTIFICATIONS_FILE = 'notifications.db';

/**
 * The data dir's secret files (created 0600 on first start): `auth-secret` signs bearer tokens (src/auth/tokens.ts),
 * `notifier-secret` derives activation and invitation links (src/notifications/notifier.ts), `secret-key` seals webhook
 * signing secrets (src/webhooks/secret-key.ts: without it their endpoints need rotateWebhookSecret). Without them a restored
 * server makes new ones, and every token and mailed link issued before stops working. `instance-id` is no secret and
 * is left out on purpose: two instances must never share one.
 */
export const SECRET_FILES = ['auth-secret', 'notifier-secret', 'secret-key'] as const;

export interface BackupManifest {
  readonly format: typeof BACKUP_FORMAT;
  /** Events in the log copy. */
  readonly events: number;
  /** The log's last position in the copy; null for an empty log. */
  readonly lastPosition: Position | null;
  readonly createdAt: string;
  /** The secret files in the backup (empty without --with-secrets). */
  readonly secrets: readonly string[];
  /** Whether notifications.db is in it (a server that never ran its reactors has none). */
  readonly notifications: boolean;
}

export function readManifest(dir: string): BackupManifest {
  const file = path.join(dir, MANIFEST_FILE);
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as BackupManifest;
  } catch (error) {
    throw new Error(`${dir} is not a seatledger backup (${MANIFEST_FILE}: ${(error as Error).message})`);
  }
  if (manifest.format !== BACKUP_FORMAT) {
    throw new Error(`${file}: backup format ${String(manifest.format)}, this version reads format ${BACKUP_FORMAT}`);
  }
  return manifest;
}

/** Removes a SQLite database and the side files it may have. */
export function removeDatabase(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(`${file}${suffix}`, { force: true });
}

/** fsync of a file, or of a dir (which makes a rename in it durable). */
export function syncFile(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
