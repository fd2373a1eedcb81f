// Text from the log made safe to print on a terminal. Events written before control characters were refused at
// input (or by another writer) may hold them, and an ESC sequence in a name would rewrite an auditor's screen:
// each control character is shown as its JSON escape instead (ESC as \u001b), visibly and without effect.

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is escaped.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

/** C0 (tab and line breaks included), DEL and C1 (NEL, CSI …) as `\uXXXX`; every other character as it is. */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL_CHARACTERS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
