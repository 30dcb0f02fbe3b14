import { generateKeyPairSync } from 'node:crypto';
import { formatDifferences, fullDiff } from '@aws-cdk/cloudformation-diff';
import { centralStackName, agencyStackName } from '../../lib/stacks/sild-stacks';
import { configWith, customResourceCall, demoConfig, synth } from '../support/synth';

/** The colour codes `cdk diff` prints, stripped to compare the text. */
const ANSI_COLOUR = /\x1b\[[0-9;]*m/g;

const FOURTH_AGENCY = {
  name: 'land-board',
  account: '555555555555',
  region: 'eu-central-1',
  member: { class: 'GOV', code: '70000005', name: 'Land Board' },
  subsystems: ['cadastre'],
};

/** Per changed resource: its type and what changed (added, removed, or the names of changed properties). */
function changesBetween(before: any, after: any): Record<string, string> {
  const diff = fullDiff(before, after);
  const changes: Record<string, string> = {};
  diff.resources.forEachDifference((logicalId, change) => {
    const type = change.newResourceType ?? change.oldResourceType;
    if (change.isAddition) changes[logicalId] = `${type} added`;
    else if (change.isRemoval) changes[logicalId] = `${type} removed`;
    else changes[logicalId] = `${type} ${[...Object.keys(change.propertyUpdates), ...Object.keys(change.otherChanges)].sort().join(',')}`;
  });
  for (const section of ['outputs', 'parameters', 'conditions', 'mappings'] as const) {
    diff[section].forEachDifference((name) => (changes[`${section}:${name}`] = 'changed'));
  }
  return changes;
}

describe('change safety', () => {
  const before = synth(demoConfig());
  const after = synth(configWith((raw) => raw.agencies.push(FOURTH_AGENCY)));

  test('a fourth agency changes nothing in the existing agency stacks', () => {
    for (const agency of demoConfig().agencies) {
      const name = agencyStackName('DEV', agency);
      expect({ name, changes: changesBetween(before.templateJson(name), after.templateJson(name)) }).toEqual({ name, changes: {} });
    }
    expect(after.assembly.getStackByName(agencyStackName('DEV', FOURTH_AGENCY)).environment).toMatchObject({
      account: '555555555555',
      region: 'eu-central-1',
    });
  });

  test('a fourth agency changes the central stack only where the join allow-list lives', () => {
    const oldTemplate = before.templateJson(centralStackName('DEV'));
    const newTemplate = after.templateJson(centralStackName('DEV'));
    const changes = changesBetween(oldTemplate, newTemplate);
    const ofType = (type: string) => Object.entries(changes).filter(([, change]) => change.startsWith(type));
    // The resource policy names the new account, and a new deployment makes the policy take effect.
    expect(ofType('AWS::ApiGateway::RestApi').map(([, change]) => change)).toEqual(['AWS::ApiGateway::RestApi Policy']);
    expect(
      ofType('AWS::ApiGateway::Deployment')
        .map(([, change]) => change)
        .sort(),
    ).toEqual(['AWS::ApiGateway::Deployment added', 'AWS::ApiGateway::Deployment removed']);
    expect(ofType('AWS::ApiGateway::Stage').map(([, change]) => change)).toEqual(['AWS::ApiGateway::Stage DeploymentId']);
    // The allow-list item (agency → account → member) the join checks is written into the registry by a custom resource.
    expect(ofType('Custom::SildJoinAllowList').map(([, change]) => change)).toEqual(['Custom::SildJoinAllowList Create,Update']);
    expect(Object.keys(changes)).toHaveLength(5);

    const policyOf = (template: any) =>
      Object.values(template.Resources as Record<string, any>).find((resource) => resource.Type === 'AWS::ApiGateway::RestApi').Properties.Policy;
    expect(JSON.stringify(policyOf(newTemplate))).toContain('arn:aws:iam::555555555555:root');
    const allowListOf = (template: any) => {
      const resource = Object.values(template.Resources as Record<string, any>).find((candidate) => candidate.Type === 'Custom::SildJoinAllowList');
      return JSON.parse(customResourceCall(resource, 'Update').parameters.Item.agencies.S);
    };
    expect(allowListOf(newTemplate)).toEqual([
      ...allowListOf(oldTemplate),
      { name: 'land-board', account: '555555555555', member: 'DEV/GOV/70000005', memberName: 'Land Board' },
    ]);
  });

  test('a new access right shows in cdk diff as a change of the provider agency’s access policy only', () => {
    const granted = synth(
      configWith((raw) =>
        raw.agencies[0].accessRights.push({ service: 'population/persons', subject: 'DEV/COM/10000003/crm', methods: ['GET'], paths: ['/*'] }),
      ),
    );
    const name = agencyStackName('DEV', { name: 'population-registry' });
    const changes = changesBetween(before.templateJson(name), granted.templateJson(name));
    // Only the access-policy item changes: the functions, their settings and the APIs stay as they are.
    expect(Object.values(changes)).toEqual(['Custom::SildAccessPolicy Create,Metadata,Update']);
    // A reviewer reads the new right as one line of the diff.
    const printed: string[] = [];
    formatDifferences(
      { write: (text: string) => printed.push(text) } as unknown as NodeJS.WritableStream,
      fullDiff(before.templateJson(name), granted.templateJson(name)),
    );
    const plain = printed.join('').replace(ANSI_COLOUR, '');
    expect(plain).toMatch(/\[\+\] {3}"DEV\/COM\/10000003\/crm → population\/persons GET \/\*"/);
    expect(plain.split('\n').filter((line) => line.includes('→')).length).toBeLessThanOrEqual(3);
    for (const other of [
      centralStackName('DEV'),
      agencyStackName('DEV', { name: 'tax-board' }),
      agencyStackName('DEV', { name: 'business-registry' }),
    ]) {
      expect(changesBetween(before.templateJson(other), granted.templateJson(other))).toEqual({});
    }
  });

  test.each([
    [
      'a backend URL',
      (raw: any) => (raw.agencies[0].services[0].backendUrl = 'https://persons.population.example.gov/v2/persons'),
      /\[-\] {3}"population\/persons → http:\/\/127\.0\.0\.1:4080\/persons \(25000 ms\)"[\s\S]*\[\+\] {3}"population\/persons → https:\/\/persons\.population\.example\.gov\/v2\/persons \(25000 ms\)"/,
    ],
    [
      'maintenance mode',
      (raw: any) => (raw.agencies[0].maintenance = { enabled: true, message: 'Upgrade until 12:00 UTC' }),
      /\[\+\] {3}"in maintenance: \\"Upgrade until 12:00 UTC\\""/,
    ],
  ])('%s shows in cdk diff as one readable line of the access policy; no function, setting or registration changes', (_change, change, line) => {
    const changed = synth(configWith(change));
    const name = agencyStackName('DEV', { name: 'population-registry' });
    expect(Object.values(changesBetween(before.templateJson(name), changed.templateJson(name)))).toEqual([
      'Custom::SildAccessPolicy Create,Metadata,Update',
    ]);
    const printed: string[] = [];
    formatDifferences(
      { write: (text: string) => printed.push(text) } as unknown as NodeJS.WritableStream,
      fullDiff(before.templateJson(name), changed.templateJson(name)),
    );
    const plain = printed.join('').replace(ANSI_COLOUR, '');
    expect(plain).toMatch(line);
  });

  test('federating with FI shows in cdk diff of exactly the stacks concerned: the central’s federated instances, the opted-in agency', () => {
    const anchorPublicKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    const federated = synth(
      configWith((raw) => {
        raw.central.federation = [
          {
            instance: 'FI',
            anchorPublicKey,
            centralUrl: 'https://central.fi.example/prod',
            configurationUrl: 'https://d111.cloudfront.net/globalconf/current.json',
          },
        ];
        raw.externalSubsystems = ['FI/GOV/1234567-8/tax'];
        raw.agencies[0].federation = ['FI'];
        raw.agencies[0].accessRights.push({ service: 'population/persons', subject: 'FI/GOV/1234567-8/tax', methods: ['GET'], paths: ['/*'] });
      }),
    );
    const central = centralStackName('DEV');
    expect(Object.values(changesBetween(before.templateJson(central), federated.templateJson(central)))).toEqual([
      'Custom::SildFederatedInstances Create,Update',
    ]);
    const item = Object.values(federated.templateJson(central).Resources as Record<string, any>).find(
      (resource) => resource.Type === 'Custom::SildFederatedInstances',
    );
    expect(JSON.parse(customResourceCall(item, 'Update').parameters.Item.instances.S)).toEqual([
      {
        instance: 'FI',
        anchorPublicKey,
        centralUrl: 'https://central.fi.example/prod',
        configurationUrl: 'https://d111.cloudfront.net/globalconf/current.json',
      },
    ]);

    const provider = agencyStackName('DEV', { name: 'population-registry' });
    const changes = Object.values(changesBetween(before.templateJson(provider), federated.templateJson(provider)));
    expect(changes).toContain('Custom::SildAccessPolicy Create,Metadata,Update');
    expect(
      changes
        .filter((change) => change !== 'Custom::SildAccessPolicy Create,Metadata,Update')
        .every((change) => change === 'AWS::Lambda::Function Environment'),
    ).toBe(true);
    for (const other of [agencyStackName('DEV', { name: 'tax-board' }), agencyStackName('DEV', { name: 'business-registry' })]) {
      expect(changesBetween(before.templateJson(other), federated.templateJson(other))).toEqual({});
    }
  });
});
