// A small RFC 4180 reader for `import-users` (no CSV package is installed): quoted fields with doubled quotes,
// commas and line breaks inside quotes, CRLF or LF line ends, a UTF-8 byte-order mark. A record that breaks the
// format is reported with the line it starts on instead of guessed at.

export interface CsvRecord {
  /** The line the record starts on, from 1 (the header's). */
  readonly line: number;
  readonly fields: readonly string[];
}

export interface CsvProblem {
  readonly line: number;
  readonly message: string;
}

export interface ParsedCsv {
  readonly records: readonly CsvRecord[];
  readonly problems: readonly CsvProblem[];
}

export function parseCsv(input: string): ParsedCsv {
  const text = input.startsWith('\ufeff') ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  const problems: CsvProblem[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    let problem: string | null = null;
    // One record: fields until a line end outside quotes, or the end of the text.
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= text.length) {
            problem ??= 'a quoted field is not closed';
            break;
          }
          const c = text[i] as string;
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        // After the closing quote only a separator or a line end may follow.
        if (i < text.length && text[i] !== ',' && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) {
          problem ??= 'text after a closing quote (a quote inside a field must be doubled)';
          while (i < text.length && text[i] !== ',' && text[i] !== '\n') i++;
        }
      } else {
        while (i < text.length && text[i] !== ',' && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) {
          if (text[i] === '"') problem ??= 'a quote inside an unquoted field (quote the whole field)';
          field += text[i];
          i++;
        }
      }
      fields.push(field);
      if (text[i] === ',') {
        i++;
        continue;
      }
      // A line end (CRLF or LF) or the end of the text closes the record.
      if (text[i] === '\r') i++;
      if (text[i] === '\n') {
        i++;
        line++;
      }
      break;
    }
    if (problem) problems.push({ line: start, message: problem });
    // A blank line is no record.
    else if (!(fields.length === 1 && fields[0] === '')) records.push({ line: start, fields });
  }
  return { records, problems };
}
