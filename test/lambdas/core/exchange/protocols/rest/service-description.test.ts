import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endpointsOf, isCatchAll, ruleCoversEndpoint } from '../../../../../../lambdas/core/exchange/protocols/rest/service-description';
import { ConfigError, loadEcosystemConfig } from '../../../../../../lib/config/ecosystem-config';
import { validateServiceDescriptions } from '../../../../../../lib/config/service-descriptions';
import { configWith } from '../../../../../support/synth';

const PETS = {
  openapi: '3.0.3',
  info: { title: 'pets', version: '1' },
  paths: {
    '/api/pets': { get: { responses: { 200: { description: 'ok' } } }, post: { responses: { 201: { description: 'created' } } } },
    '/api/pets/{id}': { get: { responses: { 200: { description: 'ok' } } }, delete: { responses: { 204: { description: 'gone' } } } },
    '/other/{a}/x/{b}': { put: { responses: { 200: { description: 'ok' } } } },
  },
};

describe('endpointsOf', () => {
  test('one endpoint per operation, path parameters as *, as service paths under the backend URL path', () => {
    expect(endpointsOf(PETS, '/api')).toEqual([
      { method: 'GET', path: '/pets' },
      { method: 'POST', path: '/pets' },
      { method: 'GET', path: '/pets/*' },
      { method: 'DELETE', path: '/pets/*' },
      { method: 'PUT', path: '/other/*/x/*' },
    ]);
    expect(endpointsOf(PETS, '/api/pets')).toContainEqual({ method: 'GET', path: '/' });
    expect(endpointsOf(PETS)).toContainEqual({ method: 'GET', path: '/api/pets/*' });
  });
});

describe('ruleCoversEndpoint', () => {
  test.each<[string, string, string, string, boolean]>([
    ['*', '**', 'GET', '/pets', true],
    ['GET', '/pets/*', 'GET', '/pets/*', true],
    ['GET', '/pets/123', 'GET', '/pets/*', true],
    ['GET', '/pets/**', 'DELETE', '/pets/*', false],
    ['DELETE', '/pets/**', 'DELETE', '/pets/*', true],
    ['GET', '/cars/*', 'GET', '/pets/*', false],
  ])('%s %s covers %s %s → %s', (method, path, endpointMethod, endpointPath, expected) => {
    expect(ruleCoversEndpoint({ method, path }, { method: endpointMethod, path: endpointPath })).toBe(expected);
  });

  test('the catch-all is * on **', () => {
    expect(isCatchAll({ method: '*', path: '**' })).toBe(true);
    expect(isCatchAll({ method: 'GET', path: '**' })).toBe(false);
  });
});

describe('service descriptions in the config', () => {
  test('an access right naming a method and path the description does not have is a config error, naming the field', () => {
    expect(() =>
      configWith((raw) => {
        raw.agencies[0].accessRights.push({
          service: 'population/persons',
          subject: 'DEV/GOV/70000002/tax-records',
          methods: ['DELETE'],
          paths: ['/*'],
        });
      }),
    ).toThrow(/agencies\.0\.accessRights\.2: DELETE \/\* is not an endpoint of population\/persons \(its description has GET \/\*, POST \/\)/);
  });

  test('a path glob that is not one is a config error', () => {
    expect(() => configWith((raw) => (raw.agencies[0].accessRights[0].paths = ['persons/**']))).toThrow(
      /agencies\.0\.accessRights\.0\.paths\.0: persons\/\*\* must start with "\/" or be "\*\*"/,
    );
  });

  test('a description file that cannot be read is a config error naming the service', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sild-openapi-'));
    const config = configWith(() => undefined);
    const raw = JSON.parse(JSON.stringify(config));
    delete raw.agencies[0].services[0].openapiDocument;
    raw.agencies[0].services[0].openapi = 'missing.yaml';
    writeFileSync(join(dir, 'ecosystem.json'), JSON.stringify(raw));
    expect(() => loadEcosystemConfig(join(dir, 'ecosystem.json'))).toThrow(/agencies\.0\.services\.0\.openapi: cannot read .*missing\.yaml/);
  });

  test('the demo description is valid OpenAPI 3; an invalid one stops synth and npm start, naming the service', async () => {
    await expect(validateServiceDescriptions(configWith(() => undefined))).resolves.toBeUndefined();
    const broken = configWith((raw) => {
      raw.agencies[0].services[0].openapiDocument = {
        openapi: '3.0.3',
        info: { title: 'no version' },
        paths: { '/persons/{id}': { get: { responses: { 200: { description: 'ok' } } } } },
      };
    });
    const error = await validateServiceDescriptions(broken).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(
      /agencies\.0\.services\.0\.openapi: persons\.openapi\.yaml is not a valid OpenAPI description: .*version/,
    );
  });
});
