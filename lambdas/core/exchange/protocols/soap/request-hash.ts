/**
 * The `requestHash` header field a provider gateway writes into a service's answer (PR-MESS §2.2): every one the
 * answer already has is removed (the service's must be ignored and replaced) and one is added as the last header
 * field. Only those bytes change; the rest of the SOAP part stays byte for byte, so what the service sent can be
 * told from what the gateway added. (X-Road re-serializes the answer and writes the field after `id`; Sild splices.)
 */
import { isNamed, XROAD_NS } from './namespaces';
import type { XmlElement } from './xml';

/** XML-DSIG's URI for SHA-512, the digest `soapPartDigest` computes. */
export const SHA512_ALGORITHM_ID = 'http://www.w3.org/2001/04/xmlenc#sha512';

/**
 * `soapPart` with its Header's `requestHash` fields replaced by one carrying `digest` (base64). The element uses a
 * prefix bound to the X-Road namespace at the Header, or declares one. `header` must be the parsed Header of
 * `soapPart` with at least one child element (an answer restates the request's fields).
 */
export function withRequestHash(soapPart: Buffer, header: XmlElement, digest: string): Buffer {
  const stale = header.children.filter((field) => isNamed(field, XROAD_NS, 'requestHash'));
  const kept = header.children.filter((field) => !stale.includes(field));
  const last = kept[kept.length - 1];
  if (!last) throw new Error('The answer header has no field to place requestHash after');
  const edits = [
    ...stale.map((field) => ({ start: field.start, end: field.end, text: '' })),
    { start: last.end, end: last.end, text: requestHashElement(header, digest) },
  ];
  edits.sort((a, b) => a.start - b.start);
  const chunks: Buffer[] = [];
  let at = 0;
  for (const edit of edits) {
    chunks.push(soapPart.subarray(at, edit.start), Buffer.from(edit.text, 'utf8'));
    at = edit.end;
  }
  chunks.push(soapPart.subarray(at));
  return Buffer.concat(chunks);
}

/** `<P:requestHash algorithmId="…">digest</P:requestHash>` with P bound at the Header, or a declared `xrd`. */
export function requestHashElement(header: XmlElement, digest: string): string {
  const bound = Object.entries(header.namespaces).find(([, uri]) => uri === XROAD_NS)?.[0];
  const name = bound === undefined ? 'xrd:requestHash' : bound === '' ? 'requestHash' : `${bound}:requestHash`;
  const declaration = bound === undefined ? ` xmlns:xrd="${XROAD_NS}"` : '';
  return `<${name}${declaration} algorithmId="${SHA512_ALGORITHM_ID}">${digest}</${name}>`;
}
