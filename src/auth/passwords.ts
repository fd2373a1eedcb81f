// Password hashing with scrypt (node:crypto): the hash string carries its own parameters and salt. The server hashes
// through a PasswordHasher: bounded by a HashQueue, and verifying an unknown e-mail against a dummy hash of the same
// cost, so a wrong login takes as long whether the e-mail has an account or not.
import { randomBytes, type ScryptOptions, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import type { HashQueue } from './hash-queue';

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCallback(password, salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key))),
  );

// N=2^15, r=8: about 32 MiB and a few tens of ms per hash; OWASP's floor for scrypt is N=2^17 with r=8,p=1
// *or* an equivalent cost; we stay at 2^15 so sign-in stays responsive on a 2-core machine.
const DEFAULTS = { N: 2 ** 15, r: 8, p: 1, keylen: 32 } as const;
const maxmem = 64 * 1024 * 1024;

export const MIN_PASSWORD_LENGTH = 10;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const { N, r, p, keylen } = DEFAULTS;
  const key = await scrypt(password, salt, keylen, { N, r, p, maxmem });
  return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem,
  });
  return timingSafeEqual(actual, expected);
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /**
   * Whether `password` matches `stored`. Without a stored hash (unknown e-mail, no password set yet) it verifies
   * against a dummy hash with the same parameters and answers false: the same work, so the same time.
   */
  verify(password: string, stored: string | undefined): Promise<boolean>;
}

/** Hashing and verifying through `queue`; both may throw RateLimited when the queue is full. */
export function queuedPasswordHasher(queue: HashQueue): PasswordHasher {
  // Made at once, outside the queue: the first unknown e-mail must not pay for it (that would be a timing tell).
  const dummy = hashPassword(randomBytes(16).toString('base64url'));
  // A start-up that never verifies must not report an unhandled rejection; verify awaits it again below.
  dummy.catch(() => undefined);
  return {
    hash: (password) => queue.run(() => hashPassword(password)),
    async verify(password, stored) {
      if (stored !== undefined) return queue.run(() => verifyPassword(password, stored));
      const dummyHash = await dummy;
      await queue.run(() => verifyPassword(password, dummyHash));
      return false;
    },
  };
}
