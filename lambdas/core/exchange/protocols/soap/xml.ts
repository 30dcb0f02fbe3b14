/**
 * The one XML parser SOAP uses: sax (strict, namespace-aware) behind the refusals a SOAP message needs. SOAP 1.1 §3
 * forbids a DTD and processing instructions, so no entity can be declared: only the five predefined entities and
 * character references are read. Sild reads SOAP in UTF-8 only. Only the elements the caller asks for are kept, with
 * their byte spans in the input, so an edit can splice the original bytes; everything else is only checked.
 */
import { parser as saxParser, type QualifiedTag, type SAXOptions, type SAXParser } from 'sax';
import { clientError } from '../../../kernel/errors';

/**
 * Deepest element nesting accepted. Document/literal X-Road payloads nest a few dozen levels at most; 128 leaves
 * ample room while refusing a nesting bomb after reading a few hundred bytes of it.
 */
export const MAX_XML_DEPTH = 128;

/**
 * Most attributes one element may have, namespace declarations included. sax checks each attribute against every
 * earlier one of its element (`attribList.indexOf`), quadratic in their number: 80,000 attributes (790 KB) took
 * 7 s, a 6 MB body of them minutes. SOAP elements carry a handful; the JDK's parsers stop at 10,000
 * (`jdk.xml.elementAttributeLimit`), Sild far earlier.
 */
export const MAX_XML_ATTRIBUTES = 256;

/**
 * sax is fed this many characters at a time, and the attributes of an element still open are counted between
 * chunks: an element closed within one chunk is counted as it opens, so no element costs more than one chunk's
 * worth of attributes (about 3,300) before it is refused.
 */
const CHUNK_CHARACTERS = 16 * 1024;

/** A namespace-qualified name. */
export interface XmlName {
  readonly namespace: string;
  readonly localName: string;
}

/** An attribute other than a namespace declaration. */
export interface XmlAttribute extends XmlName {
  readonly prefix: string;
  readonly value: string;
}

/** A kept element. Offsets are bytes in the parsed input (BOM included). */
export interface XmlElement extends XmlName {
  readonly prefix: string;
  readonly attributes: readonly XmlAttribute[];
  /** The prefixes in scope at this element (`''` is the default namespace), `xml` and `xmlns` left out. */
  readonly namespaces: Readonly<Record<string, string>>;
  /** The kept child elements, in document order. */
  readonly children: readonly XmlElement[];
  /** The element's own character data (CDATA included) when its text is kept, else ''. */
  readonly text: string;
  /** Byte offset of the start tag's `<`. */
  readonly start: number;
  /** Byte offset of the end tag's `<`; `end` for an empty-element tag. */
  readonly contentEnd: number;
  /** Byte offset just after the end tag (or `/>`). */
  readonly end: number;
}

/** What to keep, given the names from the root down to the element (a child is considered only if its parent is kept). */
export interface KeepRules {
  readonly element: (path: readonly XmlName[]) => boolean;
  readonly text: (path: readonly XmlName[]) => boolean;
}

const ALL: KeepRules = { element: () => true, text: () => true };

interface Building extends XmlElement {
  children: XmlElement[];
  text: string;
  contentEnd: number;
  end: number;
  readonly keepText: boolean;
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
// XML 1.0 §2.2 Char: C0 controls other than tab, LF and CR, and U+FFFE/U+FFFF are never allowed.
// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

/**
 * Parses `bytes` as a hardened XML document and returns its root, keeping the elements `keep` selects. Throws
 * `Client.InvalidSoap` for anything refused: invalid UTF-8, a non-UTF-8 declared encoding, a DOCTYPE, a processing
 * instruction, an unknown entity, nesting beyond `MAX_XML_DEPTH`, an element with more than `MAX_XML_ATTRIBUTES`
 * attributes, or XML that is not well-formed.
 */
export function parseXml(bytes: Buffer, keep: KeepRules = ALL): XmlElement {
  const bom = bytes.subarray(0, 3).equals(UTF8_BOM) ? 3 : 0;
  const text = decodeUtf8(bytes.subarray(bom));
  const where = (index: number) => position(text, index);
  const badChar = NOT_XML_CHAR.exec(text);
  if (badChar) throw invalid(`a character not allowed in XML (U+${hex(badChar[0])}) at ${where(badChar.index)}`);

  const offsets = byteOffsets(text, bom);
  // strictEntities: without it sax resolves HTML's named entities (`&nbsp;`) even in strict mode.
  const options: SAXOptions & { strictEntities: boolean } = { xmlns: true, position: true, strictEntities: true };
  const sax = saxParser(true, options);
  const stack: (Building | undefined)[] = [];
  const path: XmlName[] = [];
  let root: XmlElement | undefined;
  const tagStart = (p: SAXParser) => p.startTagPosition - 1; // sax counts from 1

  sax.onerror = (error) => {
    throw invalid(`not well-formed XML: ${error.message.split('\n')[0]} at ${sax.line + 1}:${sax.column}`);
  };
  sax.ondoctype = () => {
    throw invalid(`a DOCTYPE at ${where(tagStart(sax))} (SOAP 1.1 §3: a SOAP message must not contain a DTD)`);
  };
  sax.onsgmldeclaration = () => {
    throw invalid(`a markup declaration at ${where(tagStart(sax))}`);
  };
  sax.onprocessinginstruction = ({ name, body }) => {
    const at = tagStart(sax);
    if (name.toLowerCase() !== 'xml' || at !== 0) {
      throw invalid(`a processing instruction ${quote(name)} at ${where(at)} (SOAP 1.1 §3 forbids them)`);
    }
    const encoding = /\bencoding\s*=\s*(["'])([^"']*)\1/.exec(body)?.[2];
    if (encoding !== undefined && encoding.toLowerCase() !== 'utf-8') {
      throw invalid(`an XML declaration with encoding ${quote(encoding)}: Sild reads SOAP in UTF-8 only`);
    }
  };
  // sax keeps the last of two equal attributes; XML 1.0 §3.1 makes that not well-formed.
  const attributeNames = new Set<string>();
  sax.onopentagstart = () => attributeNames.clear();
  const tooManyAttributes = () => invalid(`an element with more than ${MAX_XML_ATTRIBUTES} attributes at ${where(tagStart(sax))}`);
  sax.onattribute = ({ name }) => {
    if (attributeNames.has(name)) throw invalid(`attribute ${quote(name)} repeated at ${where(tagStart(sax))}`);
    if (attributeNames.size >= MAX_XML_ATTRIBUTES) throw tooManyAttributes();
    attributeNames.add(name);
  };
  sax.onopentag = (node) => {
    const tag = node as QualifiedTag;
    if (stack.length >= MAX_XML_DEPTH) throw invalid(`elements nested deeper than ${MAX_XML_DEPTH} levels at ${where(tagStart(sax))}`);
    // sax does not notice a second root element (XML 1.0 §2.1: exactly one).
    if (stack.length === 0 && root !== undefined) throw invalid(`a second root element at ${where(tagStart(sax))}`);
    const parent = stack[stack.length - 1];
    const name = { namespace: tag.uri, localName: tag.local };
    const kept = (stack.length === 0 || parent !== undefined) && keep.element([...path, name]);
    if (!kept) {
      stack.push(undefined);
      return;
    }
    const start = offsets(tagStart(sax));
    const element: Building = {
      ...name,
      prefix: tag.prefix,
      attributes: attributesOf(tag),
      namespaces: namespacesOf(tag),
      children: [],
      text: '',
      start,
      contentEnd: start,
      end: start,
      keepText: keep.text([...path, name]),
    };
    if (parent) parent.children.push(element);
    else root = element;
    stack.push(element);
    path.push(name);
  };
  sax.onclosetag = () => {
    const element = stack.pop();
    if (!element) return;
    path.pop();
    const after = sax.position;
    const endTag = text.lastIndexOf('<', after - 1);
    element.contentEnd = text.startsWith('</', endTag) ? offsets(endTag) : offsets(after);
    element.end = offsets(after);
  };
  const addText = (data: string) => {
    const top = stack[stack.length - 1];
    if (top?.keepText) top.text += data;
  };
  sax.ontext = addText;
  sax.oncdata = addText;

  // sax keeps the attributes of the element it is reading in `attribList` (not in its typings).
  const pending = sax as unknown as { attribList: readonly unknown[] };
  for (let at = 0; at < text.length; at += CHUNK_CHARACTERS) {
    sax.write(text.slice(at, at + CHUNK_CHARACTERS));
    if (pending.attribList.length > MAX_XML_ATTRIBUTES) throw tooManyAttributes();
  }
  sax.close();
  if (!root) throw invalid('no root element');
  return root;
}

/** Decodes UTF-8 strictly (a malformed sequence is refused, never replaced). */
function decodeUtf8(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw invalid('bytes that are not valid UTF-8: Sild reads SOAP in UTF-8 only');
  }
}

/**
 * Converts UTF-16 indexes of `text` to byte offsets in the input, for indexes asked in ascending order: each call
 * measures only the text since the previous one, so converting every kept element costs one pass over the input.
 */
function byteOffsets(text: string, base: number): (index: number) => number {
  let index = 0;
  let bytes = base;
  return (to) => {
    if (to < index) throw new Error('byte offsets must be asked in document order');
    bytes += Buffer.byteLength(text.slice(index, to));
    index = to;
    return bytes;
  };
}

function attributesOf(tag: QualifiedTag): XmlAttribute[] {
  const seen = new Set<string>();
  const attributes: XmlAttribute[] = [];
  for (const attribute of Object.values(tag.attributes)) {
    if (attribute.prefix === 'xmlns' || attribute.name === 'xmlns') continue;
    // Namespaces in XML §6.3: two attributes may not have the same expanded name either.
    const key = `{${attribute.uri}}${attribute.local}`;
    if (seen.has(key)) throw invalid(`attribute ${quote(attribute.name)} repeated on element ${quote(tag.name)}`);
    seen.add(key);
    attributes.push({ namespace: attribute.uri, localName: attribute.local, prefix: attribute.prefix, value: attribute.value });
  }
  return attributes;
}

function namespacesOf(tag: QualifiedTag): Record<string, string> {
  const namespaces: Record<string, string> = Object.create(null) as Record<string, string>;
  // sax chains each element's bindings to its parent's through the prototype, so `for…in` sees them all.
  for (const prefix in tag.ns) if (prefix !== 'xml' && prefix !== 'xmlns') namespaces[prefix] = tag.ns[prefix];
  return namespaces;
}

/** `line:column` (both from 1) of a UTF-16 index; only computed for an error. */
function position(text: string, index: number): string {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  return `${line}:${index - before.lastIndexOf('\n')}`;
}

/** Up to 64 characters of input, quoted, for an error message. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}

const hex = (character: string) => character.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');

function invalid(what: string) {
  return clientError('InvalidSoap', `The SOAP message is refused: ${what}`);
}
