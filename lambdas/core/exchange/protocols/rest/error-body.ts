/**
 * Reading an X-Road REST error answer's body as a client would: its `type` (JSON member, or each `<type>` element of
 * the XML form, whatever the `Content-Type` says — a client may sniff) and its `message`.
 */

/** The types and message an X-Road error body states. */
export function readErrorBody(body: Buffer): { types: string[]; message?: string } {
  const text = body.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {
      types: [...text.matchAll(/<(?:[\w.-]+:)?type(?:\s[^>]*)?>([\s\S]*?)<\/(?:[\w.-]+:)?type\s*>/g)].map(([, content]) => xmlText(content).trim()),
    };
  }
  if (typeof parsed !== 'object' || parsed === null) return { types: [] };
  const { type, message } = parsed as { type?: unknown; message?: unknown };
  return { types: 'type' in parsed ? [String(type)] : [], ...(typeof message === 'string' ? { message: message.slice(0, 256) } : {}) };
}

const XML_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Element content as text: CDATA sections unwrapped, character and predefined entity references decoded. */
function xmlText(content: string): string {
  return content
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')
    .replace(/&(?:#x([0-9a-f]+)|#(\d+)|(\w+));/gi, (whole, hex: string | undefined, decimal: string | undefined, name: string | undefined) =>
      (hex ?? decimal) ? String.fromCodePoint(Math.min(parseInt(hex ?? decimal!, hex ? 16 : 10), 0x10ffff)) : (XML_ENTITIES[name!] ?? whole),
    );
}
