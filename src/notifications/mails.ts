// What the mails say: the assignment mail (product, plan, assigner, login, maybe an activation link), the
// revocation mail, the invitation mail (its one-time link), the seat alert mail and the disabled-webhook mail to the
// account's admins, each as plain text and HTML. Pure functions: the notifier supplies every fact.
import { assertNever } from '../domain/decider';
import { findPlan, type Product } from '../domain/plans';
import type { SeatAlertKind } from '../domain/seat-alert';

export interface Person {
  readonly name: string;
  readonly email: string;
}

interface RenderedMail {
  readonly messageId: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** The event's id makes the Message-ID: a re-send after a crash is recognisably the same mail. */
const messageIdFor = (eventId: string) => `<${eventId}@seatledger>`;

const PRODUCT_NAMES: Record<Product, string> = { VIDEO_MEETING: 'Video Meeting', WEBINAR: 'Webinar' };

const productName = (product: Product): string => PRODUCT_NAMES[product] ?? product;
const planName = (planId: string): string => findPlan(planId)?.name ?? planId;

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Names come from people; a line break in one must not forge lines of the mail around it.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const oneLine = (value: string) => value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();

const formatDate = (iso: string) => new Date(iso).toUTCString().replace('GMT', 'UTC');

function page(title: string, bodyHtml: string): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head><meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title></head>`,
    '<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1b1b1b; max-width: 36rem">',
    bodyHtml,
    '</body>',
    '</html>',
  ].join('\n');
}

interface LicenseAssignedMailInput {
  readonly eventId: string;
  readonly recipient: Person;
  /** Null when the assigner's record cannot be read any more. */
  readonly assigner: Person | null;
  readonly product: Product;
  readonly planId: string;
  /** Present while the recipient has never signed in: the one-time link and when it expires. */
  readonly activation: { readonly url: string; readonly expiresAt: string } | null;
  /** Where a user who has a password signs in. */
  readonly signInUrl: string;
}

export function renderLicenseAssignedMail(input: LicenseAssignedMailInput): RenderedMail {
  const product = productName(input.product);
  const plan = planName(input.planId);
  const name = oneLine(input.recipient.name);
  const login = oneLine(input.recipient.email);
  const assigner = input.assigner
    ? `${oneLine(input.assigner.name)} <${oneLine(input.assigner.email)}>`
    : 'an administrator of your account';
  const subject = `You have a ${product} licence (${plan})`;

  const text = [
    `Hello ${name},`,
    '',
    `${assigner} assigned you a ${product} licence on the ${plan} plan.`,
    '',
    `Your login: ${login}`,
    '',
    ...(input.activation
      ? [
          'To choose your password, open this one-time link:',
          input.activation.url,
          '',
          `The link works once and expires on ${formatDate(input.activation.expiresAt)}.`,
          'A newer link replaces this one.',
        ]
      : [`Sign in with your password at ${input.signInUrl}`]),
    '',
    'If you did not expect this mail, you can ignore it.',
    '',
  ].join('\n');

  const h = escapeHtml;
  const html = page(
    subject,
    [
      `<p>Hello ${h(name)},</p>`,
      `<p>${h(assigner)} assigned you a <strong>${h(product)}</strong> licence on the <strong>${h(plan)}</strong> plan.</p>`,
      `<p>Your login: <strong>${h(login)}</strong></p>`,
      input.activation
        ? [
            `<p><a href="${h(input.activation.url)}">Choose your password</a></p>`,
            `<p>Or copy this link into your browser: <br>${h(input.activation.url)}</p>`,
            `<p>The link works once and expires on ${h(formatDate(input.activation.expiresAt))}. A newer link replaces this one.</p>`,
          ].join('\n')
        : `<p>Sign in with your password at <a href="${h(input.signInUrl)}">${h(input.signInUrl)}</a>.</p>`,
      '<p>If you did not expect this mail, you can ignore it.</p>',
    ].join('\n'),
  );

  return { messageId: messageIdFor(input.eventId), subject, text, html };
}

interface LicenseRevokedMailInput {
  readonly eventId: string;
  readonly recipient: Person;
  readonly product: Product;
  readonly planId: string;
  readonly reason: string | null;
}

export function renderLicenseRevokedMail(input: LicenseRevokedMailInput): RenderedMail {
  const product = productName(input.product);
  const plan = planName(input.planId);
  const name = oneLine(input.recipient.name);
  const reason = input.reason ? oneLine(input.reason) : null;
  const subject = `Your ${product} licence was revoked`;

  const text = [
    `Hello ${name},`,
    '',
    `Your ${product} licence (${plan} plan) was revoked.`,
    ...(reason ? [`Reason: ${reason}`] : []),
    '',
    'Ask an administrator of your account if you need it back.',
    '',
  ].join('\n');

  const h = escapeHtml;
  const html = page(
    subject,
    [
      `<p>Hello ${h(name)},</p>`,
      `<p>Your <strong>${h(product)}</strong> licence (<strong>${h(plan)}</strong> plan) was revoked.</p>`,
      reason ? `<p>Reason: ${h(reason)}</p>` : '',
      '<p>Ask an administrator of your account if you need it back.</p>',
    ]
      .filter(Boolean)
      .join('\n'),
  );

  return { messageId: messageIdFor(input.eventId), subject, text, html };
}

interface InvitationMailInput {
  readonly eventId: string;
  readonly recipient: Person;
  /** Null when the inviter's record cannot be read any more. */
  readonly inviter: Person | null;
  /** The products whose seat the invitation holds. */
  readonly products: readonly Product[];
  /** The one-time link: `<PUBLIC_URL>/invite?token=…`. */
  readonly url: string;
  readonly expiresAt: string;
}

export function renderInvitationMail(input: InvitationMailInput): RenderedMail {
  const name = oneLine(input.recipient.name);
  const login = oneLine(input.recipient.email);
  const inviter = input.inviter
    ? `${oneLine(input.inviter.name)} <${oneLine(input.inviter.email)}>`
    : 'an administrator of your account';
  const products = input.products.map(productName).join(' and ');
  const held = products ? ` A ${products} licence is kept for you until then.` : '';
  const expires = formatDate(input.expiresAt);
  const subject = 'You are invited to seatledger';

  const text = [
    `Hello ${name},`,
    '',
    `${inviter} invited you to join their account.${held}`,
    '',
    `Your login: ${login}`,
    '',
    'To accept and choose your password, open this one-time link:',
    input.url,
    '',
    `The invitation expires on ${expires}. A newer link replaces this one.`,
    '',
    'If you did not expect this mail, you can ignore it.',
    '',
  ].join('\n');

  const h = escapeHtml;
  const html = page(
    subject,
    [
      `<p>Hello ${h(name)},</p>`,
      `<p>${h(inviter)} invited you to join their account.${h(held)}</p>`,
      `<p>Your login: <strong>${h(login)}</strong></p>`,
      `<p><a href="${h(input.url)}">Accept the invitation</a></p>`,
      `<p>Or copy this link into your browser: <br>${h(input.url)}</p>`,
      `<p>The invitation expires on ${h(expires)}. A newer link replaces this one.</p>`,
      '<p>If you did not expect this mail, you can ignore it.</p>',
    ].join('\n'),
  );

  return { messageId: messageIdFor(input.eventId), subject, text, html };
}

interface SeatAlertMailInput {
  /** The delivery's id (`<eventId>/<userId>`): one Message-ID per recipient of the crossing. */
  readonly deliveryId: string;
  readonly recipient: Person;
  readonly product: Product;
  readonly kind: SeatAlertKind;
  readonly threshold: number;
  readonly purchased: number;
  readonly assigned: number;
  readonly reserved: number;
  readonly available: number;
  /** Where the console is (PUBLIC_URL). */
  readonly consoleUrl: string;
}

/** The alert as its admin set it, in words. */
function alertRule(kind: SeatAlertKind, threshold: number): string {
  switch (kind) {
    case 'AVAILABLE_AT_MOST':
      return `${threshold} ${threshold === 1 ? 'seat' : 'seats'} or fewer available`;
    case 'USED_PERCENT_AT_LEAST':
      return `${threshold}% or more of the seats in use`;
    default:
      return assertNever(kind);
  }
}

export function renderSeatAlertMail(input: SeatAlertMailInput): RenderedMail {
  const product = productName(input.product);
  const name = oneLine(input.recipient.name);
  const rule = alertRule(input.kind, input.threshold);
  const subject = `${product}: ${input.available} of ${input.purchased} seats available`;
  const held = input.reserved > 0 ? `, ${input.reserved} held for invitations` : '';
  const counts = `${input.assigned} of ${input.purchased} seats are assigned${held}; ${input.available} available.`;

  const text = [
    `Hello ${name},`,
    '',
    `Your ${product} seats reached the alert you set: ${rule}.`,
    counts,
    '',
    `To buy more seats or free some up, go to ${input.consoleUrl}`,
    '',
    'You get this mail as an owner or admin of the account. The alert mails again only after the seats',
    'recover and cross it once more.',
    '',
  ].join('\n');

  const h = escapeHtml;
  const html = page(
    subject,
    [
      `<p>Hello ${h(name)},</p>`,
      `<p>Your <strong>${h(product)}</strong> seats reached the alert you set: ${h(rule)}.</p>`,
      `<p>${h(counts)}</p>`,
      `<p>To buy more seats or free some up, go to <a href="${h(input.consoleUrl)}">${h(input.consoleUrl)}</a>.</p>`,
      '<p>You get this mail as an owner or admin of the account. The alert mails again only after the seats recover and cross it once more.</p>',
    ].join('\n'),
  );

  return { messageId: messageIdFor(input.deliveryId.replace('/', '.')), subject, text, html };
}

interface WebhookEndpointDisabledMailInput {
  readonly endpointId: string;
  readonly recipient: Person;
  readonly url: string;
  /** How long its deliveries had failed without a success (WEBHOOK_DISABLE_AFTER_SECONDS). */
  readonly failingForSeconds: number;
}

/** To the account's OWNER and each ADMIN: a webhook endpoint kept failing and was disabled (docs/webhooks.md). */
export function renderWebhookEndpointDisabledMail(input: WebhookEndpointDisabledMailInput): RenderedMail {
  const name = oneLine(input.recipient.name);
  const url = oneLine(input.url);
  const days = Math.round((input.failingForSeconds / 86_400) * 10) / 10;
  const subject = 'A webhook endpoint of your account was disabled';
  const why = `Deliveries to ${url} kept failing for ${days} day${days === 1 ? '' : 's'} without a success, so it was disabled: no more events go there.`;
  const next =
    'Once the receiver works again, enable it (updateWebhookEndpoint with enabled: true) and send what it missed with redeliverWebhook; webhookDeliveries shows each failure.';
  const text = [`Hello ${name},`, '', why, '', next, ''].join('\n');
  const h = escapeHtml;
  const html = page(subject, [`<p>Hello ${h(name)},</p>`, `<p>${h(why)}</p>`, `<p>${h(next)}</p>`].join('\n'));
  // One mail per endpoint and recipient for one disabling: a re-send is recognisably the same.
  return { messageId: messageIdFor(`webhook-disabled-${input.endpointId}`), subject, text, html };
}
