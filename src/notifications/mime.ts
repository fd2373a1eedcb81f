// A mail as the bytes of an `.eml` file (RFC 5322 with MIME): headers, and the text and HTML as a
// multipart/alternative, built in one synchronous pass. The outbox writes one per licence change, and nodemailer's
// composer pushes each through a dozen streams and plugins (its share of the mutation bench's busy loop was as large as
// the append's); our mails are two known text parts, so they are built here with nodemailer's own word and
// quoted-printable encoders, and read back by any mail reader as nodemailer's would be.
import { randomBytes } from 'node:crypto';
import { domainToASCII } from 'node:url';
import addressparser from 'nodemailer/lib/addressparser';
import * as mimeFuncs from 'nodemailer/lib/mime-funcs';
import { encode as encodeQuotedPrintable, wrap as wrapQuotedPrintable } from 'nodemailer/lib/qp';
import type { OutgoingMail } from './transports';

/** What the message is built from: the mail the transports send. */
export type MimeMail = OutgoingMail;

const CRLF = '\r\n';
/** RFC 5322's recommended line length, and RFC 2045's limit for quoted-printable lines. */
const LINE_LENGTH = 76;
/** What nodemailer uses for an encoded word (leaves room for the header's name on its first line). */
const WORD_LENGTH = 52;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

// A boundary must not occur in the parts: random per process, then counted (no call for random bytes per mail).
const BOUNDARY_PREFIX = `--_seatledger-${randomBytes(8).toString('hex')}-`;
let boundaries = 0;

/** The whole message, CRLF line ends. `date` and `boundary` are parameters so that a test can pin the bytes. */
export function buildMimeMessage(
  mail: MimeMail,
  date: Date = new Date(),
  boundary = `${BOUNDARY_PREFIX}${(boundaries++).toString(36)}`,
): Buffer {
  const head = [
    header('From', addressList(mail.from)),
    header('To', addressList(mail.to)),
    header('Subject', unstructured(mail.subject)),
    header('Message-ID', oneLine(mail.messageId)),
    header('Date', date.toUTCString().replace(/GMT/, '+0000')),
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative;${CRLF} boundary="${boundary}"`,
  ];
  return Buffer.from(
    [
      ...head,
      '',
      `--${boundary}`,
      part('text/plain', mail.text),
      `--${boundary}`,
      part('text/html', mail.html),
      `--${boundary}--`,
      '',
    ].join(CRLF),
    'latin1',
  );
}

/** One text part: 7bit when it is short-lined ASCII, else quoted-printable (UTF-8 bytes, soft-wrapped). */
function part(type: 'text/plain' | 'text/html', content: string): string {
  const body = content.replace(/\r\n|\r|\n/g, CRLF);
  const sevenBit = isPlainText(body) && !hasLongerLines(body, LINE_LENGTH);
  // latin1: quoted-printable output is ASCII, and 7bit text is ASCII by definition.
  const encoded = sevenBit ? body : wrapQuotedPrintable(encodeQuotedPrintable(body), LINE_LENGTH);
  return [
    `Content-Type: ${type}; charset=utf-8`,
    `Content-Transfer-Encoding: ${sevenBit ? '7bit' : 'quoted-printable'}`,
    '',
    encoded,
  ].join(CRLF);
}

function header(name: string, value: string): string {
  return foldLines(`${name}: ${value}`, LINE_LENGTH);
}

const oneLine = (value: string) => value.replace(/[\r\n]+/g, ' ');

const { encodeWord, foldLines, hasLongerLines, isPlainText } = mimeFuncs;
// Its fourth argument (missing from the typings), encodeAll: a value with any non-ASCII word is encoded whole, as
// nodemailer does, since some readers drop the space between an encoded word and a plain one.
const encodeWords = mimeFuncs.encodeWords as (value: string, encoding: 'Q', maxLength: number, all: boolean) => string;

/** Free text (Subject): encoded words where it is not plain ASCII; a control character never reaches the header. */
function unstructured(value: string): string {
  return CONTROL.test(value) ? encodeWord(value, 'Q', WORD_LENGTH) : encodeWords(value, 'Q', WORD_LENGTH, true);
}

/** A bare address that needs no parsing (a user's e-mail as the domain checks it): written as it is. */
const PLAIN_ADDRESS = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/;
/** The From of every mail is the same few strings: parsed once each. */
const formatted = new Map<string, string>();
const FORMATTED_KEPT = 64;

/** `Name <address>` lists as nodemailer writes them: names quoted or encoded, domains in their ASCII form. */
function addressList(value: string): string {
  if (PLAIN_ADDRESS.test(value) && DOT_ATOM.test(value.slice(0, value.lastIndexOf('@')))) return value;
  let list = formatted.get(value);
  if (list === undefined) {
    list = parseAddressList(value);
    if (formatted.size >= FORMATTED_KEPT) formatted.clear();
    formatted.set(value, list);
  }
  return list;
}

function parseAddressList(value: string): string {
  return addressparser(value, { flatten: true })
    .filter((entry) => entry.address)
    .map(({ name, address }) => {
      const normalised = normaliseAddress(address);
      return name ? `${displayName(name)} <${normalised}>` : normalised;
    })
    .join(', ');
}

const quoteString = (value: string) => `"${value.replace(/["\\]/g, '\\$&')}"`;

function displayName(name: string): string {
  if (/^[\w ]*$/.test(name)) return name;
  if (/^[\x20-\x7e]*$/.test(name)) return quoteString(name);
  return encodeWord(name, 'Q', WORD_LENGTH);
}

function normaliseAddress(address: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  const clean = address.replace(/[\u0000-\u001f\u007f<>]+/g, ' ').trim();
  const at = clean.lastIndexOf('@');
  if (at < 0) return DOT_ATOM.test(clean) ? clean : quoteString(clean);
  const local = clean.slice(0, at);
  const domain = clean.slice(at + 1);
  // A non-ASCII local part needs SMTPUTF8 anyway, and then the domain stays as written (nodemailer does the same).
  const ascii = /^[\x20-\x7e]*$/.test(local) ? domainToASCII(domain) || domain : domain;
  return `${DOT_ATOM.test(local) ? local : quoteString(local)}@${ascii}`;
}
