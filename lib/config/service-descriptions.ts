/**
 * Validates the services' descriptions at synth and at `npm start` — a REST service's OpenAPI 3 description with a
 * kept parser (`@readme/openapi-parser`), a SOAP service's WSDL as `wsdl.ts` defines a valid one for it: a description
 * that is not valid stops both, naming the service and the problem. (Reading the files and checking access rights
 * against their endpoints happens when the config is parsed.)
 */
import { compileErrors, validate } from '@readme/openapi-parser';
import { ConfigError } from './config-parts';
import type { EcosystemConfig } from './ecosystem-config';
import type { GatewayConfig } from './gateway-config';
import { wsdlProblems } from './wsdl';

/** Checks every service description (OpenAPI, WSDL) of an ecosystem, or of one agency's gateway; throws a ConfigError naming each. */
export async function validateServiceDescriptions(config: EcosystemConfig | GatewayConfig): Promise<void> {
  const gateways =
    'agencies' in config
      ? config.agencies.map((agency, index) => ({ agency, field: `agencies.${index}.services` }))
      : [{ agency: config, field: 'services' }];
  const problems: string[] = [];
  for (const { agency, field } of gateways) {
    for (const [index, service] of agency.services.entries()) {
      if (service.wsdlDocument !== undefined) {
        const wsdl = wsdlProblems(service.wsdlDocument, service);
        if (wsdl.length > 0)
          problems.push(`  ${field}.${index}.wsdl: ${service.wsdl ?? 'the WSDL'} is not a valid WSDL for ${service.code}: ${wsdl.join('; ')}`);
      }
      if (!service.openapiDocument) continue;
      // The parser dereferences in place: give it a copy.
      const result = await validate(structuredClone(service.openapiDocument) as never);
      if (!result.valid)
        problems.push(
          `  ${field}.${index}.openapi: ${service.openapi} is not a valid OpenAPI description: ${compileErrors(result).split('\n').filter(Boolean).slice(0, 4).join(' ')}`,
        );
      else if (!String((service.openapiDocument as { openapi?: unknown }).openapi ?? '').startsWith('3.'))
        problems.push(`  ${field}.${index}.openapi: ${service.openapi} must be OpenAPI 3 (X-Road's REST services are described in OpenAPI 3)`);
    }
  }
  if (problems.length) throw new ConfigError(`Invalid service descriptions:\n${problems.join('\n')}`);
}
