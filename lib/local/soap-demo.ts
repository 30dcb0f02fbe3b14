/**
 * The SOAP half of the `npm start` demo: a ready-to-paste `curl` that POSTs an X-Road SOAP request to a consumer
 * gateway's root, and one such exchange shown with its checks — the `requestHash` the provider put in the answer's
 * header recomputed from the request as sent, and the log records on both sides.
 *
 * The exchange is derived from the config, as the REST demo's: the first access right on a SOAP service granted to a
 * subsystem of another configured agency (the demo config: tax-board's tax-records calls population-registry's
 * `getPerson` v1, with the sample backend's person 123).
 */
import { soapPartDigest } from '../../lambdas/core/exchange/protocols/soap/response';
import type { EcosystemConfig } from '../config/ecosystem-config';
import type { LocalEcosystem } from './ecosystem';
import { httpCall } from './http-call';
import { printLogRecords, type Print } from './demo';
import { PRODUCER_NAMESPACE } from './sample-soap-service';

/** A SOAP exchange to show: which agency's consumer gateway, as which client, which service (and version). */
export interface SoapDemo {
  readonly consumer: string;
  readonly provider: string;
  readonly client: string;
  /** `INST/CLASS/CODE/SUB/SERVICE`. */
  readonly service: string;
  readonly version?: string;
}

export function soapDemoOf(config: EcosystemConfig): SoapDemo | undefined {
  const memberOf = (agency: EcosystemConfig['agencies'][number]) => `${config.instance}/${agency.member.class}/${agency.member.code}`;
  for (const provider of config.agencies) {
    for (const right of provider.accessRights) {
      const consumer = config.agencies.find((agency) => agency.subsystems.some((subsystem) => right.subject === `${memberOf(agency)}/${subsystem}`));
      const service = provider.services.find((entry) => `${entry.subsystem}/${entry.code}` === right.service && entry.type === 'soap');
      if (!consumer || consumer === provider || !service) continue;
      return {
        consumer: consumer.name,
        provider: provider.name,
        client: right.subject,
        service: `${memberOf(provider)}/${right.service}`,
        ...(service.version === undefined ? {} : { version: service.version }),
      };
    }
  }
  return undefined;
}

/** The request a SOAP client sends for the demo: PR-MESS's header, the service's wrapper element with `id` 123. */
export function soapDemoRequest(demo: SoapDemo, id: string): string {
  const parts = (kind: 'SUBSYSTEM' | 'SERVICE', value: string) => {
    const [instance, memberClass, memberCode, subsystem, service] = value.split('/');
    const names = ['xRoadInstance', 'memberClass', 'memberCode', 'subsystemCode', 'serviceCode'];
    return [instance, memberClass, memberCode, subsystem, ...(kind === 'SERVICE' ? [service] : [])]
      .map((part, index) => `<id:${names[index]}>${part}</id:${names[index]}>`)
      .concat(kind === 'SERVICE' && demo.version ? [`<id:serviceVersion>${demo.version}</id:serviceVersion>`] : [])
      .join('');
  };
  const code = demo.service.split('/')[4];
  return [
    `<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xrd="http://x-road.eu/xsd/xroad.xsd" xmlns:id="http://x-road.eu/xsd/identifiers" xmlns:prod="${PRODUCER_NAMESPACE}">`,
    '  <SOAP-ENV:Header>',
    `    <xrd:client id:objectType="SUBSYSTEM">${parts('SUBSYSTEM', demo.client)}</xrd:client>`,
    `    <xrd:service id:objectType="SERVICE">${parts('SERVICE', demo.service)}</xrd:service>`,
    `    <xrd:id>${id}</xrd:id>`,
    '    <xrd:userId>EE38001010000</xrd:userId>',
    '    <xrd:protocolVersion>4.0</xrd:protocolVersion>',
    '  </SOAP-ENV:Header>',
    `  <SOAP-ENV:Body><prod:${code}><id>123</id></prod:${code}></SOAP-ENV:Body>`,
    '</SOAP-ENV:Envelope>',
  ].join('\n');
}

/**
 * A `curl` that POSTs the demo request (a heredoc: paste it whole). The shell fills in a fresh X-Road id each time:
 * a client's id may be used once (the provider refuses a replay).
 */
export function soapCurlExample(ecosystem: LocalEcosystem): string | undefined {
  const demo = soapDemoOf(ecosystem.config);
  if (!demo) return undefined;
  const url = `${ecosystem.agencies[demo.consumer].consumerUrl}/`;
  return [
    `curl -i -H 'Content-Type: text/xml; charset=utf-8' --data-binary @- ${url} <<XML`,
    soapDemoRequest(demo, 'soap-$(date +%s)-$RANDOM'),
    'XML',
  ].join('\n');
}

/** Runs the SOAP demo exchange and prints it; returns true when every check held (true when the config has none). */
export async function runSoapDemoExchange(ecosystem: LocalEcosystem, print: Print, xRoadId: string): Promise<boolean> {
  const demo = soapDemoOf(ecosystem.config);
  if (!demo) return true;
  const request = soapDemoRequest(demo, xRoadId);
  print('');
  print(`SOAP exchange: ${demo.consumer} calls ${demo.service}${demo.version ? ` (${demo.version})` : ''}`);
  print(`  → POST / (text/xml, X-Road message protocol 4.0, id ${xRoadId})`);
  const response = await httpCall(`${ecosystem.agencies[demo.consumer].consumerUrl}/`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '""' },
    body: request,
  });
  const answer = response.body.toString('utf8');
  print(`  ← ${response.status} ${response.headers['content-type']}`);
  const body = /<SOAP-ENV:Body>([\s\S]*)<\/SOAP-ENV:Body>/.exec(answer)?.[1] ?? answer;
  print(`    Body: ${body.trim()}`);
  const stated = /<xrd:requestHash algorithmId="([^"]+)">([^<]+)<\/xrd:requestHash>/.exec(answer);
  const hashOk = stated?.[2] === soapPartDigest(Buffer.from(request));
  print(`  requestHash in the answer's header (${stated?.[1] ?? 'missing'}): ${hashOk ? 'matches the request as sent ✓' : 'differs ✗'}`);
  if (response.status !== 200 || response.headers['x-road-error'] !== undefined) return false;
  return (await printLogRecords(ecosystem, [demo.consumer, demo.provider], demo.client, xRoadId, print)) && hashOk;
}
