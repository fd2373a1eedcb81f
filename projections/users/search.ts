// How a search string becomes an index lookup: trigram substring match from three characters, a prefix range below.

type UserSearch =
  | { readonly kind: 'all' }
  /** An FTS5 phrase: the trigram tokenizer matches it as a case- and accent-insensitive substring. */
  | { readonly kind: 'substring'; readonly match: string }
  /** Too short for trigrams: lowercase names or e-mails starting with `low`, as an index range [low, high). */
  | { readonly kind: 'prefix'; readonly low: string; readonly high: string };

export function userSearch(search: string | null | undefined): UserSearch {
  // FTS5 reads its query as a C string: a NUL would cut the quoted phrase short and fail the statement. No stored
  // name or e-mail is searched for by a NUL, so it is dropped.
  const term = (search ?? '').replaceAll('\u0000', '').trim();
  if (term === '') return { kind: 'all' };
  if ([...term].length >= 3) return { kind: 'substring', match: `"${term.replaceAll('"', '""')}"` };
  const low = term.toLowerCase();
  // U+10FFFF is the greatest character: every string that starts with `low` sorts below low + it.
  return { kind: 'prefix', low, high: `${low}\u{10FFFF}` };
}
