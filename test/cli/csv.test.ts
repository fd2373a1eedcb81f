// The RFC 4180 reader of import-users: quotes, embedded commas and line breaks, CRLF, a BOM, and malformed records
// reported with the line they start on.
import { parseCsv } from '../../src/cli/csv';

describe('parseCsv', () => {
  it('reads plain records with their line numbers, skipping blank lines', () => {
    expect(parseCsv('email,name,role\na@x.test,Ann,MEMBER\n\nb@x.test,Bob,ADMIN\n')).toEqual({
      records: [
        { line: 1, fields: ['email', 'name', 'role'] },
        { line: 2, fields: ['a@x.test', 'Ann', 'MEMBER'] },
        { line: 4, fields: ['b@x.test', 'Bob', 'ADMIN'] },
      ],
      problems: [],
    });
  });

  it('reads quoted fields with doubled quotes, commas and line breaks, counting lines inside them', () => {
    const { records } = parseCsv('email,name\r\n"a@x.test","Smith, ""Ann""\r\nJr."\r\nb@x.test,Bob');
    expect(records).toEqual([
      { line: 1, fields: ['email', 'name'] },
      { line: 2, fields: ['a@x.test', 'Smith, "Ann"\r\nJr.'] },
      { line: 4, fields: ['b@x.test', 'Bob'] },
    ]);
  });

  it('drops a UTF-8 byte-order mark and keeps empty fields', () => {
    expect(parseCsv('\ufeffemail,name,role\r\na@x.test,,\r\n').records).toEqual([
      { line: 1, fields: ['email', 'name', 'role'] },
      { line: 2, fields: ['a@x.test', '', ''] },
    ]);
  });

  it('reports a stray quote and an unclosed quote with the line the record starts on, and reads on', () => {
    const { records, problems } = parseCsv(
      'email,name\na@x.test,Ann "A" B\nb@x.test,"Bob"x\nc@x.test,Cat\nd@x.test,"Dan\n',
    );
    expect(records.map((r) => r.line)).toEqual([1, 4]);
    expect(problems).toEqual([
      { line: 2, message: expect.stringMatching(/quote inside an unquoted field/) },
      { line: 3, message: expect.stringMatching(/after a closing quote/) },
      { line: 5, message: expect.stringMatching(/not closed/) },
    ]);
  });
});
