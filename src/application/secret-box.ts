// Secrets seatledger must be able to read back (webhook signing secrets: a receiver verifies with the secret itself)
// are stored sealed: AES-256-GCM under SEATLEDGER_SECRET_KEY, a fresh 12-byte nonce each time, the tag checked on
// opening. The sealed form is `v1.<nonce>.<ciphertext>.<tag>` (base64url), so a later key scheme can sit beside it.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface SecretBox {
  seal(plaintext: string): string;
  /** Throws when the sealed text was not sealed under this key or was altered. */
  open(sealed: string): string;
}

export function secretBox(key: Uint8Array): SecretBox {
  if (key.length !== 32) throw new Error('the secret key must be 32 bytes (AES-256)');
  return {
    seal(plaintext) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', nonce, body, cipher.getAuthTag()]
        .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
        .join('.');
    },
    open(sealed) {
      const [version, nonce, body, tag] = sealed.split('.');
      if (version !== 'v1' || nonce === undefined || body === undefined || tag === undefined) {
        throw new Error('not a sealed secret');
      }
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
