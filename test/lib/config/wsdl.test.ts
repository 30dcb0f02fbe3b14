/**
 * What a valid WSDL is for a SOAP service (`lib/config/wsdl.ts`), and that synth and `npm start` refuse any other
 * (`validateServiceDescriptions`), naming the service's `wsdl` field and each reason.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../../../lib/config/ecosystem-config';
import { validateServiceDescriptions } from '../../../lib/config/service-descriptions';
import { wsdlProblems } from '../../../lib/config/wsdl';
import { configWith, ROOT } from '../../support/synth';

const DEMO = readFileSync(path.join(ROOT, 'config', 'population-registry.wsdl'), 'utf8');
const GET_PERSON = { code: 'getPerson', version: 'v1' };

/** A small WSDL 1.1 document: `binding` is the binding element's content, `service` the service element's. */
function wsdl({
  binding = '<soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/><wsdl:operation name="getPerson"><xrd:version>v1</xrd:version></wsdl:operation>',
  service = '<wsdl:port name="p" binding="tns:b"><soap:address location="https://x.invalid/"/></wsdl:port>',
} = {}): string {
  return `<?xml version="1.0"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xrd="http://x-road.eu/xsd/xroad.xsd" xmlns:tns="urn:t" targetNamespace="urn:t">
  <wsdl:binding name="b" type="tns:pt">${binding}</wsdl:binding>
  <wsdl:service name="s">${service}</wsdl:service>
</wsdl:definitions>`;
}

describe('a valid WSDL', () => {
  test('the demo population registry’s WSDL is valid for getPerson v1, and for getPerson without a version', () => {
    expect(wsdlProblems(DEMO, GET_PERSON)).toEqual([]);
    expect(wsdlProblems(DEMO, { code: 'getPerson' })).toEqual([]);
  });

  test('prefixes are free: what counts is the namespace (a default WSDL namespace, other prefixes, a CDATA version)', () => {
    const text = `<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:s11="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:x="http://x-road.eu/xsd/xroad.xsd">
      <binding name="b"><s11:binding/><operation name="getPerson"><x:version><![CDATA[ v1 ]]></x:version></operation></binding>
      <service name="s"><port name="p"><s11:address location="https://x.invalid/"/></port></service>
    </definitions>`;
    expect(wsdlProblems(text, GET_PERSON)).toEqual([]);
  });
});

describe('an invalid WSDL is refused, saying why', () => {
  test.each([
    [
      'not well-formed',
      '<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/">',
      /^is not XML the gateway reads: not well-formed XML: Unclosed root tag/,
    ],
    ['an unbound prefix', '<wsdl:definitions/>', /^is not XML the gateway reads: not well-formed XML: Unbound namespace prefix/],
    ['empty', '', /^is not XML the gateway reads: no root element$/],
    ['two roots', `${wsdl()}<definitions/>`, /^is not XML the gateway reads: .*second root element/],
    ['an undeclared entity', wsdl({ service: '&person;' }), /^is not XML the gateway reads: not well-formed XML: Invalid character entity/],
    // What getWsdl could not answer (its reader is the gateway's): refused at synth already.
    [
      'a processing instruction',
      wsdl().replace('<wsdl:definitions', '<?render fast?><wsdl:definitions'),
      /^is not XML the gateway reads: a processing instruction/,
    ],
    ['a declared encoding other than UTF-8', `<?xml version="1.0" encoding="ISO-8859-1"?>${wsdl()}`, /^is not XML the gateway reads: .*ISO-8859-1/],
  ])('%s', (_, text, reason) => {
    expect(wsdlProblems(text, GET_PERSON)).toEqual([expect.stringMatching(reason)]);
  });

  test('a DOCTYPE, even an empty one: no entity declarations reach any reader of the WSDL', () => {
    const entities = `<!DOCTYPE wsdl:definitions [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n${wsdl({ service: '&b;' })}`;
    expect(wsdlProblems(entities, GET_PERSON)).toEqual([expect.stringMatching(/^is not XML the gateway reads: a DOCTYPE at /)]);
    expect(wsdlProblems(`<!DOCTYPE definitions>${wsdl()}`, GET_PERSON)).toEqual([
      expect.stringMatching(/^is not XML the gateway reads: a DOCTYPE at /),
    ]);
  });

  test('a root other than WSDL 1.1’s definitions (WSDL 2.0’s description, definitions without the namespace)', () => {
    expect(wsdlProblems('<description xmlns="http://www.w3.org/ns/wsdl"/>', GET_PERSON)).toEqual([
      "its root is <description> (http://www.w3.org/ns/wsdl), not WSDL 1.1's definitions (http://schemas.xmlsoap.org/wsdl/)",
    ]);
    expect(wsdlProblems('<definitions/>', GET_PERSON)).toEqual([expect.stringMatching(/^its root is <definitions> \(no namespace\)/)]);
  });

  test('no SOAP 1.1 binding (a SOAP 1.2 binding only)', () => {
    const soap12 = wsdl({
      binding: '<s12:binding xmlns:s12="http://schemas.xmlsoap.org/wsdl/soap12/"/><wsdl:operation name="getPerson"/>',
    });
    expect(wsdlProblems(soap12, GET_PERSON)).toEqual([
      'has no SOAP 1.1 binding (a wsdl:binding with a soap:binding of http://schemas.xmlsoap.org/wsdl/soap/)',
    ]);
  });

  test('the service code is no operation of a SOAP 1.1 binding', () => {
    expect(wsdlProblems(DEMO, { code: 'getPersons' })).toEqual(['no SOAP 1.1 binding has the operation getPersons (its operations: getPerson)']);
    expect(wsdlProblems(wsdl({ binding: '<soap:binding/>' }), GET_PERSON)).toEqual([
      'no SOAP 1.1 binding has the operation getPerson (its operations: none)',
    ]);
  });

  test('a version in the config that the binding operation does not carry as xrd:version', () => {
    expect(wsdlProblems(DEMO, { code: 'getPerson', version: 'v2' })).toEqual([
      "the binding operation getPerson carries xrd:version v1, not the config's version v2",
    ]);
    expect(wsdlProblems(wsdl({ binding: '<soap:binding/><wsdl:operation name="getPerson"/>' }), GET_PERSON)).toEqual([
      'the binding operation getPerson carries no xrd:version (http://x-road.eu/xsd/xroad.xsd), and the config sets version v1',
    ]);
    // An xrd:version elsewhere (on the port type's operation) is not the binding operation's.
    const portTypeVersion =
      '<wsdl:portType name="pt"><wsdl:operation name="getPerson"><xrd:version>v1</xrd:version></wsdl:operation></wsdl:portType>';
    const onPortType = wsdl({ binding: '<soap:binding/><wsdl:operation name="getPerson"/>' }).replace(
      '<wsdl:service',
      `${portTypeVersion}<wsdl:service`,
    );
    expect(wsdlProblems(onPortType, GET_PERSON)).toEqual([expect.stringMatching(/carries no xrd:version/)]);
  });

  test('no service port with a soap:address location', () => {
    const missing = 'has no service port with a soap:address location';
    expect(wsdlProblems(wsdl({ service: '<wsdl:port name="p"/>' }), GET_PERSON)).toEqual([missing]);
    expect(wsdlProblems(wsdl({ service: '<wsdl:port name="p"><soap:address/></wsdl:port>' }), GET_PERSON)).toEqual([missing]);
  });

  test('every problem of a readable WSDL at once', () => {
    expect(wsdlProblems(wsdl({ binding: '', service: '' }), GET_PERSON)).toEqual([
      expect.stringMatching(/^has no SOAP 1.1 binding/),
      'has no service port with a soap:address location',
    ]);
  });
});

describe('at synth and npm start (validateServiceDescriptions)', () => {
  test('the demo config’s WSDL passes', async () => {
    await expect(validateServiceDescriptions(configWith(() => undefined))).resolves.toBeUndefined();
  });

  test('a WSDL that is not valid for its service stops both, naming the field, the file and each reason', async () => {
    const config = configWith((raw) => (raw.agencies[0].services[1].version = 'v2'));
    const error = await validateServiceDescriptions(config).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      "Invalid service descriptions:\n  agencies.0.services.1.wsdl: population-registry.wsdl is not a valid WSDL for getPerson: the binding operation getPerson carries xrd:version v1, not the config's version v2",
    );
  });
});
