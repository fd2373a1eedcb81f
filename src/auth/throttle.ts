// Throttling of guesses at a secret (a password, an activation token, later an invitation token), one instance per
// kind of secret. Per key (the e-mail signing in, known or not; the pending user an activation token names): after
// `failures` failures within `windowMs`, every attempt, the right one included, is refused for a delay that starts at
// `firstDelayMs` and doubles with each further failure up to `maxDelayMs`; a success resets the key. Per client
// address: at most `addressFailures` failures within `addressWindowMs`.
// Attempts still running count against both limits until they end, so a burst of parallel guesses cannot all start
// before the first of them has failed. In memory, per process: two instances each count their own.
import { RateLimited } from './rate-limited';

export interface ThrottleSettings {
  /** Failures of one key within `windowMs` that start the delays. */
  readonly failures: number;
  readonly windowMs: number;
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  /** Failures from one client address within `addressWindowMs` after which it is refused until the oldest ages out. */
  readonly addressFailures: number;
  readonly addressWindowMs: number;
}

/** issue 15's figures: 5 failures in 15 minutes, then 1 s doubling up to 15 minutes; 100 failures per address in 10. */
export const DEFAULT_THROTTLE: ThrottleSettings = {
  failures: 5,
  windowMs: 15 * 60_000,
  firstDelayMs: 1_000,
  maxDelayMs: 15 * 60_000,
  addressFailures: 100,
  addressWindowMs: 10 * 60_000,
};

/** One attempt let through: report how it ended (once); `release` alone ends it without judging the secret. */
export interface Attempt {
  failed(): void;
  succeeded(): void;
  /** Ends the attempt if neither `failed` nor `succeeded` did (bad input, our own failure): call it in `finally`. */
  release(): void;
}

interface KeyState {
  /** Failure times within the window, oldest first; no more kept than the trigger needs. */
  recent: number[];
  /** Delays imposed since this run of failures reached the limit: the next one is `firstDelayMs * 2 ** level`. */
  level: number;
  lastFailureAt: number;
  lockedUntil: number;
  inFlight: number;
}

interface AddressState {
  recent: number[];
  inFlight: number;
}

// Keys an attacker can mint freely (unknown e-mails, addresses of a large IPv6 prefix): the maps forget the oldest
// idle entries beyond this, so memory stays bounded; the per-address limit makes minting keys slow from one address.
const DEFAULT_CAPACITY = 100_000;
// Entries looked at per attempt for expiry: the oldest are the likeliest to have expired (maps keep touch order).
const SWEEP_PER_ATTEMPT = 2;
// 2 ** 40 ms is decades: doubling further only risks overflowing to Infinity.
const MAX_LEVEL = 40;

export class Throttle {
  private readonly keys = new Map<string, KeyState>();
  private readonly addresses = new Map<string, AddressState>();

  constructor(
    readonly settings: ThrottleSettings = DEFAULT_THROTTLE,
    private readonly now: () => number = Date.now,
    private readonly capacity = DEFAULT_CAPACITY,
  ) {
    for (const [name, value] of Object.entries(settings)) {
      if (!Number.isFinite(value) || value < 1) throw new RangeError(`throttle setting ${name} must be ≥ 1`);
    }
  }

  /**
   * Lets one attempt through or throws RateLimited. `key` null: nothing names whose secret is guessed (a token of no
   * shape we issue), so only the address counts; `address` null: no client address is known (not over HTTP).
   */
  begin(key: string | null, address: string | null): Attempt {
    const at = this.now();
    this.sweep(at);
    const keyState = key === null ? undefined : this.keyState(key, at);
    const addressState = address === null ? undefined : this.addressState(address, at);
    if (keyState) this.checkKey(keyState, at);
    if (addressState) this.checkAddress(addressState, at);

    if (keyState && key !== null) {
      keyState.inFlight += 1;
      this.keys.set(key, keyState);
    }
    if (addressState && address !== null) {
      addressState.inFlight += 1;
      this.addresses.set(address, addressState);
    }
    this.evictBeyondCapacity();

    let ended = false;
    const end = (outcome: 'failed' | 'succeeded' | 'released') => {
      if (ended) return;
      ended = true;
      const endedAt = this.now();
      if (keyState) {
        keyState.inFlight -= 1;
        if (outcome === 'failed') this.keyFailed(keyState, endedAt);
        if (outcome === 'succeeded') this.keySucceeded(keyState);
        if (key !== null) this.touch(this.keys, key, keyState);
      }
      if (addressState) {
        addressState.inFlight -= 1;
        if (outcome === 'failed') {
          addressState.recent.push(endedAt);
          if (addressState.recent.length > this.settings.addressFailures) addressState.recent.shift();
        }
        if (address !== null) this.touch(this.addresses, address, addressState);
      }
    };
    return { failed: () => end('failed'), succeeded: () => end('succeeded'), release: () => end('released') };
  }

  private keyState(key: string, at: number): KeyState {
    const state = this.keys.get(key) ?? { recent: [], level: 0, lastFailureAt: 0, lockedUntil: 0, inFlight: 0 };
    state.recent = state.recent.filter((t) => t > at - this.settings.windowMs);
    // A run of failures ends when a whole window passes without one: the delays start over from the first.
    if (at - state.lastFailureAt > this.settings.windowMs) state.level = 0;
    return state;
  }

  private addressState(address: string, at: number): AddressState {
    const state = this.addresses.get(address) ?? { recent: [], inFlight: 0 };
    state.recent = state.recent.filter((t) => t > at - this.settings.addressWindowMs);
    return state;
  }

  private checkKey(state: KeyState, at: number): void {
    if (state.lockedUntil > at) throw new RateLimited(state.lockedUntil - at);
    // Once delays have started, one attempt at a time: each may earn the next, longer delay.
    const allowed = state.level > 0 ? 1 : this.settings.failures - state.recent.length;
    if (state.inFlight >= allowed) throw new RateLimited(this.settings.firstDelayMs);
  }

  private checkAddress(state: AddressState, at: number): void {
    const { addressFailures, addressWindowMs } = this.settings;
    if (state.recent.length + state.inFlight < addressFailures) return;
    const oldest = state.recent[0];
    // Full of failures: free again when the oldest leaves the window; full of running attempts: almost at once.
    throw new RateLimited(
      state.recent.length >= addressFailures && oldest !== undefined ? oldest + addressWindowMs - at : 1_000,
    );
  }

  private keyFailed(state: KeyState, at: number): void {
    const { failures, windowMs, firstDelayMs, maxDelayMs } = this.settings;
    state.recent = state.recent.filter((t) => t > at - windowMs);
    if (at - state.lastFailureAt > windowMs) state.level = 0;
    state.recent.push(at);
    if (state.recent.length > failures) state.recent.shift();
    state.lastFailureAt = at;
    if (state.level > 0 || state.recent.length >= failures) {
      state.lockedUntil = at + Math.min(firstDelayMs * 2 ** state.level, maxDelayMs);
      state.level = Math.min(state.level + 1, MAX_LEVEL);
    }
  }

  private keySucceeded(state: KeyState): void {
    state.recent = [];
    state.level = 0;
    state.lastFailureAt = 0;
    state.lockedUntil = 0;
  }

  /** Re-inserts an entry so the maps stay in touch order, or drops it when it holds nothing worth keeping. */
  private touch<S extends { recent: number[]; inFlight: number }>(map: Map<string, S>, name: string, state: S): void {
    map.delete(name);
    const lockedUntil = (state as Partial<KeyState>).lockedUntil ?? 0;
    if (state.inFlight > 0 || state.recent.length > 0 || lockedUntil > this.now()) map.set(name, state);
  }

  /** Drops the oldest entries once nothing in them counts any more. */
  private sweep(at: number): void {
    const { windowMs, addressWindowMs } = this.settings;
    sweepOldest(this.keys, (s) => s.inFlight === 0 && s.lockedUntil <= at && at - s.lastFailureAt > windowMs);
    sweepOldest(this.addresses, (s) => s.inFlight === 0 && s.recent.every((t) => t <= at - addressWindowMs));
  }

  private evictBeyondCapacity(): void {
    evictIdle(this.keys, this.capacity);
    evictIdle(this.addresses, this.capacity);
  }
}

function sweepOldest<S>(map: Map<string, S>, expired: (state: S) => boolean): void {
  let looked = 0;
  for (const [name, state] of map) {
    if (looked++ >= SWEEP_PER_ATTEMPT || !expired(state)) return;
    map.delete(name);
  }
}

function evictIdle<S extends { inFlight: number }>(map: Map<string, S>, capacity: number): void {
  if (map.size <= capacity) return;
  for (const [name, state] of map) {
    if (state.inFlight > 0) continue;
    map.delete(name);
    if (map.size <= capacity) return;
  }
}
