/**
 * Evidence bundles, on an exchange of the in-memory ecosystem: a bundle of a sealed exchange verifies offline
 * against the anchor alone, bodies kept in the body store included; anything changed, spliced or vouched for by
 * another anchor fails, naming the part; an exchange not sealed yet cannot be exported.
 */
import { buildEvidence, deserializeRecord, EvidenceError, serializeRecord, verifyEvidence, type EvidenceBundle } from '../../../lambdas/core/evidence';
import { inclusionProof } from '../../../lambdas/core/merkle';
import type { MessageLogRecord } from '../../../lambdas/core/message-log';
import { compareForSeal, createSeal, parseSeal, recordHash } from '../../../lambdas/core/seal';
import { keyIdOf } from '../../../lambdas/core/signatures';
import { headerValue } from '../../../lambdas/core/http';
import { CLIENT, PERSONS, startMemoryEcosystem, type MemoryEcosystem, type MemoryGateway } from '../../support/memory-ecosystem';
import { rejectionOf } from '../../support/assertions';
import { newTestKey } from '../../support/memory-adapters';

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
    const manifest = { ...JSON.parse(Buffer.from(response.manifest!, 'base64').toString('utf8')), signer: { gateway: consumer.settings.gatewayId, keyId: keyIdOf(consumer.key.spki) } };
    const bytes = Buffer.from(JSON.stringify(manifest));
    const forged: MessageLogRecord = { ...response, manifest: bytes.toString('base64'), signature: consumer.key.signSync(bytes).toString('base64'), certificate: undefined };
    const leaves = records.map((record) => (record.direction === 'response' ? forged : record)).sort(compareForSeal);
    const { type: _type, root: _root, recordCount: _count, keyId: _keyId, ...fields } = parseSeal(genuine.seals[0]);
    const seal = await createSeal(fields, leaves.map(recordHash), consumer.key, keyIdOf(consumer.key.spki));
    const bundle: EvidenceBundle = { ...genuine, seals: [seal], records: leaves.map((record, index) => ({ record: serializeRecord(record), proof: inclusionProof(leaves.map(recordHash), index), seal: 0 })) };
    const result = verifyEvidence(bundle, ecosystem.anchor);
    expect(failed(result)).toEqual([`consumer response: signed by the gateway the configuration assigns (${ecosystem.provider.settings.gatewayId})`]);
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
    const spliced: EvidenceBundle = { ...a, records: [a.records.find((entry) => entry.record.direction === 'request')!, b.records.find((entry) => entry.record.direction === 'response')!] };
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
});
