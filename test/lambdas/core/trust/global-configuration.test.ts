import { buildGlobalConfiguration } from '../../../../lambdas/core/central/configuration-builder';
import { centralSettingsSchema } from '../../../../lambdas/core/central/settings';
import type { RegistryEntry } from '../../../../lambdas/core/central/registry';
import {
  GLOBAL_CONFIGURATION_TYPE,
  GlobalConfiguration,
  GlobalConfigurationError,
  signGlobalConfiguration,
  verifyGlobalConfiguration,
  type Anchor,
  type GlobalConfigurationDocument,
  type SignedGlobalConfiguration,
} from '../../../../lambdas/core/trust/global-configuration';
import { sha256Base64 } from '../../../../lambdas/core/kernel/hashing';
import { keyIdOf } from '../../../../lambdas/core/kernel/signatures';
import { newTestKey } from '../../../support/memory-adapters';
import { thrownBy } from '../../../support/assertions';

const central = newTestKey();
const populationKey = newTestKey();
const taxKey = newTestKey();
const NOW = Date.parse('2025-03-01T12:00:00.000Z');

const settings = centralSettingsSchema.parse({
  instance: 'DEV',
  memberClasses: ['GOV', 'COM'],
  agencies: [
    { name: 'tax-board', account: '222222222222', member: 'DEV/GOV/70000002' },
    { name: 'population-registry', account: '111111111111', member: 'DEV/GOV/70000001' },
  ],
  validitySeconds: 600,
});
/** The global groups the deployment writes into the registry. */
const GROUPS = [{ code: 'security-server-owners', description: 'Owners', members: ['DEV/GOV/70000002/tax-records'] }];

const population: RegistryEntry = {
  agency: 'population-registry',
  account: '111111111111',
  joinedAt: '2025-01-01T00:00:00.000Z',
  member: { id: 'DEV/GOV/70000001', name: 'Population Registry' },
  subsystems: ['population', 'archive'],
  services: [
    { subsystem: 'population', code: 'persons' },
    { subsystem: 'archive', code: 'records' },
  ],
  gateway: { id: 'DEV/GOV/70000001/gw1', providerUrl: 'https://population.example/provider///', publicKeys: [populationKey.spkiBase64] },
};

const tax: RegistryEntry = {
  agency: 'tax-board',
  account: '222222222222',
  joinedAt: '2025-01-01T00:00:00.000Z',
  member: { id: 'DEV/GOV/70000002', name: 'Tax Board' },
  subsystems: ['tax-records'],
  services: [],
  gateway: { id: 'DEV/GOV/70000002/gw1', providerUrl: 'https://tax.example/provider', publicKeys: [taxKey.spkiBase64] },
};

const anchor: Anchor = { instance: 'DEV', publicKey: central.spkiBase64 };

function document(nowMs = NOW): GlobalConfigurationDocument {
  return buildGlobalConfiguration([tax, population], settings, nowMs, { globalGroups: GROUPS });
}

async function signed(doc = document()): Promise<SignedGlobalConfiguration> {
  return signGlobalConfiguration(doc, central);
}

function expectRejected(candidate: SignedGlobalConfiguration, withAnchor: Anchor = anchor): GlobalConfigurationError {
  const error = thrownBy(() => verifyGlobalConfiguration(candidate, withAnchor));
  expect(error).toBeInstanceOf(GlobalConfigurationError);
  return error as GlobalConfigurationError;
}

/** Replaces one character of `text` at `index` with a different one. */
function alterChar(text: string, index: number): string {
  const replacement = text[index] === 'A' ? 'B' : 'A';
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

describe('signGlobalConfiguration / verifyGlobalConfiguration', () => {
  test('a configuration signed by the central key verifies with the anchor', async () => {
    const doc = document();
    const verified = verifyGlobalConfiguration(await signed(doc), anchor);
    expect(verified).toBeInstanceOf(GlobalConfiguration);
    expect(verified.document).toEqual(doc);
    expect(verified.instance).toBe('DEV');
  });

  test('the signed header commits to the document hash, version, validity and the signing key id', async () => {
    const candidate = await signed();
    const header = JSON.parse(Buffer.from(candidate.header, 'base64').toString('utf8'));
    const doc = JSON.parse(candidate.document);
    expect(header).toEqual({
      type: GLOBAL_CONFIGURATION_TYPE,
      instance: 'DEV',
      version: doc.version,
      generatedAt: doc.generatedAt,
      expiresAt: doc.expiresAt,
      documentSha256: sha256Base64(candidate.document),
      keyId: keyIdOf(central.spki),
    });
  });

  test('another key as anchor → rejected', async () => {
    expectRejected(await signed(), { instance: 'DEV', publicKey: newTestKey().spkiBase64 });
  });

  test('a garbage anchor key → rejected (not a crash)', async () => {
    expectRejected(await signed(), { instance: 'DEV', publicKey: 'bm90IGEga2V5' });
  });

  test('another instance in the anchor → rejected', async () => {
    const error = expectRejected(await signed(), { instance: 'EE', publicKey: central.spkiBase64 });
    expect(error.message).toMatch(/instance/);
  });

  test('document altered by one character → rejected', async () => {
    const candidate = await signed();
    const index = candidate.document.indexOf('Population Registry');
    expectRejected({ ...candidate, document: alterChar(candidate.document, index) });
  });

  test('document re-serialized (same JSON value, different bytes) → rejected', async () => {
    const candidate = await signed();
    expectRejected({ ...candidate, document: JSON.stringify(JSON.parse(candidate.document), null, 1) });
  });

  test('header altered → rejected', async () => {
    const candidate = await signed();
    const header = JSON.parse(Buffer.from(candidate.header, 'base64').toString('utf8'));
    const later = { ...header, expiresAt: '2099-01-01T00:00:00.000Z' };
    expectRejected({ ...candidate, header: Buffer.from(JSON.stringify(later)).toString('base64') });
  });

  test('signature truncated, flipped or missing → rejected', async () => {
    const candidate = await signed();
    const signature = Buffer.from(candidate.signature, 'base64');
    expectRejected({ ...candidate, signature: signature.subarray(0, signature.length - 1).toString('base64') });
    const flipped = Buffer.from(signature);
    flipped[flipped.length - 1] ^= 0x01;
    expectRejected({ ...candidate, signature: flipped.toString('base64') });
    expectRejected({ ...candidate, signature: '' });
  });

  test('a validly signed header whose validity differs from the document → rejected', async () => {
    const candidate = await signed();
    const header = JSON.parse(Buffer.from(candidate.header, 'base64').toString('utf8'));
    const extended = Buffer.from(JSON.stringify({ ...header, expiresAt: '2099-01-01T00:00:00.000Z' }));
    const error = expectRejected({ ...candidate, header: extended.toString('base64'), signature: central.signSync(extended).toString('base64') });
    expect(error.message).toMatch(/validity/);
  });

  test('a validly signed document of another instance, with a header claiming the anchor instance → rejected', async () => {
    const other = { ...document(), instance: 'EE' };
    const candidate = await signed(other);
    const header = JSON.parse(Buffer.from(candidate.header, 'base64').toString('utf8'));
    const forged = Buffer.from(JSON.stringify({ ...header, instance: 'DEV' }));
    expectRejected({ ...candidate, header: forged.toString('base64'), signature: central.signSync(forged).toString('base64') });
  });

  test('a validly signed header for another instance than its document → rejected', async () => {
    const candidate = await signed();
    const header = JSON.parse(Buffer.from(candidate.header, 'base64').toString('utf8'));
    const forged = Buffer.from(JSON.stringify({ ...header, instance: 'EE' }));
    expectRejected({ ...candidate, header: forged.toString('base64'), signature: central.signSync(forged).toString('base64') });
  });

  test('a validly signed header of another type → rejected', async () => {
    const candidate = await signed();
    const header = JSON.parse(Buffer.from(candidate.header, 'base64').toString('utf8'));
    const forged = Buffer.from(JSON.stringify({ ...header, type: 'sild.request.v1' }));
    expectRejected({ ...candidate, header: forged.toString('base64'), signature: central.signSync(forged).toString('base64') });
  });

  test('a validly signed but malformed document → rejected', async () => {
    const { gateways: _gateways, ...withoutGateways } = document();
    void _gateways;
    expectRejected(await signGlobalConfiguration(withoutGateways as unknown as GlobalConfigurationDocument, central));
  });
});

describe('GlobalConfiguration lookups', () => {
  let configuration: GlobalConfiguration;
  beforeAll(async () => {
    configuration = verifyGlobalConfiguration(await signed(), anchor);
  });

  test('gatewayOfClient finds the gateway serving a subsystem', () => {
    expect(configuration.gatewayOfClient('DEV/GOV/70000001/population')?.id).toBe('DEV/GOV/70000001/gw1');
    expect(configuration.gatewayOfClient('DEV/GOV/70000001/archive')?.id).toBe('DEV/GOV/70000001/gw1');
    expect(configuration.gatewayOfClient('DEV/GOV/70000002/tax-records')?.id).toBe('DEV/GOV/70000002/gw1');
    expect(configuration.gatewayOfClient('DEV/GOV/70000001')).toBeUndefined();
    expect(configuration.gatewayOfClient('DEV/GOV/70000001/unknown')).toBeUndefined();
  });

  test('gatewayOfService finds the gateway of a registered service only', () => {
    const gateway = configuration.gatewayOfService('DEV/GOV/70000001/population/persons');
    expect(gateway?.id).toBe('DEV/GOV/70000001/gw1');
    expect(gateway?.providerUrl).toBe('https://population.example/provider');
    expect(configuration.gatewayOfService('DEV/GOV/70000001/archive/records')?.id).toBe('DEV/GOV/70000001/gw1');
    expect(configuration.gatewayOfService('DEV/GOV/70000001/population/records')).toBeUndefined();
    expect(configuration.gatewayOfService('DEV/GOV/70000002/tax-records/persons')).toBeUndefined();
  });

  test('publicKey returns the key a gateway publishes under its key id', () => {
    expect(configuration.publicKey('DEV/GOV/70000001/gw1', keyIdOf(populationKey.spki))).toBe(populationKey.spkiBase64);
    expect(configuration.publicKey('DEV/GOV/70000002/gw1', keyIdOf(populationKey.spki))).toBeUndefined();
    expect(configuration.publicKey('DEV/GOV/70000009/gw1', keyIdOf(populationKey.spki))).toBeUndefined();
    expect(configuration.publicKey('DEV/GOV/70000001/gw1', 'unknown')).toBeUndefined();
  });

  test('globalGroupsOf lists the groups of a subsystem as INST/CODE', () => {
    expect(configuration.globalGroupsOf('DEV/GOV/70000002/tax-records')).toEqual(['DEV/security-server-owners']);
    expect(configuration.globalGroupsOf('DEV/GOV/70000001/population')).toEqual([]);
  });

  test('members and subsystems', () => {
    expect(configuration.hasMember('DEV/GOV/70000001')).toBe(true);
    expect(configuration.hasMember('DEV/GOV/70000009')).toBe(false);
    expect(configuration.hasSubsystem('DEV/GOV/70000001/archive')).toBe(true);
    expect(configuration.hasSubsystem('DEV/GOV/70000002/population')).toBe(false);
    expect(configuration.gateway('DEV/GOV/70000002/gw1')?.owner).toBe('DEV/GOV/70000002');
  });

  test('isExpired from expiresAt on (inclusive), not before', () => {
    const expiresAt = NOW + 600_000;
    expect(configuration.generatedAtMs).toBe(NOW);
    expect(configuration.expiresAtMs).toBe(expiresAt);
    expect(configuration.isExpired(NOW)).toBe(false);
    expect(configuration.isExpired(expiresAt - 1)).toBe(false);
    expect(configuration.isExpired(expiresAt)).toBe(true);
    expect(configuration.isExpired(expiresAt + 1)).toBe(true);
  });
});

describe('buildGlobalConfiguration', () => {
  test('expiresAt = generatedAt + validitySeconds', () => {
    const doc = buildGlobalConfiguration([population], { ...settings, validitySeconds: 90 }, NOW);
    expect(doc.type).toBe(GLOBAL_CONFIGURATION_TYPE);
    expect(doc.instance).toBe('DEV');
    expect(doc.generatedAt).toBe('2025-03-01T12:00:00.000Z');
    expect(doc.expiresAt).toBe('2025-03-01T12:01:30.000Z');
    expect(doc.memberClasses).toEqual(['GOV', 'COM']);
  });

  test('is ordered by agency regardless of registry order', () => {
    const a = buildGlobalConfiguration([tax, population], settings, NOW);
    const b = buildGlobalConfiguration([population, tax], settings, NOW);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.gateways.map((gateway) => gateway.id)).toEqual(['DEV/GOV/70000001/gw1', 'DEV/GOV/70000002/gw1']);
    expect(a.members.map((member) => member.id)).toEqual(['DEV/GOV/70000001', 'DEV/GOV/70000002']);
  });

  test('derives members, gateway clients, keys and services from the entries, and publishes the global groups', () => {
    const doc = buildGlobalConfiguration([population], settings, NOW, { globalGroups: GROUPS });
    expect(doc.members).toEqual([{ id: 'DEV/GOV/70000001', name: 'Population Registry', subsystems: ['archive', 'population'] }]);
    expect(doc.gateways).toEqual([
      {
        id: 'DEV/GOV/70000001/gw1',
        owner: 'DEV/GOV/70000001',
        providerUrl: 'https://population.example/provider',
        clients: ['DEV/GOV/70000001/population', 'DEV/GOV/70000001/archive'],
        keys: [{ keyId: keyIdOf(populationKey.spki), publicKey: populationKey.spkiBase64 }],
      },
    ]);
    expect(doc.services).toEqual([
      { id: 'DEV/GOV/70000001/population/persons', gateway: 'DEV/GOV/70000001/gw1' },
      { id: 'DEV/GOV/70000001/archive/records', gateway: 'DEV/GOV/70000001/gw1' },
    ]);
    expect(doc.globalGroups).toEqual([{ id: 'DEV/security-server-owners', description: 'Owners', members: ['DEV/GOV/70000002/tax-records'] }]);
  });

  test('an empty registry still yields a valid, verifiable configuration', async () => {
    const doc = buildGlobalConfiguration([], settings, NOW);
    expect(doc.members).toEqual([]);
    expect(doc.gateways).toEqual([]);
    expect(verifyGlobalConfiguration(await signGlobalConfiguration(doc, central), anchor).document).toEqual(doc);
  });

  test('a rotation publishes both keys of a gateway', () => {
    const next = newTestKey();
    const rotating = { ...population, gateway: { ...population.gateway, publicKeys: [populationKey.spkiBase64, next.spkiBase64] } };
    const doc = buildGlobalConfiguration([rotating], settings, NOW);
    expect(doc.gateways[0].keys.map((key) => key.keyId)).toEqual([keyIdOf(populationKey.spki), keyIdOf(next.spki)]);
  });
});
