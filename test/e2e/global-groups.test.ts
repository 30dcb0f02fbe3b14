/**
 * Global groups, end to end: defined in the central config, written into the registry, published in the signed
 * global configuration, and honoured by the provider's access rights (`globalgroup:INST/CODE`).
 */
import { CRM_CLIENT, expectXRoadError, PERSONS, startTestEcosystem, testConfig, type TestEcosystem } from './fixture';

let eco: TestEcosystem;
beforeAll(async () => {
  eco = await startTestEcosystem({
    config: testConfig((raw) => {
      (raw as unknown as { central: { globalGroups: unknown[] } }).central.globalGroups = [
        { code: 'partners', description: 'Registry partners', members: [CRM_CLIENT] },
      ];
      raw.agencies[0].accessRights.push({ service: 'population/persons', subject: 'globalgroup:DEV/partners', methods: ['GET'], paths: ['/*'] });
    }),
  });
});
afterAll(async () => {
  await eco?.stop();
});

test('a member of a global group gets what the group was granted, and nothing more', async () => {
  const headers = { 'x-road-client': CRM_CLIENT };
  const read = await eco.call(`${PERSONS}/123`, { agency: 'business-registry', headers });
  expect(read.status).toBe(200);
  expect(read.json()).toMatchObject({ id: '123' });
  expectXRoadError(
    await eco.call(PERSONS, { agency: 'business-registry', method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{}' }),
    403,
    'Server.ServerProxy.AccessDenied',
  );
});

test('the group is published in the signed global configuration', async () => {
  const configuration = await eco.agencies['tax-board'].deps.globalConfiguration.current();
  expect(configuration.document.globalGroups).toEqual([{ id: 'DEV/partners', description: 'Registry partners', members: [CRM_CLIENT] }]);
  expect(configuration.globalGroupsOf(CRM_CLIENT)).toEqual(['DEV/partners']);
});
