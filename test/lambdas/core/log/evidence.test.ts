/**
 * Evidence bundles, on an exchange of the in-memory ecosystem: a bundle of a sealed exchange verifies offline
 * against the anchor alone, bodies kept in the body store included; anything changed, spliced or vouched for by
 * another anchor fails, naming the part; an exchange not sealed yet cannot be exported.
 */
import { signCentralKeyRotation } from '../../../../lambdas/core/trust/central-keys';
import { signGlobalConfiguration } from '../../../../lambdas/core/trust/global-configuration';
import {
  buildEvidence,
  deserializeRecord,
  EvidenceError,
  serializeRecord,
  verifyEvidence,
  type EvidenceBundle,
} from '../../../../lambdas/core/log/evidence';
import { inclusionProof } from '../../../../lambdas/core/kernel/merkle';
import type { MessageLogRecord } from '../../../../lambdas/core/log/records';
import { compareForSeal, createSeal, parseSeal, recordHash } from '../../../../lambdas/core/log/seal';
import { keyIdOf } from '../../../../lambdas/core/kernel/signatures';
import { headerValue } from '../../../../lambdas/core/kernel/http';
import { CLIENT, PERSONS, startMemoryEcosystem, type MemoryEcosystem, type MemoryGateway } from '../../../support/memory-ecosystem';
import { rejectionOf } from '../../../support/assertions';
import { newTestKey } from '../../../support/memory-adapters';

async function exchange(ecosystem: MemoryEcosystem, path = `${PERSONS}/1`): Promise<string> {
  const response = await ecosystem.call(path);
  expect(response.status).toBe(200);
  return headerValue(response.headers, 'x-road-id')!;
}

async function evidenceOf(ecosystem: MemoryEcosystem, gateway: MemoryGateway, xRoadId: string): Promise<EvidenceBundle> {
  return buildEvidence({
    gateway: gateway.settings.gatewayId,
    bodies: gateway.bodies,
    records: await gateway.log.find(CLIENT, xRoadId),
    seals: await gateway.log.listSeals(),
    leavesInWindows: (from, to) => gateway.log.leavesInWindows(from, to),
    globalConfiguration: await ecosystem.signedGlobalConfiguration(),
    nowMs: ecosystem.clock.now(),
  });
}

const failed = (result: ReturnType<typeof verifyEvidence>) => result.checks.filter((check) => !check.ok).map((check) => check.part);

/** The bundle's records changed as the log owner likes, under a seal it signs again with its own key (what it can present). */
async function restatedByOwner(
  bundle: EvidenceBundle,
  owner: MemoryGateway,
  change: (record: MessageLogRecord) => MessageLogRecord,
): Promise<EvidenceBundle> {
  const records = bundle.records.map((entry) => change(deserializeRecord(entry.record))).sort(compareForSeal);
  const { type: _type, root: _root, recordCount: _count, keyId: _keyId, ...fields } = parseSeal(bundle.seals[0]);
  const seal = await createSeal(fields, records.map(recordHash), owner.key, keyIdOf(owner.key.spki));
  return {
    ...bundle,
    seals: [seal],
    records: records.map((record, index) => ({ record: serializeRecord(record), proof: inclusionProof(records.map(recordHash), index), seal: 0 })),
  };
}

describe('evidence', () => {
  let ecosystem: MemoryEcosystem;
  beforeEach(async () => {
    ecosystem = await startMemoryEcosystem({ settings: { messageLog: { mode: 'full', maxInlineBodyBytes: 64, oversizeBody: 'store' } } });
  });

  test('each side’s bundle of a sealed exchange verifies offline with the anchor alone', async () => {
    const xRoadId = await exchange(ecosystem);
    await ecosystem.sealAll();
    for (const gateway of [ecosystem.consumer, ecosystem.provider]) {
      const bundle = JSON.parse(JSON.stringify(await evidenceOf(ecosystem, gateway, xRoadId))) as EvidenceBundle; // as exported to a file
      const result = verifyEvidence(bundle, ecosystem.anchor);
      expect(failed(result)).toEqual([]);
      expect(result.valid).toBe(true);
      expect(bundle.records.map((entry) => entry.record.direction).sort()).toEqual(['request', 'response']);
    }
  });

  test('a body above the inline log limit (kept in the body store) travels in the bundle and verifies', async () => {
    const xRoadId = await exchange(ecosystem, `${PERSONS}/${'x'.repeat(80)}`);
    await ecosystem.sealAll();
    const records = await ecosystem.consumer.log.find(CLIENT, xRoadId);
    expect(records.find((record) => record.direction === 'response')).toMatchObject({ bodyLogged: 'stored' });
    const bundle = await evidenceOf(ecosystem, ecosystem.consumer, xRoadId);
    expect(bundle.records.find((entry) => entry.record.direction === 'response')!.record.body).toBeDefined();
    expect(verifyEvidence(bundle, ecosystem.anchor).valid).toBe(true);
  });

  test('a log owner cannot stand in for its peer: an answer signed by a published key of another gateway (its own) is refused', async () => {
    const xRoadId = await exchange(ecosystem);
    await ecosystem.sealAll();
    const genuine = await evidenceOf(ecosystem, ecosystem.consumer, xRoadId);
    const consumer = ecosystem.consumer;
    // The consumer forges the provider's answer: the same manifest, signed with its own (published) key, and a seal
    // of its own over the two records — everything it holds the keys for.
    const records = genuine.records.map((entry) => deserializeRecord(entry.record));
    const response = records.find((record) => record.direction === 'response')!;
    const manifest = {
      ...JSON.parse(Buffer.from(response.manifest!, 'base64').toString('utf8')),
      signer: { gateway: consumer.settings.gatewayId, keyId: keyIdOf(consumer.key.spki) },
    };
    const bytes = Buffer.from(JSON.stringify(manifest));
    const forged: MessageLogRecord = {
      ...response,
      manifest: bytes.toString('base64'),
      signature: consumer.key.signSync(bytes).toString('base64'),
      certificate: undefined,
    };
    const leaves = records.map((record) => (record.direction === 'response' ? forged : record)).sort(compareForSeal);
    const { type: _type, root: _root, recordCount: _count, keyId: _keyId, ...fields } = parseSeal(genuine.seals[0]);
    const seal = await createSeal(fields, leaves.map(recordHash), consumer.key, keyIdOf(consumer.key.spki));
    const bundle: EvidenceBundle = {
      ...genuine,
      seals: [seal],
      records: leaves.map((record, index) => ({ record: serializeRecord(record), proof: inclusionProof(leaves.map(recordHash), index), seal: 0 })),
    };
    const result = verifyEvidence(bundle, ecosystem.anchor);
    expect(failed(result)).toEqual([`consumer response: signed by the gateway the configuration assigns (${ecosystem.provider.settings.gatewayId})`]);
  });

  test('every field a record states is bound to what was signed: a signed refusal restated as 200, body and headers dropped and resealed by the owner, fails naming the status', async () => {
    const response = await ecosystem.call(`${PERSONS}/1`, { method: 'DELETE' });
    expect(response.status).toBe(403);
    await ecosystem.sealAll();
    const genuine = await evidenceOf(ecosystem, ecosystem.consumer, headerValue(response.headers, 'x-road-id')!);
    const metadataOnly = (record: MessageLogRecord): MessageLogRecord => ({ ...record, body: undefined, headers: undefined, bodyLogged: 'metadata' });
    expect(failed(verifyEvidence(await restatedByOwner(genuine, ecosystem.consumer, metadataOnly), ecosystem.anchor))).toEqual([]);
    const restated = await restatedByOwner(genuine, ecosystem.consumer, (record) =>
      record.direction === 'response' ? { ...metadataOnly(record), status: 200, errorType: undefined } : metadataOnly(record),
    );
    const result = verifyEvidence(restated, ecosystem.anchor);
    expect(failed(result)).toEqual(['consumer response: status agrees with its signed manifest']);
    expect(result.checks.find((check) => !check.ok)?.detail).toBe('status: the record states 200, its signed manifest 403');
  });

  test('an unsigned record cannot stand in for the signed answer: unsigned, a response is only the layer’s own error', async () => {
    const xRoadId = await exchange(ecosystem);
    await ecosystem.sealAll();
    const genuine = await evidenceOf(ecosystem, ecosystem.consumer, xRoadId);
    const unsigned = (record: MessageLogRecord, change: Partial<MessageLogRecord>): MessageLogRecord =>
      record.direction === 'response' ? { ...record, manifest: undefined, signature: undefined, certificate: undefined, ...change } : record;
    const standIn = await restatedByOwner(genuine, ecosystem.consumer, (record) => unsigned(record, {}));
    expect(failed(verifyEvidence(standIn, ecosystem.anchor))).toEqual(['consumer response: unsigned, as only a layer error answer may be']);
    const layerError = await restatedByOwner(genuine, ecosystem.consumer, (record) =>
      unsigned(record, { status: 502, errorType: 'Server.ClientProxy.NetworkError' }),
    );
    const result = verifyEvidence(layerError, ecosystem.anchor);
    expect(failed(result)).toEqual([]); // the owner's word alone, as a layer error may legitimately be
    expect(result.checks.find((check) => check.part === 'consumer response: unsigned, as only a layer error answer may be')?.detail).toMatch(
      /NetworkError, HTTP 502, stated by .* alone/,
    );
  });

  test('an exchange not sealed yet cannot be exported', async () => {
    const xRoadId = await exchange(ecosystem);
    const error = await rejectionOf(evidenceOf(ecosystem, ecosystem.consumer, xRoadId));
    expect(error).toBeInstanceOf(EvidenceError);
    expect((error as Error).message).toMatch(/not sealed yet/);
  });

  test('a changed body fails, naming the record and the check', async () => {
    const xRoadId = await exchange(ecosystem);
    await ecosystem.sealAll();
    const bundle = await evidenceOf(ecosystem, ecosystem.consumer, xRoadId);
    const response = bundle.records.find((entry) => entry.record.direction === 'response')!;
    (response.record as { body?: string }).body = Buffer.from('{"forged":true}').toString('base64');
    const result = verifyEvidence(bundle, ecosystem.anchor);
    expect(result.valid).toBe(false);
    expect(failed(result)).toContain('consumer response: body matches its logged hash');
  });

  test('records spliced from two exchanges fail the exchange binding', async () => {
    const first = await exchange(ecosystem, `${PERSONS}/1`);
    const second = await exchange(ecosystem, `${PERSONS}/2`);
    await ecosystem.sealAll();
    const a = await evidenceOf(ecosystem, ecosystem.consumer, first);
    const b = await evidenceOf(ecosystem, ecosystem.consumer, second);
    const spliced: EvidenceBundle = {
      ...a,
      records: [a.records.find((entry) => entry.record.direction === 'request')!, b.records.find((entry) => entry.record.direction === 'response')!],
    };
    const result = verifyEvidence(spliced, ecosystem.anchor);
    expect(result.valid).toBe(false);
    expect(failed(result).some((part) => part.startsWith('exchange:'))).toBe(true);
  });

  test('a bundle is only as good as the anchor: under another instance’s anchor it fails at the global configuration', async () => {
    const xRoadId = await exchange(ecosystem);
    await ecosystem.sealAll();
    const bundle = await evidenceOf(ecosystem, ecosystem.consumer, xRoadId);
    const result = verifyEvidence(bundle, { instance: 'TEST', publicKey: newTestKey().spkiBase64 });
    expect(result.valid).toBe(false);
    expect(failed(result)).toEqual(['global configuration: signed by the anchor key']);
  });

  test('a configuration signed via a fork of the anchor file’s rotation chain (a retired key, backdated) fails; the bundle’s rotations only extend it forward', async () => {
    const xRoadId = await exchange(ecosystem);
    await ecosystem.sealAll();
    const genuine = await evidenceOf(ecosystem, ecosystem.consumer, xRoadId);
    const [successor, forged] = [newTestKey(), newTestKey()];
    const now = ecosystem.clock.now();
    const rotation = await signCentralKeyRotation(ecosystem.anchor.instance, ecosystem.centralKey, successor, now + 60_000);
    const anchorFile = { instance: ecosystem.anchor.instance, publicKey: successor.spkiBase64, rotations: [rotation] };
    expect(verifyEvidence(genuine, anchorFile).valid).toBe(true);
    // The retired central key forks the chain with an earlier date and vouches for a key of the attacker's, which signs
    // the same configuration (every gateway key still listed, so only the configuration check can stop it).
    const fork = await signCentralKeyRotation(ecosystem.anchor.instance, ecosystem.centralKey, forged, now - 60_000);
    const document = { ...JSON.parse(genuine.globalConfiguration.document), centralKeyRotations: [fork] };
    const forgedBundle: EvidenceBundle = {
      ...genuine,
      globalConfiguration: await signGlobalConfiguration(document, forged),
      centralKeyRotations: [rotation, fork],
    };
    for (const bundle of [forgedBundle, { ...forgedBundle, centralKeyRotations: [fork] }, { ...forgedBundle, centralKeyRotations: undefined }]) {
      const result = verifyEvidence(bundle, anchorFile);
      expect(failed(result)).toEqual(['global configuration: signed by the anchor key']);
      expect(result.checks[0].detail).toMatch(/fork/);
    }
  });
});
