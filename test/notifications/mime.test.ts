// The outbox's `.eml` builder: every mail reads back as nodemailer's own composition of it reads (headers, text, HTML),
// whatever people typed into names and subjects, and nothing they typed can add a header line.
import nodemailer from 'nodemailer';
import { renderLicenseAssignedMail } from '../../src/notifications/mails';
import { buildMimeMessage, type MimeMail } from '../../src/notifications/mime';
import { parseMail } from './support';

const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
const HEADERS = ['from', 'to', 'subject', 'message-id', 'mime-version'];

const assigned = renderLicenseAssignedMail({
  eventId: '0b8c6f2e-1111-4222-8333-944445555666',
  recipient: { name: 'Zoë Ünal', email: 'zoe@example.com' },
  assigner: { name: 'Bo <script> & "Co"', email: 'bo@example.com' },
  product: 'VIDEO_MEETING',
  planId: 'video-pro',
  activation: { url: `https://seats.example/activate?token=${'t'.repeat(90)}`, expiresAt: '2030-01-08T10:00:00.000Z' },
  signInUrl: 'https://seats.example',
});

const mails: Record<string, MimeMail> = {
  'a licence mail with an activation link': {
    ...assigned,
    from: 'seatledger <no-reply@seats.example>',
    to: 'zoe@example.com',
  },
  'plain short ASCII (7bit)': {
    messageId: '<e-1@seatledger>',
    from: 'seatledger <no-reply@seats.example>',
    to: 'ann@example.com',
    subject: 'Your Webinar licence was revoked',
    text: 'Hello Ann,\n\nshort lines only\n',
    html: '<p>Hello Ann,</p>',
  },
  'non-ASCII, long lines, "=", trailing spaces, a lone dot and "From "': {
    messageId: '<e-2@seatledger>',
    from: 'Zoë "the" admin <no-reply@jõgeva.ee>',
    to: 'bob.o@example.com',
    subject: `Vidéo ${'long '.repeat(30)}`,
    text: `x= y  \n.\nFrom me\r\n${'w'.repeat(200)}\n\n`,
    html: `<p>é</p>\n${'a'.repeat(300)}`,
  },
  'a name with specials': {
    messageId: '<e-3@seatledger>',
    from: 'Ops, Inc. (EU) <ops@seats.example>',
    to: 'Ann Lee <ann@example.com>',
    subject: 'A subject: with; specials, "quotes" and \\ backslash',
    text: 'text',
    html: '<b>html</b>',
  },
};

describe('the outbox mail builder', () => {
  it.each(Object.entries(mails))('reads back as nodemailer’s composition does: %s', async (_name, mail) => {
    const ours = parseMail(buildMimeMessage(mail).toString('utf8'));
    const theirs = parseMail(((await composer.sendMail({ ...mail })).message as Buffer).toString('utf8'));
    for (const header of HEADERS) expect([header, ours.header(header)]).toEqual([header, theirs.header(header)]);
    expect(ours.text).toBe(theirs.text);
    expect(ours.html).toBe(theirs.html);
    // And as sent: text with CRLF line ends, both parts whole.
    expect(ours.text.replace(/\r\n/g, '\n')).toBe(mail.text.replace(/\r\n/g, '\n'));
    expect(ours.html.replace(/\r\n/g, '\n')).toBe(mail.html);
  });

  it('writes lines of at most 78 characters, CRLF-terminated, in ASCII', () => {
    for (const mail of Object.values(mails)) {
      const raw = buildMimeMessage(mail).toString('latin1');
      expect(raw).not.toMatch(/[\u0080-\uffff]/);
      expect(raw).not.toMatch(/[^\r]\n/);
      for (const line of raw.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
    }
  });

  it('keeps a line break in a subject or an address from forging a header', () => {
    const raw = buildMimeMessage({
      ...mails['plain short ASCII (7bit)'],
      subject: 'Hi\r\nBcc: victim@example.com',
      to: 'ann@example.com\r\nX-Injected: 1',
    } as MimeMail).toString('latin1');
    const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
    expect(head).not.toMatch(/^Bcc:/m);
    expect(head).not.toMatch(/^X-Injected:/m);
    expect(parseMail(raw).header('subject')).toBe('Hi\r\nBcc: victim@example.com');
  });

  it('pins Date and boundary when given, and picks a fresh boundary otherwise', () => {
    const mail = mails['plain short ASCII (7bit)'] as MimeMail;
    const at = new Date('2030-01-08T10:00:00.000Z');
    const raw = buildMimeMessage(mail, at, '--_b').toString('latin1');
    expect(raw).toContain('Date: Tue, 08 Jan 2030 10:00:00 +0000\r\n');
    expect(raw).toContain('boundary="--_b"');
    expect(raw.endsWith('\r\n----_b--\r\n')).toBe(true);
    const boundary = (raw: string) => /boundary="([^"]+)"/.exec(raw)?.[1];
    expect(boundary(buildMimeMessage(mail).toString())).not.toBe(boundary(buildMimeMessage(mail).toString()));
  });
});
