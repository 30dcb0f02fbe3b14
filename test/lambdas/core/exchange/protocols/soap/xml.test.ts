import { MAX_XML_DEPTH, parseXml, type XmlElement } from '../../../../../../lambdas/core/exchange/protocols/soap/xml';
import { expectXRoadError } from '../../../../../support/assertions';

const bytes = (text: string) => Buffer.from(text, 'utf8');
const refused = (input: Buffer | string, message: RegExp) => {
  const error = expectXRoadError(() => parseXml(typeof input === 'string' ? bytes(input) : input), 'Client.InvalidSoap', 400);
  expect(error.message).toMatch(message);
  return error;
};

describe('parseXml: what it keeps', () => {
  const text =
    '<?xml version="1.0" encoding="utf-8"?>\n<a:root xmlns:a="urn:a" xmlns="urn:d" a:x="1" y="2"><child>é€<![CDATA[<raw>]]>&amp;&#x1F600;</child><a:leaf/></a:root>';
  const root = parseXml(bytes(text));

  test('names, prefixes, namespaces in scope and attributes with their namespaces', () => {
    expect(root).toMatchObject({ namespace: 'urn:a', localName: 'root', prefix: 'a' });
    expect(root.namespaces).toEqual({ a: 'urn:a', '': 'urn:d' });
    expect(root.attributes).toEqual([
      { namespace: 'urn:a', localName: 'x', prefix: 'a', value: '1' },
      { namespace: '', localName: 'y', prefix: '', value: '2' },
    ]);
    expect(root.children.map((child) => [child.namespace, child.localName])).toEqual([
      ['urn:d', 'child'],
      ['urn:a', 'leaf'],
    ]);
    expect(root.children[0].namespaces).toEqual({ a: 'urn:a', '': 'urn:d' });
  });

  test('text with CDATA and references resolved', () => {
    expect(root.children[0].text).toBe('é€<raw>&😀');
  });

  test('spans are byte offsets of the element, its content end and its end, also after multi-byte characters', () => {
    const input = bytes(text);
    const span = (element: XmlElement) => input.subarray(element.start, element.end).toString('utf8');
    expect(span(root.children[0])).toBe('<child>é€<![CDATA[<raw>]]>&amp;&#x1F600;</child>');
    expect(span(root.children[1])).toBe('<a:leaf/>');
    expect(root.children[1].contentEnd).toBe(root.children[1].end);
    expect(input.subarray(root.contentEnd, root.end).toString()).toBe('</a:root>');
    expect(root.end).toBe(input.length);
  });

  test('a UTF-8 BOM is allowed and counted in the offsets', () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes('<?xml version="1.0"?><r>ü</r>')]);
    const parsed = parseXml(withBom);
    expect(withBom.subarray(parsed.start, parsed.end).toString()).toBe('<r>ü</r>');
  });

  test('only what the rules keep: a skipped element hides its subtree, text only where asked', () => {
    const parsed = parseXml(bytes('<r><keep>t<deep>x</deep></keep><skip><keep/></skip></r>'), {
      element: (path) => path.length === 1 || path[path.length - 1].localName === 'keep',
      text: (path) => path.length === 1,
    });
    expect(parsed.children.map((child) => child.localName)).toEqual(['keep']);
    expect(parsed.children[0].children).toEqual([]);
    expect(parsed.children[0].text).toBe('');
  });

  test('a multi-megabyte body is read in one pass', () => {
    const big = `<r><a>${'<b>ä€ text</b>'.repeat(200_000)}</a><c/></r>`;
    const started = Date.now();
    const parsed = parseXml(bytes(big), { element: (path) => path.length <= 2, text: () => false });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(bytes(big).subarray(parsed.children[1].start, parsed.children[1].end).toString()).toBe('<c/>');
  });
});

describe('parseXml: what it refuses', () => {
  test('a DOCTYPE, also an XXE or a billion-laughs one', () => {
    refused('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', /DOCTYPE at 1:1.*must not contain a DTD/);
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('')}]><lolz>&lol9;</lolz>`;
    refused(laughs, /DOCTYPE/);
  });

  test('an entity that is not predefined, a broken character reference', () => {
    refused('<x>&nbsp;</x>', /not well-formed XML: Invalid character entity at 1:9/);
    refused('<x>&#0;</x>', /Invalid character entity/);
  });

  test('processing instructions, and an XML declaration anywhere but at the start', () => {
    refused('<?xml-stylesheet href="a"?><x/>', /processing instruction "xml-stylesheet" at 1:1/);
    refused('<x><?php echo 1 ?></x>', /processing instruction "php" at 1:4/);
    refused(' <?xml version="1.0"?><x/>', /processing instruction "xml" at 1:2/);
    refused('<?xml version="1.0"?><?xml version="1.0"?><x/>', /processing instruction "xml"/);
  });

  test('a declared encoding other than UTF-8, bytes that are not UTF-8, characters XML does not allow', () => {
    refused('<?xml version="1.0" encoding="ISO-8859-1"?><x/>', /encoding "ISO-8859-1": Sild reads SOAP in UTF-8 only/);
    refused(Buffer.concat([bytes('<x>'), Buffer.from([0xc3, 0x28]), bytes('</x>')]), /not valid UTF-8/);
    refused(Buffer.from([0xff, 0xfe, 0x3c, 0x00, 0x78, 0x00]), /not valid UTF-8/);
    refused('<x>\u0001</x>', /U\+0001\) at 1:4/);
  });

  test('10,000 nested levels fail fast at the depth limit, without a stack overflow', () => {
    const deep = `${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}`;
    const started = Date.now();
    refused(deep, new RegExp(`deeper than ${MAX_XML_DEPTH} levels at 1:${3 * MAX_XML_DEPTH + 1}`));
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(() => parseXml(bytes(`${'<a>'.repeat(MAX_XML_DEPTH)}${'</a>'.repeat(MAX_XML_DEPTH)}`))).not.toThrow();
  });

  test('XML that is not well-formed', () => {
    refused('<x><y></x>', /not well-formed XML/);
    refused('<x/><y/>', /a second root element at 1:5/);
    refused('text<x/>', /not well-formed XML/);
    refused('<x><p:y/></x>', /Unbound namespace prefix/);
    refused('<x a="1" a="2"/>', /attribute "a" repeated/);
    refused('<x xmlns:p="urn:p" xmlns:q="urn:p" p:a="1" q:a="2"/>', /attribute "q:a" repeated/);
    refused('', /no root element/);
    refused('<x>', /not well-formed XML/);
  });

  test('an error never echoes more than 64 characters of input', () => {
    const name = 'n'.repeat(500);
    const error = refused(`<?${name} x?><x/>`, /processing instruction/);
    expect(error.message.length).toBeLessThan(200);
  });
});
