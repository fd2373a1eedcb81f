// The invitation stream `invitation-<id>`: an invitation to join an account, from sent to accepted, cancelled or
// expired. Published (history, export): it names the user, the products whose seats it holds and its expiry, never
// a link's token or its hash (those are in the secret stream of invitation-token.ts). The seats themselves are held
// on each product's subscription stream (SeatReserved), where they are counted.
import {
  type Actor,
  assertNever,
  type Command,
  type CommandMetadata,
  type Decider,
  type Event,
  isSystemActor,
  type ReactorCommandMetadata,
  type Role,
  requireRole,
} from './decider';
import { AlreadyExists, InvalidInput, InvitationExpired, InvitationRefused, NotFound } from './errors';
import { isProduct, PRODUCTS, type Product } from './plans';

/** Sent with its first link (issue 1). `expiresAt` is ISO-8601; the invited user is created with it. */
export type InvitationSent = Event<
  'InvitationSent',
  {
    invitationId: string;
    accountId: string;
    userId: string;
    email: string;
    name: string;
    role: Role;
    products: Product[];
    expiresAt: string;
  }
>;
/** A new link (issue 2, 3, …) replaces the earlier ones: they are spent. The expiry stays. */
export type InvitationResent = Event<
  'InvitationResent',
  { invitationId: string; accountId: string; userId: string; issue: number }
>;
export type InvitationAccepted = Event<
  'InvitationAccepted',
  { invitationId: string; accountId: string; userId: string }
>;
export type InvitationCancelled = Event<
  'InvitationCancelled',
  { invitationId: string; accountId: string; userId: string }
>;
/** Written by the expiry reactor at or after `expiresAt` (the event type `InvitationExpired`). */
export type InvitationExpiredEvent = Event<
  'InvitationExpired',
  { invitationId: string; accountId: string; userId: string; expiresAt: string }
>;
export type InvitationEvent =
  | InvitationSent
  | InvitationResent
  | InvitationAccepted
  | InvitationCancelled
  | InvitationExpiredEvent;

export type SendInvitation = Command<
  'SendInvitation',
  {
    invitationId: string;
    accountId: string;
    userId: string;
    email: string;
    name: string;
    role: Role;
    products: readonly Product[];
    expiresAt: string;
  }
>;
export type ResendInvitation = Command<'ResendInvitation', { invitationId: string }>;
/**
 * The invited user accepts with the link of `issue` (its hash already matched by the caller). The actor is that
 * user: the link is their proof, there is no session yet.
 */
export type AcceptInvitation = Command<'AcceptInvitation', { invitationId: string; issue: number }>;
export type CancelInvitation = Command<'CancelInvitation', { invitationId: string }>;
/** The expiry reactor, at or after `expiresAt`: only the system issues it. */
export type ExpireInvitation = Command<'ExpireInvitation', { invitationId: string }, ReactorCommandMetadata>;
export type InvitationCommand =
  | SendInvitation
  | ResendInvitation
  | AcceptInvitation
  | CancelInvitation
  | ExpireInvitation;

export type InvitationStatus = 'PENDING' | 'ACCEPTED' | 'CANCELLED' | 'EXPIRED';

export type InvitationState =
  | { readonly status: 'none' }
  | {
      readonly status: InvitationStatus;
      readonly invitationId: string;
      readonly accountId: string;
      readonly userId: string;
      readonly products: readonly Product[];
      readonly expiresAt: string;
      /** The link now valid: 1 when sent, one more per resend. */
      readonly issue: number;
    };

type ExistingInvitation = Exclude<InvitationState, { status: 'none' }>;

/** PT1M to P30D. */
export const MIN_INVITATION_MS = 60_000;
export const MAX_INVITATION_MS = 30 * 24 * 60 * 60_000;

const DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/**
 * An ISO-8601 duration (weeks, days, hours, minutes, seconds: a day is 24 hours, years and months are refused as
 * having no fixed length) in milliseconds, within PT1M–P30D; else BAD_USER_INPUT on `expiresIn`.
 */
export function invitationValidityMs(expiresIn: string): number {
  const match = DURATION.exec(expiresIn);
  // "P" and "PT" alone match the pattern with every part empty: no duration.
  if (!match || expiresIn === 'P' || expiresIn.endsWith('T') || match.slice(1).every((part) => part === undefined)) {
    throw new InvalidInput('expiresIn', 'must be an ISO-8601 duration such as PT1H, P7D or P2W', 'isDuration');
  }
  const [weeks, days, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0)) as number[];
  const ms =
    ((((weeks ?? 0) * 7 + (days ?? 0)) * 24 + (hours ?? 0)) * 60 + (minutes ?? 0)) * 60_000 + (seconds ?? 0) * 1000;
  if (!(ms >= MIN_INVITATION_MS && ms <= MAX_INVITATION_MS)) {
    throw new InvalidInput('expiresIn', 'must be from PT1M (one minute) to P30D (thirty days)', 'durationRange');
  }
  return ms;
}

function validProducts(products: readonly Product[]): Product[] {
  if (products.some((product) => !isProduct(product))) {
    throw new InvalidInput('products', `must be of ${PRODUCTS.join(', ')}`, 'isEnum');
  }
  if (new Set(products).size !== products.length)
    throw new InvalidInput('products', 'must not repeat a product', 'arrayUnique');
  return [...products];
}

/** Refuses (FORBIDDEN) unless the actor may see the account's invitations: its OWNER or an ADMIN. */
export function requireInvitationReader(actor: Actor): void {
  requireRole(actor, 'see invitations', 'OWNER', 'ADMIN');
}

/** The invitation as an OWNER or ADMIN of its account may see it: others' look like none. */
function manageable(state: InvitationState, actor: Actor, invitationId: string, action: string): ExistingInvitation {
  requireRole(actor, action, 'OWNER', 'ADMIN');
  if (state.status === 'none' || state.accountId !== actor.accountId) {
    throw new NotFound('invitation', `invitation ${invitationId} not found`);
  }
  return state;
}

const lapsed = (state: ExistingInvitation, now: Date) => Date.parse(state.expiresAt) <= now.getTime();

const keys = (state: ExistingInvitation) => ({
  invitationId: state.invitationId,
  accountId: state.accountId,
  userId: state.userId,
});

export const invitationDecider: Decider<InvitationState, InvitationCommand, InvitationEvent> = {
  initialState: () => ({ status: 'none' }),

  decide: (command, state) => {
    switch (command.type) {
      case 'SendInvitation': {
        const { actor } = command.metadata;
        requireRole(actor, 'invite users', 'OWNER', 'ADMIN');
        const products = validProducts(command.data.products);
        if (Number.isNaN(Date.parse(command.data.expiresAt))) throw new InvalidInput('expiresIn', 'gives no expiry');
        if (state.status !== 'none') throw new AlreadyExists(`invitation ${command.data.invitationId} exists already`);
        // E-mail, name and role are the user's own rules (user.ts): the handler decides InviteUser with them.
        return [{ type: 'InvitationSent', data: { ...command.data, email: command.data.email.trim(), products } }];
      }
      case 'ResendInvitation': {
        const invitation = manageable(state, command.metadata.actor, command.data.invitationId, 'resend invitations');
        refuseUnlessPending(invitation, command.metadata);
        return [{ type: 'InvitationResent', data: { ...keys(invitation), issue: invitation.issue + 1 } }];
      }
      case 'AcceptInvitation': {
        const { actor, now } = command.metadata;
        // Accepted already (or never ours): the link has served, whatever else it says.
        if (state.status === 'none' || state.status === 'ACCEPTED' || actor.userId !== state.userId) {
          throw new InvitationRefused();
        }
        refuseUnlessPending(state, { now });
        if (command.data.issue !== state.issue) throw new InvitationExpired('a newer link replaced this one');
        return [{ type: 'InvitationAccepted', data: keys(state) }];
      }
      case 'CancelInvitation': {
        const invitation = manageable(state, command.metadata.actor, command.data.invitationId, 'cancel invitations');
        if (invitation.status === 'ACCEPTED') {
          throw new InvalidInput(
            'invitationId',
            'was accepted already: revoke licences or deactivate the user instead',
          );
        }
        // Cancelled or lapsed already: nothing more to free.
        if (invitation.status !== 'PENDING') return [];
        return [{ type: 'InvitationCancelled', data: keys(invitation) }];
      }
      case 'ExpireInvitation': {
        if (!isSystemActor(command.metadata.actor)) throw new InvalidInput('invitationId', 'expires on its own');
        if (state.status !== 'PENDING' || !lapsed(state, command.metadata.now)) return [];
        return [{ type: 'InvitationExpired', data: { ...keys(state), expiresAt: state.expiresAt } }];
      }
      default:
        return assertNever(command);
    }
  },

  evolve: (state, event) => {
    switch (event.type) {
      case 'InvitationSent': {
        const { invitationId, accountId, userId, products, expiresAt } = event.data;
        return { status: 'PENDING', invitationId, accountId, userId, products, expiresAt, issue: 1 };
      }
      case 'InvitationResent':
        return state.status === 'none' ? state : { ...state, issue: event.data.issue };
      case 'InvitationAccepted':
        return state.status === 'none' ? state : { ...state, status: 'ACCEPTED' };
      case 'InvitationCancelled':
        return state.status === 'none' ? state : { ...state, status: 'CANCELLED' };
      case 'InvitationExpired':
        return state.status === 'none' ? state : { ...state, status: 'EXPIRED' };
      default:
        return assertNever(event);
    }
  },
};

/** Cancelled, lapsed (written or only due) invitations refuse with INVITATION_EXPIRED; accepted ones as the caller says. */
function refuseUnlessPending(state: ExistingInvitation, { now }: Pick<CommandMetadata, 'now'>): void {
  if (state.status === 'CANCELLED') throw new InvitationExpired('this invitation was cancelled');
  if (state.status === 'EXPIRED' || lapsed(state, now)) throw new InvitationExpired('this invitation has expired');
  if (state.status === 'ACCEPTED') throw new InvalidInput('invitationId', 'was accepted already');
}
