// Bearer tokens: local HS256 tokens and OpenID Connect tokens checked against a JWKS this test serves.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { loadOrCreateSecret, localTokens, oidcTokens } from '../../src/auth/tokens';
import { makeTempDir } from '../support/temp-dir';

describe('local tokens', () => {
  const secret = new TextEncoder().encode('a'.repeat(32));
  const tokens = localTokens(secret);

  it('verifies a token it issued and names its user', async () => {
    const token = await tokens.issue('user-1');
    await expect(tokens.verify(token)).resolves.toEqual({ userId: 'user-1' });
  });

  it('refuses a token signed with another secret', async () => {
    const forged = await localTokens(new TextEncoder().encode('b'.repeat(32))).issue('user-1');
    await expect(tokens.verify(forged)).resolves.toBeNull();
  });

  it('refuses an expired token', async () => {
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('user-1')
      .setIssuer('seatledger')
      .setAudience('seatledger-api')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(secret);
    await expect(tokens.verify(expired)).resolves.toBeNull();
  });

  it('refuses an unsigned token (alg: none) and garbage', async () => {
    const unsigned = new UnsecuredJWT({})
      .setSubject('user-1')
      .setIssuer('seatledger')
      .setAudience('seatledger-api')
      .setExpirationTime('1h')
      .encode();
    await expect(tokens.verify(unsigned)).resolves.toBeNull();
    await expect(tokens.verify('not.a.token')).resolves.toBeNull();
    await expect(tokens.verify('')).resolves.toBeNull();
  });

  it('keeps one generated secret in the data dir across starts', () => {
    const { dir, cleanup } = makeTempDir();
    try {
      const first = loadOrCreateSecret(dir);
      expect(first.length).toBe(32);
      expect(Buffer.from(loadOrCreateSecret(dir)).equals(Buffer.from(first))).toBe(true);
    } finally {
      cleanup();
    }
  });
});

describe('OpenID Connect tokens', () => {
  let server: http.Server;
  let jwksUrl: string;
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
    server = http.createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const sign = (claims: Record<string, unknown>, issuer = 'https://idp.test', audience = 'seatledger') =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
      .setSubject('idp-subject-42')
      .setIssuer(issuer)
      .setAudience(audience)
      .setExpirationTime('5m')
      .sign(privateKey);

  it('accepts a token of the provider and gives its subject and verified e-mail', async () => {
    const verifier = oidcTokens({ jwksUrl, issuer: 'https://idp.test', audience: 'seatledger' });
    await expect(verifier.verify(await sign({ email: 'Ann@Example.com', email_verified: true }))).resolves.toEqual({
      userId: 'idp-subject-42',
      email: 'Ann@Example.com',
    });
  });

  it('ignores an unverified e-mail', async () => {
    const verifier = oidcTokens({ jwksUrl, issuer: 'https://idp.test', audience: 'seatledger' });
    await expect(verifier.verify(await sign({ email: 'ann@example.com', email_verified: false }))).resolves.toEqual({
      userId: 'idp-subject-42',
    });
  });

  it('refuses another issuer, another audience and a local HS256 token', async () => {
    const verifier = oidcTokens({ jwksUrl, issuer: 'https://idp.test', audience: 'seatledger' });
    await expect(verifier.verify(await sign({}, 'https://evil.test'))).resolves.toBeNull();
    await expect(verifier.verify(await sign({}, 'https://idp.test', 'other-api'))).resolves.toBeNull();
    const local = await localTokens(new TextEncoder().encode('a'.repeat(32))).issue('user-1');
    await expect(verifier.verify(local)).resolves.toBeNull();
  });
});
