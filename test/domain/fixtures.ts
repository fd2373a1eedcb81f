// Actors and a fixed clock for the decider specs.
import type { Actor, CommandMetadata, Role } from '../../src/domain/decider';

export const ACCOUNT = 'acc-1';
export const OTHER_ACCOUNT = 'acc-2';
export const NOW = new Date('2025-01-02T03:04:05.000Z');

export const actor = (role: Role, userId = `${role.toLowerCase()}-1`, accountId = ACCOUNT): Actor => ({
  userId,
  accountId,
  role,
});

export const by = (who: Actor): CommandMetadata => ({ actor: who, now: NOW });

export const owner = actor('OWNER', 'owner-1');
export const admin = actor('ADMIN', 'admin-1');
export const member = actor('MEMBER', 'member-1');
export const otherOwner = actor('OWNER', 'owner-9', OTHER_ACCOUNT);
