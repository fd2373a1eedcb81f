// The activation page over real HTTP: accessible markup, strict headers, and the token never echoed into the HTML.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleActivatePage } from '../../src/http/activate-page';

let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => handleActivatePage(req, res, { publicUrl: 'https://seats.example' }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const token = 'user-1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

describe('GET /activate?token=…', () => {
  it('serves an HTML page with a labelled password form and a live status region', async () => {
    const response = await fetch(`${base}/activate?token=${token}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toMatch(
      /<label for="password">[^<]+<\/label>\s*<input id="password"[^>]*type="password"[^>]*autocomplete="new-password"/,
    );
    expect(html).toMatch(/<label for="confirm">[^<]+<\/label>\s*<input id="confirm"[^>]*type="password"/);
    expect(html).toContain('minlength="10"');
    expect(html).toContain('<p id="status" role="status" aria-live="polite"></p>');
    expect(html).toContain('activateAccount(input:$input){ token user { email } }');
    expect(html).toContain('This activation link is invalid, used or expired.');
    expect(html).toContain('Your password is set. You can now sign in as ');
  });

  it('never writes the token into the HTML, however it is spelled', async () => {
    const hostile = '"><script>alert(1)</script>';
    for (const t of [token, hostile]) {
      const html = await (await fetch(`${base}/activate?token=${encodeURIComponent(t)}`)).text();
      expect(html).not.toContain(t);
      expect(html).not.toContain(encodeURIComponent(t));
      expect(html).not.toContain('alert(1)');
    }
  });

  it('allows only its own nonce-bearing script and style, and keeps the page out of caches and Referer headers', async () => {
    const first = await fetch(`${base}/activate?token=${token}`);
    const second = await fetch(`${base}/activate?token=${token}`);
    const csp = first.headers.get('content-security-policy') ?? '';
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await first.text();
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(html).toContain(`<style nonce="${nonce}">`);
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(second.headers.get('content-security-policy')).not.toContain(nonce as string);
    expect(first.headers.get('referrer-policy')).toBe('no-referrer');
    expect(first.headers.get('cache-control')).toBe('no-store');
  });

  it('ships a script that parses', async () => {
    const html = await (await fetch(`${base}/activate?token=${token}`)).text();
    const script = /<script nonce="[^"]+">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    expect(script).toContain('addEventListener');
    expect(() => new Function(script)).not.toThrow();
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await fetch(`${base}/activate`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await fetch(`${base}/activate`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});
