// The notifier reactor: on LicenseAssigned the user gets one mail (product, plan, assigner, login and, while
// they have never signed in, a one-time activation link, never to a user still INVITED); on LicenseRevoked a short
// mail saying so; on InvitationSent and InvitationResent the invitation mail with its `/invite?token=` link; on
// SeatThresholdCrossed one mail to each active OWNER and ADMIN of the account (one delivery each, keyed
// `<eventId>/<userId>`, claimed like any other).
//
// Once per assignment, across crashes: the delivery row (PENDING) and the reactor's checkpoint commit in one
// transaction before anything is sent; a worker then sends due deliveries one at a time, retrying with
// exponential backoff, and marks them SENT, or FAILED after the last try. A crash between handing a mail over
// and marking it SENT re-sends it on restart, with the same Message-ID (derived from the event id). Into the outbox
// the worker writes a run of due mails and records their outcomes in one commit: a mail written again after a crash
// replaces its own file, so the wider window shows nowhere. Over SMTP each outcome is recorded as soon as it is known.
//
// Once per assignment across instances too: before sending, the worker claims the mail in the log (a `claim-notifier-
// <eventId>` stream, src/domain/effect-claim.ts) for this instance (its id in `<data dir>/instance-id`) with a lease,
// and records it done after. An event the group hands out twice (a replay from the group's last checkpoint, a member's
// in-flight messages moved on) becomes a delivery on two instances, but only the claim's holder sends; the other
// waits for the lease, then finds the mail done, or takes over a claim whose holder died before sending (a mail
// then goes out once more at most, with the same Message-ID). It is what makes SQLite and EventStoreDB alike.
//
// The activation token, and why a re-send carries the same one without it being stored anywhere: the token's
// secret is HMAC-SHA256(server key, user id + event id) — see deriveActivationToken. The key is 32 random bytes
// in `<data dir>/notifier-secret` (mode 0600), or one the composition root passes (e.g. derived from the auth
// secret). Stored are only the token's SHA-256 (in the `credentials-<userId>` stream, through issueActivation)
// and, in the delivery row, *that* the link was issued and when it expires. So every attempt of a delivery
// recomputes the same token, issues it at most once, and no plaintext token is ever written to disk or a log.
// The price: whoever holds the key and an event id can compute that delivery's token — the same power the
// auth secret next to it already gives (it signs bearer tokens for any user), so the key is guarded alike.
// Only after a crash between issuing the link and recording that it was issued can an old delivery issue its
// (same) token again; if a newer assignment's link was issued in that window, the older link wins. A newer
// link supersedes an older one: the credentials stream keeps only the latest, with the delivery it was derived for.
// So a mail sent while the latest link is still good for half its validity carries that link again, not a new one.
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LRUCache } from 'lru-cache';
import { ACTIVATION_VALIDITY_MS, deriveActivationToken } from '../application/activation-token';
import type { Application, RequestContext } from '../application/application';
import type { CredentialsApplication } from '../application/credentials';
import { type EffectClaims, effectClaims } from '../application/effect-claims';
import { CommandHandler } from '../application/handle-command';
import type { CredentialsState } from '../domain/credentials';
import { type Actor, assertNever } from '../domain/decider';
import { isEventOf, type Recorded } from '../domain/events';
import { isProduct, type Product } from '../domain/plans';
import type { SeatAlertKind, SeatThresholdCrossed } from '../domain/seat-alert';
import { type UserState, userStatus } from '../domain/user';
import type { EventStore, RecordedEvent } from '../eventstore/port';
import { makePrivateDir, writePrivateFile } from '../private-files';
import type { LogConsumer } from '../processing/log-consumer';
import { type DeliveryKind, NOTIFIER_NAME, type NotificationsDb, openNotificationsDb } from './db';
import {
  type Person,
  renderInvitationMail,
  renderLicenseAssignedMail,
  renderLicenseRevokedMail,
  renderSeatAlertMail,
} from './mails';
import { type Commit, type ReactorGroupStatus, type RunningReactor, startReactor } from './reactor';
import type { Logger, MailTransport } from './transports';

export interface RetryPolicy {
  /** Tries in all, the first included. */
  readonly attempts: number;
  /** Wait after the first failure; doubled after each further one. */
  readonly baseDelayMs: number;
  readonly maxDelayMs?: number;
}

interface NotifierOptions {
  readonly store: EventStore;
  /** The process's log consumer: the notifier follows the log as one of its processors (or joins its group). */
  readonly consumer: LogConsumer;
  readonly app: Application;
  readonly credentials: CredentialsApplication;
  readonly transport: MailTransport;
  /** Base of the activation links, e.g. `https://seats.example.com` (no trailing slash needed). */
  readonly publicUrl: string;
  /** Opens `notifications.db` and reads or creates `notifier-secret` here. */
  readonly dataDir?: string;
  /** An already open notifications db (shared with the deactivation reactor); then the caller closes it. */
  readonly db?: NotificationsDb;
  /** The HMAC key activation tokens are derived with; default: `<data dir>/notifier-secret`. */
  readonly tokenKey?: Uint8Array;
  readonly logger: Logger;
  readonly retry?: RetryPolicy;
  /** The From header; default `seatledger <no-reply@<host of publicUrl>>`. */
  readonly from?: string;
  readonly now?: () => Date;
  /** This instance's id in the claims; default: `<data dir>/instance-id`, created on first start. */
  readonly instanceId?: string;
  /** How long a claim on a mail holds before another instance may take it over; default DEFAULT_CLAIM_LEASE_MS. */
  readonly claimLeaseMs?: number;
  /**
   * Claim each mail in the log before sending. Default: where the store has consumer groups (several instances on one
   * EventStoreDB). On one process's log (SQLite) the data-dir lock makes this the only serving process and its
   * notifications.db already records each delivery once: a claim there would be two more durable appends per mail.
   */
  readonly claimEffects?: boolean;
  /** Passed to the reactor: the bound on a consumer group's confirmation of a join. */
  readonly joinTimeoutMs?: number;
  /** Who gets an account's seat alert mails (its active OWNER and ADMINs); without it, nobody. */
  readonly alertRecipients?: (accountId: string) => readonly { readonly id: string; readonly email: string }[];
}

export interface Notifier {
  readonly db: NotificationsDb;
  /** Resolves once caught up with the log as it was at start; sending goes on in the background. */
  start(): Promise<void>;
  /** Stops following the log and sending; an attempt in flight finishes first. */
  stop(): Promise<void>;
  /** Its state in its consumer group, for /readyz (null where it is a processor of the log consumer). */
  status(): ReactorGroupStatus | null;
  /** Resolves when no delivery is due now (pending ones may still wait for their backoff). For tests and shutdown. */
  idle(): Promise<void>;
}

/** The consumer group every instance's notifier joins where the store has groups (EventStoreDB). */
const NOTIFIER_GROUP = 'seatledger-notifier';
const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 30_000, maxDelayMs: 30 * 60_000 };
/** Longer than composing and sending one mail can take (the SMTP client's own timeouts are a minute at most). */
const DEFAULT_CLAIM_LEASE_MS = 5 * 60_000;
/**
 * Outbox mails attempted side by side, whose outcomes share one commit of notifications.db. Side by side because one
 * mail is mostly waiting (its activation link's durable append, its file's fsync): one at a time, mails went out at a
 * third of the rate assignments came in, and fell behind for as long as the load lasted. 64 to a commit: under
 * bench:api's assign/revoke load the commit of their outcomes took 14 µs of the event loop per mail at 16, 7 at 64.
 * Over SMTP one: a mail handed over again after a crash would reach its reader twice.
 */
const OUTBOX_MAILS_PER_COMMIT = 64;

/**
 * Under load, the deliveries of this many ms of the log are recorded in one commit of notifications.db: a commit writes
 * every page it touches (one per account in the by-account index). Under bench:api's assign/revoke load over 16
 * accounts the commits took 26 µs of the event loop per assignment at 20 ms (34 to a commit), 16 at 50 (88 to a
 * commit). A mail goes out that much later.
 */
const NOTIFIER_COALESCE_MS = 50;

/** Activation tokens kept derived: one per user with a lasting link, in a busy deployment's working set. */
const DERIVED_TOKENS_KEPT = 10_000;

/** How long deliveries just recorded may be taken without asking the table what else is due (retries). */
const ASK_TABLE_EVERY_MS = 1000;

/** Reads `<data dir>/instance-id`, creating it (a random UUID) on first start: this instance's name in claims. */
export function loadOrCreateInstanceId(dataDir: string): string {
  const file = path.join(dataDir, 'instance-id');
  try {
    const id = fs.readFileSync(file, 'utf8').trim();
    if (id) return id;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  makePrivateDir(dataDir);
  try {
    writePrivateFile(file, randomUUID(), { flag: 'wx' });
  } catch (error) {
    // Another reactor of this process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return fs.readFileSync(file, 'utf8').trim();
}

/**
 * Reads `<data dir>/notifier-secret`, creating it (32 random bytes, mode 0600) on first use. Invitation links are
 * derived with it too, so that the writer (which stores their hashes) and the mail agree across restarts.
 */
export function loadOrCreateNotifierKey(dataDir: string): Uint8Array {
  const file = path.join(dataDir, 'notifier-secret');
  try {
    return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64url');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  makePrivateDir(dataDir);
  const key = randomBytes(32);
  try {
    writePrivateFile(file, key.toString('base64url'), { flag: 'wx' });
    return key;
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateNotifierKey(dataDir);
    throw error;
  }
}

/** An invitation mail's facts: which link (its issue) to recompute, never the link itself. */
interface InvitationPayload {
  readonly invitationId: string;
  readonly issue: number;
  readonly actorId: string;
  readonly correlationId: string;
}

interface DeliveryPayload {
  readonly product: Product;
  readonly planId: string;
  readonly reason?: string | null;
  readonly actorId: string;
  readonly correlationId: string;
}

/** A seat alert mail's facts: all in the crossing event, so the mail says what stood when it crossed. */
interface SeatAlertPayload {
  readonly product: Product;
  readonly kind: SeatAlertKind;
  readonly threshold: number;
  readonly purchased: number;
  readonly assigned: number;
  readonly reserved: number;
  readonly available: number;
}

/** What one attempt leaves to do once it is over. */
interface Attempted {
  /** Its outcome in notifications.db: run with the other outcomes of the worker's run, in one transaction. */
  readonly record: () => void;
  /** Once the outcome is committed (the claim recorded done in the log). */
  readonly after?: () => Promise<void>;
}

/** A delivery as the record step inserts it. */
interface DeliveryRow {
  readonly eventId: string;
  readonly position: string;
  readonly accountId: string;
  readonly userId: string;
  readonly email: string;
  readonly kind: DeliveryKind;
  readonly payload: string;
  readonly dueAt: number;
  readonly at: string;
}

interface DueDelivery {
  event_id: string;
  account_id: string;
  recipient_user_id: string;
  kind: DeliveryKind;
  payload: string;
  attempts: number;
  activation_expires_at: string | null;
}

/** One seat alert mail's delivery: the crossing's event id and its recipient (a crossing mails several people). */
const seatAlertDeliveryId = (eventId: string, userId: string) => `${eventId}/${userId}`;

const errorText = (error: unknown) =>
  error instanceof Error ? `${(error as NodeJS.ErrnoException).code ?? error.name}: ${error.message}` : String(error);

/** An error as it may be stored and logged: one line, bounded, and without any secret we know of. */
function describeError(error: unknown, secrets: readonly string[]): string {
  let text = errorText(error).replace(/\s+/g, ' ').trim();
  for (const secret of secrets) if (secret) text = text.split(secret).join('[redacted]');
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}

const person = (user: UserState): Person | null =>
  user.status === 'absent' ? null : { name: user.name, email: user.email };

export function createNotifier(options: NotifierOptions): Notifier {
  const { store, app, credentials, transport, logger } = options;
  if (!options.db && !options.dataDir) throw new Error('createNotifier needs a dataDir or a db');
  if (!options.tokenKey && !options.dataDir) throw new Error('createNotifier needs a dataDir or a tokenKey');
  if (!options.instanceId && !options.dataDir) throw new Error('createNotifier needs a dataDir or an instanceId');
  const ownsDb = !options.db;
  const db = options.db ?? openNotificationsDb(options.dataDir as string);
  const tokenKey = options.tokenKey ?? loadOrCreateNotifierKey(options.dataDir as string);
  const retry = options.retry ?? DEFAULT_RETRY;
  const now = options.now ?? (() => new Date());
  const publicUrl = options.publicUrl.replace(/\/+$/, '');
  const from = options.from ?? `seatledger <no-reply@${new URL(publicUrl).hostname}>`;
  const instanceId = options.instanceId ?? loadOrCreateInstanceId(options.dataDir as string);
  const claimLeaseMs = options.claimLeaseMs ?? DEFAULT_CLAIM_LEASE_MS;
  const claims: EffectClaims | null =
    (options.claimEffects ?? store.subscribeToGroup !== undefined)
      ? effectClaims(new CommandHandler({ store }), instanceId, now)
      : null;
  // A link that lasts goes out again with every licence mail of its user: derived once, not per mail (an HMAC and a
  // SHA-256, a tenth of the notifier's time on the event loop under bench:api). Held in memory only, beside the key
  // that derives them anyway.
  type TokenFor = { readonly userId: string; readonly deliveryId: string };
  const derivedTokens = new LRUCache<string, ReturnType<typeof deriveActivationToken>, TokenFor>({
    max: DERIVED_TOKENS_KEPT,
    memoMethod: (_key, _stale, { context }) => deriveActivationToken(context.userId, tokenKey, context.deliveryId),
  });
  const derivedToken = (userId: string, deliveryId: string) =>
    derivedTokens.memo(`${userId}\u0000${deliveryId}`, { context: { userId, deliveryId } });

  const insertDelivery = db.prepare(
    `INSERT INTO deliveries (event_id, position, account_id, recipient_user_id, recipient_email, kind, payload,
                             status, attempts, next_attempt_at, created_at, updated_at)
     VALUES (@eventId, @position, @accountId, @userId, @email, @kind, @payload, 'PENDING', 0, @dueAt, @at, @at)
     ON CONFLICT (event_id) DO NOTHING`,
  );
  const selectDue = db.prepare(
    `SELECT event_id, account_id, recipient_user_id, kind, payload, attempts, activation_expires_at
       FROM deliveries WHERE status = 'PENDING' AND next_attempt_at <= ? ORDER BY next_attempt_at, position LIMIT ?`,
  );
  const mailsPerCommit = transport.kind === 'outbox' ? OUTBOX_MAILS_PER_COMMIT : 1;
  const selectNextDueAt = db.prepare(`SELECT MIN(next_attempt_at) AS at FROM deliveries WHERE status = 'PENDING'`);
  // Each outcome also records the activation link an attempt issued (one commit per attempt, not two): should the
  // process die between issuing and recording, the credentials stream itself says the link was issued (compose).
  const ISSUED = 'activation_expires_at = COALESCE(@issued, activation_expires_at)';
  const markSent = db.prepare(
    `UPDATE deliveries SET status = 'SENT', attempts = @attempts, last_error = NULL, updated_at = @at, ${ISSUED}
      WHERE event_id = @eventId`,
  );
  const markRetry = db.prepare(
    `UPDATE deliveries SET attempts = @attempts, last_error = @error, next_attempt_at = @dueAt, updated_at = @at,
            ${ISSUED} WHERE event_id = @eventId`,
  );
  const markFailed = db.prepare(
    `UPDATE deliveries SET status = 'FAILED', attempts = @attempts, last_error = @error, updated_at = @at, ${ISSUED}
      WHERE event_id = @eventId`,
  );
  const markDeferred = db.prepare('UPDATE deliveries SET next_attempt_at = ?, updated_at = ? WHERE event_id = ?');
  const recordAll = db.transaction((attempted: readonly Attempted[]) => {
    for (const { record } of attempted) record();
  });

  // 1. Record: the event becomes a PENDING delivery, committed with the checkpoint by the reactor loop.
  async function handle(event: RecordedEvent) {
    if (isEventOf(event, 'SeatThresholdCrossed')) return recordSeatAlert(event);
    if (!isEventOf(event, 'LicenseAssigned', 'LicenseRevoked', 'InvitationSent', 'InvitationResent')) return undefined;
    const { userId, accountId } = event.data;
    const { actorId, correlationId } = event.metadata;
    let kind: DeliveryKind;
    let payload: DeliveryPayload | InvitationPayload;
    switch (event.type) {
      case 'InvitationSent':
      case 'InvitationResent': {
        kind = 'INVITATION';
        const issue = event.type === 'InvitationSent' ? 1 : event.data.issue;
        payload = { invitationId: event.data.invitationId, issue, actorId, correlationId };
        break;
      }
      case 'LicenseAssigned':
        kind = 'LICENSE_ASSIGNED';
        payload = { product: event.data.product, planId: event.data.planId, actorId, correlationId };
        break;
      case 'LicenseRevoked': {
        const { product, planId, reason } = event.data;
        kind = 'LICENSE_REVOKED';
        payload = { product, planId, reason, actorId, correlationId };
        break;
      }
      default:
        return assertNever(event);
    }
    const recipient = await app.loadUser(userId);
    const at = now();
    const row: DeliveryRow = {
      eventId: event.id,
      position: event.position,
      accountId,
      userId,
      email: recipient.status === 'absent' ? '' : recipient.email,
      kind,
      payload: JSON.stringify(payload),
      dueAt: at.getTime(),
      at: at.toISOString(),
    };
    return recordingOf([row]);
  }

  // New rows only: an event handled again (after a crash before its checkpoint) finds its delivery there already.
  function recordingOf(rows: readonly DeliveryRow[]): Commit {
    let inserted: DeliveryRow[] = [];
    const commit = () => {
      inserted = rows.filter((row) => insertDelivery.run(row).changes > 0);
    };
    return Object.assign(commit, { committed: () => recorded(inserted) });
  }

  // A crossing: one delivery per OWNER and ADMIN, each its own claim and Message-ID.
  function recordSeatAlert(event: Recorded<RecordedEvent, SeatThresholdCrossed>) {
    const { accountId, product, kind, threshold, purchased, assigned, reserved, available } = event.data;
    const payload: SeatAlertPayload = { product, kind, threshold, purchased, assigned, reserved, available };
    const at = now();
    const rows = (options.alertRecipients?.(accountId) ?? []).map(
      (recipient): DeliveryRow => ({
        eventId: seatAlertDeliveryId(event.id, recipient.id),
        position: event.position,
        accountId,
        userId: recipient.id,
        email: recipient.email,
        kind: 'SEAT_ALERT',
        payload: JSON.stringify(payload),
        dueAt: at.getTime(),
        at: at.toISOString(),
      }),
    );
    return recordingOf(rows);
  }

  // 2. Compose: the mail of one delivery. For an assignment, the activation link is issued here, once.
  async function compose(delivery: DueDelivery, secrets: string[], issued: { expiresAt: string | null }) {
    if (delivery.kind === 'INVITATION') return composeInvitation(delivery, secrets);
    if (delivery.kind === 'SEAT_ALERT') return composeSeatAlert(delivery);
    const payload = JSON.parse(delivery.payload) as DeliveryPayload;
    if (!isProduct(payload.product)) throw new Error(`unknown product ${payload.product}`);
    const recipientState = await app.loadUser(delivery.recipient_user_id);
    const recipient = person(recipientState);
    if (!recipient) throw new Error(`recipient ${delivery.recipient_user_id} not found`);

    if (delivery.kind === 'LICENSE_REVOKED') {
      return {
        to: recipient.email,
        mail: renderLicenseRevokedMail({
          eventId: delivery.event_id,
          recipient,
          product: payload.product,
          planId: payload.planId,
          reason: payload.reason ?? null,
        }),
      };
    }

    const assignerState = payload.actorId ? await app.loadUser(payload.actorId) : ({ status: 'absent' } as const);
    let activation: { url: string; expiresAt: string } | null = null;
    const current = await credentials.load(delivery.recipient_user_id);
    // A deactivated user cannot sign in, so a link would only be a secret lying in a mailbox; an invited one has
    // their invitation's link, and activating would bypass accepting it.
    if (
      current.status !== 'password' &&
      recipientState.status === 'active' &&
      userStatus(recipientState) === 'ACTIVE'
    ) {
      const link = await activationLink(delivery, current, () => contextFor(delivery, payload, assignerState), issued);
      if (link) {
        secrets.push(link.token, encodeURIComponent(link.token));
        activation = {
          url: `${publicUrl}/activate?token=${encodeURIComponent(link.token)}`,
          expiresAt: link.expiresAt,
        };
      }
    }
    return {
      to: recipient.email,
      mail: renderLicenseAssignedMail({
        eventId: delivery.event_id,
        recipient,
        assigner: person(assignerState),
        product: payload.product,
        planId: payload.planId,
        activation,
        signInUrl: publicUrl,
      }),
    };
  }

  // The activation link of an assignment mail. A link already in the user's mailbox that stays good for at least half
  // its validity goes out again: of two licence mails in a row, both links work (a new one would kill the first).
  // Otherwise this delivery's own token, issued once: `issued` records that it was, so a re-send carries it again.
  async function activationLink(
    delivery: DueDelivery,
    current: CredentialsState,
    context: () => RequestContext,
    issued: { expiresAt: string | null },
  ): Promise<{ token: string; expiresAt: string } | null> {
    const userId = delivery.recipient_user_id;
    if (current.status === 'pendingActivation' && current.deliveryId) {
      // Ours (issued before a crash that came before we recorded it, or recorded, and this is a re-send), or one
      // another mail carried that lasts long enough. Not after a change of the server key: then the hashes differ.
      const ours = current.deliveryId === delivery.event_id;
      const lasting = Date.parse(current.expiresAt) - now().getTime() >= ACTIVATION_VALIDITY_MS / 2;
      const earlier = ours || lasting ? derivedToken(userId, current.deliveryId) : null;
      if (earlier?.tokenHash === current.tokenHash) {
        if (ours) issued.expiresAt = current.expiresAt;
        return { token: earlier.token, expiresAt: current.expiresAt };
      }
    }
    const own = derivedToken(userId, delivery.event_id);
    // Ours, issued by an event that did not name its delivery yet; or recorded as issued, and superseded since.
    const expiresAt =
      current.status === 'pendingActivation' && current.tokenHash === own.tokenHash
        ? current.expiresAt
        : delivery.activation_expires_at;
    if (expiresAt) {
      issued.expiresAt = expiresAt;
      return { token: own.token, expiresAt };
    }
    const candidate = new Date(now().getTime() + ACTIVATION_VALIDITY_MS).toISOString();
    const outcome = await credentials.issueActivation(context(), {
      userId,
      tokenHash: own.tokenHash,
      expiresAt: candidate,
      deliveryId: delivery.event_id,
    });
    if (!outcome.issued) return null;
    issued.expiresAt = candidate;
    return { token: own.token, expiresAt: candidate };
  }

  // The invitation mail: its link recomputed from the invitation id and the issue (never stored), as the writer did.
  async function composeInvitation(delivery: DueDelivery, secrets: string[]) {
    const payload = JSON.parse(delivery.payload) as InvitationPayload;
    const invitation = await app.invitations.loadInvitation(payload.invitationId);
    if (invitation.status === 'none') throw new Error(`invitation ${payload.invitationId} not found`);
    const recipient = person(await app.loadUser(delivery.recipient_user_id));
    if (!recipient) throw new Error(`recipient ${delivery.recipient_user_id} not found`);
    const token = app.invitations.linkToken(payload.invitationId, payload.issue);
    secrets.push(token, encodeURIComponent(token));
    return {
      to: recipient.email,
      mail: renderInvitationMail({
        eventId: delivery.event_id,
        recipient,
        inviter: person(await app.loadUser(payload.actorId)),
        products: invitation.products,
        url: `${publicUrl}/invite?token=${encodeURIComponent(token)}`,
        expiresAt: invitation.expiresAt,
      }),
    };
  }

  async function composeSeatAlert(delivery: DueDelivery) {
    const payload = JSON.parse(delivery.payload) as SeatAlertPayload;
    const recipient = person(await app.loadUser(delivery.recipient_user_id));
    if (!recipient) throw new Error(`recipient ${delivery.recipient_user_id} not found`);
    return {
      to: recipient.email,
      mail: renderSeatAlertMail({ deliveryId: delivery.event_id, recipient, ...payload, consoleUrl: publicUrl }),
    };
  }

  // The link is issued on behalf of the assigner, as a consequence of their assignment.
  function contextFor(delivery: DueDelivery, payload: DeliveryPayload, assigner: UserState): RequestContext {
    const actor: Actor =
      assigner.status === 'absent'
        ? { userId: payload.actorId, accountId: delivery.account_id, role: 'ADMIN' }
        : { userId: assigner.userId, accountId: assigner.accountId, role: assigner.role };
    return { actor, correlationId: payload.correlationId || delivery.event_id, causationId: delivery.event_id };
  }

  // 3. Claim, send, then say how to record the outcome (the worker commits it, with others where it may).
  async function attempt(delivery: DueDelivery): Promise<Attempted> {
    const attempts = delivery.attempts + 1;
    const secrets: string[] = [];
    const log = { eventId: delivery.event_id, kind: delivery.kind, userId: delivery.recipient_user_id, attempts };
    const effect = { reactor: NOTIFIER_NAME, eventId: delivery.event_id, accountId: delivery.account_id };
    const issued: { expiresAt: string | null } = { expiresAt: null };
    try {
      // Before anything leaves (the activation link included): only the claim's holder sends.
      const claim = claims ? await claims.claim(effect, claimLeaseMs) : 'claimed';
      switch (claim) {
        case 'claimed':
          break;
        case 'claimed-elsewhere': {
          // Not an attempt: look again once the lease may have run out (done by then, or taken over from a dead holder).
          const at = now();
          logger.info(log, 'notification claimed by another instance; looking again after its lease');
          return { record: () => markDeferred.run(at.getTime() + claimLeaseMs, at.toISOString(), delivery.event_id) };
        }
        case 'done': {
          const at = now().toISOString();
          logger.info(log, 'notification already sent by another instance');
          return {
            record: () => markSent.run({ attempts: delivery.attempts, at, issued: null, eventId: delivery.event_id }),
          };
        }
        default:
          return assertNever(claim);
      }
      const { to, mail } = await compose(delivery, secrets, issued);
      await transport.send({ ...mail, from, to });
      const at = now().toISOString();
      logger.info(log, 'notification sent');
      const sent = { attempts, at, issued: issued.expiresAt, eventId: delivery.event_id };
      return { record: () => markSent.run(sent), ...(claims ? { after: () => complete(effect, log, secrets) } : {}) };
    } catch (error) {
      const lastError = describeError(error, secrets);
      const at = now();
      const outcome = { attempts, error: lastError, at: at.toISOString(), issued: issued.expiresAt };
      if (attempts >= retry.attempts) {
        logger.error({ ...log, error: lastError }, 'notification failed after the last try');
        return { record: () => markFailed.run({ ...outcome, eventId: delivery.event_id }) };
      }
      const delay = Math.min(retry.baseDelayMs * 2 ** (attempts - 1), retry.maxDelayMs ?? Number.POSITIVE_INFINITY);
      logger.warn({ ...log, error: lastError, retryInMs: delay }, 'notification not sent; will retry');
      return { record: () => markRetry.run({ ...outcome, dueAt: at.getTime() + delay, eventId: delivery.event_id }) };
    }
  }

  async function complete(effect: Parameters<EffectClaims['complete']>[0], log: object, secrets: string[]) {
    try {
      await claims?.complete(effect);
    } catch (error) {
      // Sent all the same: should the event come to another instance, it takes over once the lease runs out and
      // sends once more, with the same Message-ID.
      logger.warn(
        { ...log, error: describeError(error, secrets) },
        'notification sent but not recorded done in the log',
      );
    }
  }

  // A run of due deliveries, side by side, except that one person's mails go one after the other, in the order their
  // events were written: of two assignments, the later one's activation link is the one issued last (and kept).
  async function attemptRun(due: readonly DueDelivery[]): Promise<Attempted[]> {
    const byRecipient = new Map<string, DueDelivery[]>();
    for (const delivery of due) {
      const mails = byRecipient.get(delivery.recipient_user_id);
      if (mails) mails.push(delivery);
      else byRecipient.set(delivery.recipient_user_id, [delivery]);
    }
    const attempted = new Map<DueDelivery, Attempted>();
    await Promise.all(
      [...byRecipient.values()].map(async (mails) => {
        for (const delivery of mails) {
          // attempt() answers every failure as an outcome: it never rejects.
          attempted.set(delivery, await attempt(delivery));
          // A stop lets the attempts in flight finish (and be recorded), not the rest of the run.
          if (stopping) break;
        }
      }),
    );
    return due.flatMap((delivery) => attempted.get(delivery) ?? []);
  }

  // The worker: a run of due deliveries at a time (one over SMTP), sleeping until the next one is due or a new one is
  // recorded. The outcomes of a run are committed together, before any claim is recorded done.
  let stopping = true;
  let worker: Promise<void> | null = null;
  let wakeUp: (() => void) | null = null;
  let idleWaiters: (() => void)[] = [];

  function wake() {
    wakeUp?.();
  }

  // Deliveries committed since the worker last looked, in the log's order: it takes them from here instead of asking
  // the table for every run of mails (under bench:api's load that query was a quarter of the notifier's SQL on the
  // event loop). It asks the table still when none is here, at start, and at least once a second, so a retry come
  // due waits for no quiet spell.
  let justCommitted: DueDelivery[] = [];
  let askedAt = Number.NEGATIVE_INFINITY;

  function recorded(rows: readonly DeliveryRow[]) {
    if (rows.length === 0) return;
    for (const row of rows) {
      justCommitted.push({
        event_id: row.eventId,
        account_id: row.accountId,
        recipient_user_id: row.userId,
        kind: row.kind,
        payload: row.payload,
        attempts: 0,
        activation_expires_at: null,
      });
    }
    wake();
  }

  function takeDue(): DueDelivery[] {
    const at = now().getTime();
    if (justCommitted.length > 0 && at - askedAt < ASK_TABLE_EVERY_MS) return justCommitted.splice(0, mailsPerCommit);
    askedAt = at;
    const due = selectDue.all(at, mailsPerCommit) as DueDelivery[];
    if (justCommitted.length > 0) {
      // The table's answer may hold some of them: those are taken now, and not again.
      const taken = new Set(due.map((delivery) => delivery.event_id));
      justCommitted = justCommitted.filter((delivery) => !taken.has(delivery.event_id));
    }
    return due;
  }

  async function work(): Promise<void> {
    while (!stopping) {
      const due = takeDue();
      if (due.length > 0) {
        const attempted = await attemptRun(due);
        recordAll(attempted);
        for (const { after } of attempted) await after?.();
        continue;
      }
      for (const resolve of idleWaiters) resolve();
      idleWaiters = [];
      const next = (selectNextDueAt.get() as { at: number | null }).at;
      await new Promise<void>((resolve) => {
        const timer = next === null ? undefined : setTimeout(resolve, Math.max(0, next - now().getTime()));
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeUp = null;
    }
  }

  let running: RunningReactor | null = null;

  return {
    db,
    async start() {
      stopping = false;
      // Deliveries left PENDING by the last run (a crash, a stop during backoff) go out again first.
      worker = work();
      running = startReactor(
        {
          name: NOTIFIER_NAME,
          // LicenseAssigned and LicenseRevoked live in subscription streams, the invitations' sends in their own, seat
          // alert crossings in the alert streams.
          filter: { streamPrefixes: ['subscription-', 'invitation-', 'alert-'] },
          // With several API instances on one EventStoreDB, the group hands each event to one of them: one mail, not two.
          group: NOTIFIER_GROUP,
          coalesceMs: NOTIFIER_COALESCE_MS,
          handle,
        },
        {
          store,
          consumer: options.consumer,
          db,
          logger,
          ...(options.joinTimeoutMs !== undefined ? { joinTimeoutMs: options.joinTimeoutMs } : {}),
        },
      );
      await running.started;
    },
    status: () => running?.status() ?? null,
    async stop() {
      stopping = true;
      await running?.stop();
      running = null;
      wake();
      await worker;
      worker = null;
      for (const resolve of idleWaiters) resolve();
      idleWaiters = [];
      if (ownsDb) db.close();
    },
    idle() {
      if (stopping) return Promise.resolve();
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        wake();
      });
    },
  };
}
