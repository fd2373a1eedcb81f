// A version per account of what the read models hold about it, moved by every applied batch with an event of the
// account: what lets an answer read from the read models be reused exactly as long as they have not changed for that
// account (src/http/answer-cache.ts). The batch listener runs before any read-your-writes waiter of the batch is
// released, so a read after one's own write always sees a version newer than any answer from before the write.
import type { RecordedEvent } from '../eventstore/port';
import type { ReadModelSource } from './read-models';

/** Accounts whose versions are kept; past it every account moves at once (a newer floor), which is still exact. */
const MAX_ACCOUNTS = 100_000;

export interface AccountReadVersions {
  /** The account's version now; a higher number once a batch touching it (or naming no account) was applied. */
  of(accountId: string): number;
  /** Stops following the read models. */
  close(): void;
}

/** The accounts an event may change: the one its metadata names and the one its data names (projections key by it). */
function accountsOf(event: RecordedEvent): string[] {
  return [event.metadata.accountId, event.data.accountId].filter(
    (accountId): accountId is string => typeof accountId === 'string' && accountId !== '',
  );
}

export function accountReadVersions(
  readModels: Pick<ReadModelSource, 'onApplied'>,
  maxAccounts = MAX_ACCOUNTS,
): AccountReadVersions {
  // One clock for all accounts, never going back: a version once passed is never handed out again.
  let clock = 0;
  // Every account is at least here: moved when the map is emptied, or by an event that names no account.
  let floor = 0;
  const versions = new Map<string, number>();
  const close = readModels.onApplied((events) => {
    clock++;
    if (versions.size >= maxAccounts) {
      versions.clear();
      floor = clock;
    }
    for (const event of events) {
      const accounts = accountsOf(event);
      if (accounts.length === 0) floor = clock;
      for (const accountId of accounts) versions.set(accountId, clock);
    }
  });
  return {
    of: (accountId) => Math.max(versions.get(accountId) ?? 0, floor),
    close,
  };
}
