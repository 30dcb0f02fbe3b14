/**
 * Text for a terminal from values the CLI did not write itself: ids, paths and messages that came from a request, a
 * peer gateway's answer or an evidence file. A terminal acts on what it is sent — ESC and CSI sequences recolour,
 * move the cursor, rewrite earlier lines or set the window title; bidirectional overrides and line breaks make one
 * row read as another — so every such character is shown as a visible escape instead, the way a reader can tell
 * apart from anything printable.
 */

/**
 * Control (C0, DEL, C1), format (bidi overrides, zero-width), private-use, unassigned and lone-surrogate code points,
 * line and paragraph separators, and the spaces that are not U+0020 (they align columns falsely).
 */
const NON_PRINTABLE = /[\p{C}\p{Zl}\p{Zp}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/gu;

/** `\xHH` below U+0100, else `\u{HHHH}`. */
function visibleEscape(character: string): string {
  const code = character.codePointAt(0)!;
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/**
 * One value as a single printable line: every non-printable character (line breaks and tabs included) as a visible
 * escape, and `\` doubled so that an escape the value itself spells out cannot pass for one made here.
 */
export function printable(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(NON_PRINTABLE, visibleEscape);
}

/**
 * A whole line of CLI output (the last guard, at the process's stdout and stderr): the same escapes, but line breaks
 * and backslashes kept — the output may be a multi-line document, and values in it were escaped where they were put.
 */
export function terminalSafe(text: string): string {
  return text.replace(NON_PRINTABLE, (character) => (character === '\n' ? character : visibleEscape(character)));
}

/**
 * A JSON document for a terminal, indented: the same characters as `\uXXXX` escapes, so the text stays valid JSON that
 * parses to exactly the same value (JSON.stringify escapes only U+0000–U+001F; the line breaks left are its indentation).
 */
export function printableJson(value: unknown): string {
  const unitEscape = (unit: number) => `\\u${unit.toString(16).padStart(4, '0')}`;
  // A code point above U+FFFF is two UTF-16 units, each escaped (JSON has no wider escape).
  return JSON.stringify(value, null, 2).replace(NON_PRINTABLE, (character) =>
    character === '\n' ? character : Array.from({ length: character.length }, (_, index) => unitEscape(character.charCodeAt(index))).join(''),
  );
}
