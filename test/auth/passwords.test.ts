// Password hashes: scrypt with salt, verified in constant time; the plaintext never appears in the hash.

import { newActivationToken, parseActivationToken } from '../../src/application/activation-token';
import { hashPassword, verifyPassword } from '../../src/auth/passwords';

describe('passwords', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).not.toContain('correct horse battery');
    await expect(verifyPassword('correct horse battery', hash)).resolves.toBe(true);
    await expect(verifyPassword('correct horse batterY', hash)).resolves.toBe(false);
  });

  it('salts: the same password hashes differently twice', async () => {
    expect(await hashPassword('same password!')).not.toBe(await hashPassword('same password!'));
  });

  it('refuses a malformed stored hash instead of throwing', async () => {
    await expect(verifyPassword('whatever123', 'plain')).resolves.toBe(false);
  });
});

describe('activation tokens', () => {
  it('round-trips its user and hash, and the hash is not the secret', () => {
    const { token, tokenHash } = newActivationToken('5b1f4a8e-1f7c-4bd0-9c55-0f7d2b7a1e11');
    expect(parseActivationToken(token)).toEqual({ userId: '5b1f4a8e-1f7c-4bd0-9c55-0f7d2b7a1e11', tokenHash });
    expect(token).not.toContain(tokenHash);
  });

  it('refuses what is not of its shape', () => {
    for (const bad of ['', 'abc', '.xyz', 'user.short', `user.${'a'.repeat(43)}!`, `${'u'.repeat(300)}.x`]) {
      expect(parseActivationToken(bad)).toBeNull();
    }
  });
});
