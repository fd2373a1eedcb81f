// The secret stream `credentials-invitation-<id>`: the SHA-256 of an invitation's current link and of the links it
// replaced, never a token. Like a user's credentials stream it keeps only its latest event, so each event carries the
// whole state; and its prefix keeps it out of every export, history and read model.
import { assertNever, type Command, type Decider, type Event, type ReactorCommandMetadata } from './decider';

/** The link of `issue` is the valid one; `spentHashes` are the hashes of the links it replaced (newest last). */
export type InvitationTokenIssued = Event<
  'InvitationTokenIssued',
  { invitationId: string; issue: number; tokenHash: string; spentHashes: string[] }
>;
export type InvitationTokenEvent = InvitationTokenIssued;

/** Issued by whoever sends or resends the invitation (an OWNER or ADMIN). */
export type IssueInvitationToken = Command<
  'IssueInvitationToken',
  { invitationId: string; issue: number; tokenHash: string },
  ReactorCommandMetadata
>;
type InvitationTokenCommand = IssueInvitationToken;

export type InvitationTokenState =
  | { readonly status: 'none' }
  | {
      readonly status: 'issued';
      readonly issue: number;
      readonly tokenHash: string;
      readonly spentHashes: readonly string[];
    };

/** Enough to tell a replaced link from a made-up one for any invitation resent a sane number of times. */
const MAX_SPENT_HASHES = 50;

/** What a link's hash is to the invitation: its current link (of which issue), one it replaced, or nothing of it. */
export type TokenVerdict =
  | { readonly kind: 'current'; readonly issue: number }
  | { readonly kind: 'spent' }
  | { readonly kind: 'unknown' };

export function tokenVerdict(state: InvitationTokenState, tokenHash: string): TokenVerdict {
  if (state.status === 'none') return { kind: 'unknown' };
  if (state.tokenHash === tokenHash) return { kind: 'current', issue: state.issue };
  return state.spentHashes.includes(tokenHash) ? { kind: 'spent' } : { kind: 'unknown' };
}

export const invitationTokenDecider: Decider<InvitationTokenState, InvitationTokenCommand, InvitationTokenEvent> = {
  initialState: () => ({ status: 'none' }),

  decide: (command, state) => {
    switch (command.type) {
      case 'IssueInvitationToken': {
        const { invitationId, issue, tokenHash } = command.data;
        // Issued already (a retry), or a newer link is out: nothing to record.
        if (state.status === 'issued' && state.issue >= issue) return [];
        const spentHashes = state.status === 'issued' ? [...state.spentHashes, state.tokenHash] : [];
        return [
          {
            type: 'InvitationTokenIssued',
            data: { invitationId, issue, tokenHash, spentHashes: spentHashes.slice(-MAX_SPENT_HASHES) },
          },
        ];
      }
      default:
        return assertNever(command.type);
    }
  },

  evolve: (_state, event) => {
    switch (event.type) {
      case 'InvitationTokenIssued': {
        const { issue, tokenHash, spentHashes } = event.data;
        return { status: 'issued', issue, tokenHash, spentHashes };
      }
      default:
        return assertNever(event.type);
    }
  },
};
