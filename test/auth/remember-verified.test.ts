// rememberVerified: a valid token is checked once and trusted until it expires (at most maxAgeMs); refusals are never
// remembered. Runs over the real local token signer and verifier.
import { rememberVerified } from '../../src/auth/remember-verified';
import { localTokens, type TokenVerifier } from '../../src/auth/tokens';

const secret = new TextEncoder().encode('remember-verified-test-secret-0123456789');

function counting(verifier: TokenVerifier): TokenVerifier & { calls: number } {
  const counted = {
    calls: 0,
    verify(token: string) {
      counted.calls++;
      return verifier.verify(token);
    },
  };
  return counted;
}

describe('rememberVerified', () => {
  it('verifies a valid token once, then answers the same subject from memory', async () => {
    const tokens = localTokens(secret);
    const inner = counting(tokens);
    const verifier = rememberVerified(inner);
    const token = await tokens.issue('user-1');

    expect(await verifier.verify(token)).toEqual({ userId: 'user-1' });
    expect(await verifier.verify(token)).toEqual({ userId: 'user-1' });
    expect(inner.calls).toBe(1);
  });

  it('checks again once the token has expired, and then refuses it', async () => {
    const tokens = localTokens(secret, 2);
    const inner = counting(tokens);
    let clock = Date.now();
    const verifier = rememberVerified(inner, { now: () => clock });
    const token = await tokens.issue('user-2');
    expect(await verifier.verify(token)).toEqual({ userId: 'user-2' });

    clock += 3_000;
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect(await verifier.verify(token)).toBeNull();
    expect(inner.calls).toBe(2);
  });

  it('trusts a verification for maxAgeMs at most, even for a long-lived token', async () => {
    const tokens = localTokens(secret);
    const inner = counting(tokens);
    let clock = Date.now();
    const verifier = rememberVerified(inner, { now: () => clock, maxAgeMs: 1_000 });
    const token = await tokens.issue('user-3');
    await verifier.verify(token);
    clock += 500;
    await verifier.verify(token);
    expect(inner.calls).toBe(1);
    clock += 600;
    expect(await verifier.verify(token)).toEqual({ userId: 'user-3' });
    expect(inner.calls).toBe(2);
  });

  it('never remembers a refusal', async () => {
    const inner = counting(localTokens(secret));
    const verifier = rememberVerified(inner);
    const forged = await localTokens(new TextEncoder().encode('another-secret-entirely-0123456789abc')).issue('user-4');
    expect(await verifier.verify(forged)).toBeNull();
    expect(await verifier.verify(forged)).toBeNull();
    expect(await verifier.verify('not.a.jwt')).toBeNull();
    expect(inner.calls).toBe(3);
  });

  it('keeps at most `max` tokens, dropping the oldest', async () => {
    const tokens = localTokens(secret);
    const inner = counting(tokens);
    const verifier = rememberVerified(inner, { max: 2 });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((id) => tokens.issue(id)));
    for (const token of [a, b, c]) await verifier.verify(token as string);
    expect(inner.calls).toBe(3);
    await verifier.verify(c as string);
    await verifier.verify(b as string);
    expect(inner.calls).toBe(3);
    await verifier.verify(a as string);
    expect(inner.calls).toBe(4);
  });
});
