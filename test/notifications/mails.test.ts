// The licence mails: what they say, in both parts, with every person-supplied value escaped in HTML.
import { escapeHtml, renderLicenseAssignedMail, renderLicenseRevokedMail } from '../../src/notifications/mails';

const ann = { name: 'Ann Lee', email: 'ann@example.com' };
const boss = { name: 'Bo <script>alert(1)</script> & Co', email: 'bo@example.com' };

describe('the licence assigned mail', () => {
  const mail = renderLicenseAssignedMail({
    eventId: '0b8c6f2e-1111-4222-8333-944445555666',
    recipient: ann,
    assigner: boss,
    product: 'VIDEO_MEETING',
    planId: 'video-pro',
    activation: { url: 'https://seats.example/activate?token=u1.abc&x=1', expiresAt: '2030-01-08T10:00:00.000Z' },
    signInUrl: 'https://seats.example',
  });

  it('names product, plan, assigner and login in the plain-text part', () => {
    expect(mail.subject).toBe('You have a Video Meeting licence (Video Meeting Pro)');
    expect(mail.text).toContain('assigned you a Video Meeting licence on the Video Meeting Pro plan');
    expect(mail.text).toContain('Bo <script>alert(1)</script> & Co <bo@example.com>');
    expect(mail.text).toContain('Your login: ann@example.com');
    expect(mail.text).toContain('https://seats.example/activate?token=u1.abc&x=1');
    expect(mail.text).toContain('Tue, 08 Jan 2030 10:00:00 UTC');
  });

  it('escapes everything in the HTML part', () => {
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('Bo &#60;script&#62;alert(1)&#60;/script&#62; &#38; Co &#60;bo@example.com&#62;');
    expect(mail.html).toContain('href="https://seats.example/activate?token=u1.abc&#38;x=1"');
    expect(mail.html).toContain('<html lang="en">');
  });

  it('takes its Message-ID from the event id', () => {
    expect(mail.messageId).toBe('<0b8c6f2e-1111-4222-8333-944445555666@seatledger>');
  });

  it('carries no link once the user has a password', () => {
    const signedIn = renderLicenseAssignedMail({
      eventId: 'e2',
      recipient: ann,
      assigner: null,
      product: 'WEBINAR',
      planId: 'webinar-500',
      activation: null,
      signInUrl: 'https://seats.example',
    });
    expect(signedIn.text).not.toContain('activate');
    expect(signedIn.text).toContain(
      'an administrator of your account assigned you a Webinar licence on the Webinar 500 plan',
    );
    expect(signedIn.text).toContain('Sign in with your password at https://seats.example');
  });

  it('keeps a line break in a name from forging lines', () => {
    const forged = renderLicenseAssignedMail({
      eventId: 'e3',
      recipient: { name: 'Eve\r\nBcc: x@example.com', email: 'eve@example.com' },
      assigner: null,
      product: 'WEBINAR',
      planId: 'webinar-100',
      activation: null,
      signInUrl: 'https://seats.example',
    });
    expect(forged.text).toContain('Hello Eve Bcc: x@example.com,');
  });
});

describe('the licence revoked mail', () => {
  it('names product, plan and the reason', () => {
    const mail = renderLicenseRevokedMail({
      eventId: 'e4',
      recipient: ann,
      product: 'WEBINAR',
      planId: 'webinar-1000',
      reason: 'user <deactivated>',
    });
    expect(mail.subject).toBe('Your Webinar licence was revoked');
    expect(mail.text).toContain('Your Webinar licence (Webinar 1000 plan) was revoked.');
    expect(mail.text).toContain('Reason: user <deactivated>');
    expect(mail.html).toContain('Reason: user &#60;deactivated&#62;');
  });

  it('says nothing of a reason when there is none', () => {
    const mail = renderLicenseRevokedMail({
      eventId: 'e5',
      recipient: ann,
      product: 'WEBINAR',
      planId: 'webinar-100',
      reason: null,
    });
    expect(mail.text).not.toContain('Reason');
  });
});

it('escapes the five HTML metacharacters', () => {
  expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
});
