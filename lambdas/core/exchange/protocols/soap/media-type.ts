/**
 * A Content-Type value read per RFC 9110 §8.3.1: `type/subtype` and `;`-separated parameters whose names are
 * case-insensitive and whose values are tokens or quoted strings.
 */

export interface MediaType {
  /** `type/subtype`, lower-case. */
  readonly type: string;
  /** Parameter name (lower-case) → value (quotes and escapes removed). */
  readonly parameters: ReadonlyMap<string, string>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// An unquoted value should be a token, but senders write boundaries such as `----=_Part_1` unquoted: anything up to
// the next `;` without spaces or quotes is read.
const BARE_VALUE = /^[^\s;"]+$/;

/** Reads a Content-Type value; undefined when it is not one (no `type/subtype`, a broken parameter). */
export function parseMediaType(value: string): MediaType | undefined {
  const semicolon = value.indexOf(';');
  const type = (semicolon < 0 ? value : value.slice(0, semicolon)).trim().toLowerCase();
  const [main, sub, ...rest] = type.split('/');
  if (rest.length > 0 || !TOKEN.test(main ?? '') || !TOKEN.test(sub ?? '')) return undefined;
  const parameters = new Map<string, string>();
  let index = semicolon < 0 ? value.length : semicolon;
  while (index < value.length) {
    index = skipSpace(value, index + 1); // past ';'
    if (index >= value.length) break; // a trailing ';'
    const equals = value.indexOf('=', index);
    if (equals < 0) return undefined;
    const name = value.slice(index, equals).trim().toLowerCase();
    if (!TOKEN.test(name)) return undefined;
    const read = value[equals + 1] === '"' ? quotedString(value, equals + 1) : token(value, equals + 1);
    if (!read) return undefined;
    // RFC 2045 §5.1 does not allow a parameter twice, and readers disagree on which one counts (a second `boundary` or
    // `start` would let the gateway and the service read different messages): not a media type.
    if (parameters.has(name)) return undefined;
    parameters.set(name, read.value);
    index = skipSpace(value, read.next);
    if (index < value.length && value[index] !== ';') return undefined;
  }
  return { type, parameters };
}

function skipSpace(value: string, index: number): number {
  while (index < value.length && (value[index] === ' ' || value[index] === '\t')) index++;
  return index;
}

function token(value: string, from: number): { value: string; next: number } | undefined {
  let end = from;
  while (end < value.length && value[end] !== ';') end++;
  const text = value.slice(from, end).trim();
  return BARE_VALUE.test(text) ? { value: text, next: end } : undefined;
}

function quotedString(value: string, from: number): { value: string; next: number } | undefined {
  let text = '';
  for (let index = from + 1; index < value.length; index++) {
    const character = value[index];
    if (character === '"') return { value: text, next: index + 1 };
    if (character === '\\') index++;
    text += value[index] ?? '';
  }
  return undefined; // no closing quote
}
