// The throttle's arithmetic on a clock the test moves: the trigger within the window, the doubling delays and their
// cap, the reset by a success, the per-address window, and running attempts counted against both limits.
// Over HTTP against a real server: test/e2e/throttling.test.ts.
import { HashQueue } from '../../src/auth/hash-queue';
import { RateLimited } from '../../src/auth/rate-limited';
import { DEFAULT_THROTTLE, Throttle } from '../../src/auth/throttle';

const MINUTE = 60_000;

function world(settings = DEFAULT_THROTTLE) {
  let now = 1_000_000;
  const throttle = new Throttle(settings, () => now);
  return {
    throttle,
    advance: (ms: number) => {
      now += ms;
    },
    fail: (key: string | null, address: string | null = null) => throttle.begin(key, address).failed(),
    succeed: (key: string | null, address: string | null = null) => throttle.begin(key, address).succeeded(),
    /** The retry-after of a refusal, or null when an attempt would be let through (and is released unjudged). */
    refusal: (key: string | null, address: string | null = null): number | null => {
      try {
        throttle.begin(key, address).release();
        return null;
      } catch (error) {
        if (error instanceof RateLimited) return error.retryAfterSeconds;
        throw error;
      }
    },
  };
}

describe('Throttle per key', () => {
  it('given 4 failures, then lets the 5th attempt through; after the 5th failure, refuses for 1 s', () => {
    const w = world();
    for (let i = 0; i < 4; i++) w.fail('ann');
    expect(w.refusal('ann')).toBeNull();
    w.fail('ann');
    expect(w.refusal('ann')).toBe(1);
    expect(w.refusal('bob')).toBeNull();
    w.advance(1_000);
    expect(w.refusal('ann')).toBeNull();
  });

  it('given failures spread wider than the window, then never refuses', () => {
    const w = world();
    for (let i = 0; i < 10; i++) {
      w.fail('ann');
      w.advance(4 * MINUTE);
    }
    expect(w.refusal('ann')).toBeNull();
  });

  it('given each delay ends in another failure, then the delay doubles up to 15 minutes', () => {
    const w = world();
    for (let i = 0; i < 5; i++) w.fail('ann');
    const delays: number[] = [];
    for (let i = 0; i < 12; i++) {
      const seconds = w.refusal('ann');
      if (seconds === null) throw new Error('expected a refusal');
      delays.push(seconds);
      w.advance(seconds * 1000);
      w.fail('ann');
    }
    expect(delays).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]);
  });

  it('given a success, then the key starts over', () => {
    const w = world();
    for (let i = 0; i < 6; i++) {
      w.fail('ann');
      w.advance(5_000);
    }
    w.succeed('ann');
    for (let i = 0; i < 4; i++) w.fail('ann');
    expect(w.refusal('ann')).toBeNull();
    w.fail('ann');
    expect(w.refusal('ann')).toBe(1);
  });

  it('given a whole window without a failure, then the delays start over from the first', () => {
    const w = world();
    for (let i = 0; i < 7; i++) {
      w.fail('ann');
      w.advance(5_000);
    }
    w.advance(16 * MINUTE);
    for (let i = 0; i < 5; i++) w.fail('ann');
    expect(w.refusal('ann')).toBe(1);
  });

  it('given parallel attempts, then at most the failures left run at once, and one at a time once delays began', () => {
    const w = world();
    w.fail('ann');
    const running = [1, 2, 3, 4].map(() => w.throttle.begin('ann', null));
    expect(w.refusal('ann')).toBe(1);
    for (const attempt of running) attempt.failed();
    w.advance(1_000);
    const next = w.throttle.begin('ann', null);
    expect(w.refusal('ann')).toBe(1);
    next.release();
    expect(w.refusal('ann')).toBeNull();
  });
});

describe('Throttle per address', () => {
  const settings = { ...DEFAULT_THROTTLE, addressFailures: 3, addressWindowMs: 10 * MINUTE };

  it('given the failures of an address fill its window, then refuses every key until the oldest ages out', () => {
    const w = world(settings);
    w.fail('a@x', '198.51.100.7');
    w.advance(MINUTE);
    w.fail('b@x', '198.51.100.7');
    w.fail(null, '198.51.100.7');
    expect(w.refusal('c@x', '198.51.100.7')).toBe(9 * 60);
    expect(w.refusal('c@x', '198.51.100.8')).toBeNull();
    w.advance(9 * MINUTE);
    expect(w.refusal('c@x', '198.51.100.7')).toBeNull();
  });

  it('given successes from an address, then they neither count nor clear its failures', () => {
    const w = world(settings);
    w.fail('a@x', '198.51.100.7');
    w.fail('b@x', '198.51.100.7');
    w.succeed('c@x', '198.51.100.7');
    expect(w.refusal('d@x', '198.51.100.7')).toBeNull();
    w.fail('d@x', '198.51.100.7');
    expect(w.refusal('e@x', '198.51.100.7')).not.toBeNull();
  });
});

describe('HashQueue', () => {
  it('runs at most `concurrency` jobs at once, in arrival order, and refuses beyond `maxWaiting`', async () => {
    const queue = new HashQueue({ concurrency: 2, maxWaiting: 2 });
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const releases: (() => void)[] = [];
    const job = (n: number) => () =>
      new Promise<number>((resolve) => {
        running += 1;
        peak = Math.max(peak, running);
        order.push(n);
        releases.push(() => {
          running -= 1;
          resolve(n);
        });
      });
    const done = [1, 2, 3, 4].map((n) => queue.run(job(n)));
    await expect(queue.run(job(5))).rejects.toBeInstanceOf(RateLimited);
    expect(queue.queued).toBe(2);
    // Two run; each one finished lets the next waiting one start.
    for (let finished = 0; finished < 4; finished++) {
      await new Promise((resolve) => setImmediate(resolve));
      expect(running).toBeLessThanOrEqual(2);
      releases.shift()?.();
    }
    expect(await Promise.all(done)).toEqual([1, 2, 3, 4]);
    expect(order).toEqual([1, 2, 3, 4]);
    expect(peak).toBe(2);
  });
});
