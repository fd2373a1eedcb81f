// Specs of the idempotency key decider: claim a free key, answer a used one, wait for a live claim, refuse another
// input, take over an orphaned claim; completion and release only by the claim they belong to.
import { IdempotencyKeyReused, InvalidInput } from '../../src/domain/errors';
import {
  type ClaimIdempotencyKey,
  type CompleteIdempotencyKey,
  type IdempotencyKeyClaimed,
  type IdempotencyKeyCompleted,
  type IdempotencyKeyReleased,
  idempotencyDecider,
  keyOutcome,
  ORPHANED_CLAIM_MS,
  type ReleaseIdempotencyKey,
  validIdempotencyKey,
} from '../../src/domain/idempotency';
import { given } from '../support/given';
import { by, NOW, owner } from './fixtures';

const HASH = 'a'.repeat(64);
const OTHER_HASH = 'b'.repeat(64);
const TARGET = 'subscription-acc-1-WEBINAR';

const claimed = (claimId: string, ageMs: number, inputHash = HASH): IdempotencyKeyClaimed => ({
  type: 'IdempotencyKeyClaimed',
  data: { inputHash, claimId, stream: TARGET, fromRevision: 3 },
  metadata: { occurredAt: new Date(NOW.getTime() - ageMs).toISOString() },
});
const completed = (position = '0000000000000042', inputHash = HASH): IdempotencyKeyCompleted => ({
  type: 'IdempotencyKeyCompleted',
  data: { inputHash, position },
});
const released = (inputHash = HASH): IdempotencyKeyReleased => ({
  type: 'IdempotencyKeyReleased',
  data: { inputHash, code: 'PLAN_MISMATCH' },
});

const claim = (claimId: string, inputHash = HASH): ClaimIdempotencyKey => ({
  type: 'ClaimIdempotencyKey',
  data: { inputHash, claimId, stream: TARGET, fromRevision: 3 },
  metadata: by(owner),
});
const complete = (claimId: string, position = '0000000000000042'): CompleteIdempotencyKey => ({
  type: 'CompleteIdempotencyKey',
  data: { claimId, position },
  metadata: by(owner),
});
const release = (claimId: string): ReleaseIdempotencyKey => ({
  type: 'ReleaseIdempotencyKey',
  data: { claimId, code: 'NO_SEATS_AVAILABLE' },
  metadata: by(owner),
});

describe('idempotency key decider', () => {
  describe('claim', () => {
    it('claims a free key', () => {
      given(idempotencyDecider)
        .when(claim('c1'))
        .then([{ type: 'IdempotencyKeyClaimed', data: claim('c1').data }]);
    });

    it('claims a key released before (its operation was refused)', () => {
      given(idempotencyDecider, claimed('c1', 10), released())
        .when(claim('c2'))
        .then([{ type: 'IdempotencyKeyClaimed', data: claim('c2').data }]);
    });

    it('records nothing while a live claim holds the key with the same input: the caller waits', () => {
      given(idempotencyDecider, claimed('c1', ORPHANED_CLAIM_MS)).when(claim('c2')).then([]);
    });

    it('records nothing for a used key with the same input: the caller answers its first result', () => {
      given(idempotencyDecider, claimed('c1', 10), completed()).when(claim('c2')).then([]);
    });

    it('refuses another input on a used key or a live claim: IDEMPOTENCY_KEY_REUSED', () => {
      given(idempotencyDecider, claimed('c1', 10), completed())
        .when(claim('c2', OTHER_HASH))
        .thenThrows(IdempotencyKeyReused, /different input/);
      given(idempotencyDecider, claimed('c1', 10)).when(claim('c2', OTHER_HASH)).thenThrows(IdempotencyKeyReused);
    });

    it('takes over a claim older than ORPHANED_CLAIM_MS, whatever its input (its claimer died)', () => {
      given(idempotencyDecider, claimed('dead', ORPHANED_CLAIM_MS + 1, OTHER_HASH))
        .when(claim('c2'))
        .then([{ type: 'IdempotencyKeyClaimed', data: claim('c2').data }]);
    });
  });

  describe('complete and release', () => {
    it('completes its own claim with the position of what it wrote', () => {
      given(idempotencyDecider, claimed('c1', 10))
        .when(complete('c1', '0000000000000099'))
        .then([{ type: 'IdempotencyKeyCompleted', data: { inputHash: HASH, position: '0000000000000099' } }]);
    });

    it('leaves a claim taken over, or already completed, as it is', () => {
      given(idempotencyDecider, claimed('dead', ORPHANED_CLAIM_MS + 1), claimed('c2', 0))
        .when(complete('dead'))
        .then([]);
      given(idempotencyDecider, claimed('c1', 10), completed()).when(complete('c1')).then([]);
      given(idempotencyDecider).when(release('c1')).then([]);
    });

    it('releases its own claim with the refusal’s code', () => {
      given(idempotencyDecider, claimed('c1', 10))
        .when(release('c1'))
        .then([{ type: 'IdempotencyKeyReleased', data: { inputHash: HASH, code: 'NO_SEATS_AVAILABLE' } }]);
    });
  });

  describe('what a request finds', () => {
    const fold = (...events: Parameters<typeof idempotencyDecider.evolve>[1][]) =>
      events.reduce(idempotencyDecider.evolve, idempotencyDecider.initialState());

    it('free, done, pending or orphaned', () => {
      expect(keyOutcome(fold(), HASH, NOW)).toEqual({ kind: 'free' });
      expect(keyOutcome(fold(claimed('c1', 10), completed('0000000000000007')), HASH, NOW)).toEqual({
        kind: 'done',
        position: '0000000000000007',
        // The claim stays known, so a repeat can read the first write's event back.
        claim: { claimId: 'c1', stream: TARGET, fromRevision: 3 },
      });
      expect(keyOutcome(fold(claimed('c1', 10)), HASH, NOW)).toEqual({ kind: 'pending' });
      expect(keyOutcome(fold(claimed('c1', ORPHANED_CLAIM_MS + 1)), OTHER_HASH, NOW)).toMatchObject({
        kind: 'orphaned',
        claim: { claimId: 'c1', stream: TARGET, fromRevision: 3 },
      });
    });

    it('a claim whose time the log did not say is never an orphan', () => {
      const { metadata: _unknown, ...withoutTime } = claimed('c1', ORPHANED_CLAIM_MS * 100);
      expect(keyOutcome(fold(withoutTime), HASH, NOW)).toEqual({ kind: 'pending' });
    });
  });

  it('a key is 1 to 200 printable characters', () => {
    expect(validIdempotencyKey('order-4711')).toBe('order-4711');
    expect(() => validIdempotencyKey('')).toThrow(InvalidInput);
    expect(() => validIdempotencyKey('x'.repeat(201))).toThrow(InvalidInput);
    expect(() => validIdempotencyKey('a\nb')).toThrow(InvalidInput);
  });
});
