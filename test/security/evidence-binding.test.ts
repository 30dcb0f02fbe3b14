/**
 * Hostile review, finding 5: evidence fields were not bound to the signed manifests. A seal needs only the log
 * owner's key, and the signed hash was recomputed only from a logged body and headers — so business-registry,
 * presenting its own evidence, turned population-registry's signed 403 into a record saying 200 (body and headers
 * dropped, as metadata log mode does) and `sild evidence verify` said VALID. Every field a record states must now
 * agree with what was signed, whatever was logged. Each attack here is made as the log owner can: it edits its own
 * records and reseals them with its own gateway key.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { exportEvidenceCommand, verifyLogCommand, type Output } from '../../cli/commands';
import { localTargetOf, type LogTarget } from '../../cli/log-target';
import { ITEM_NAMES } from '../../lambdas/adapters/message-log-item';
import { deserializeRecord, serializeRecord, verifyEvidence, type EvidenceBundle } from '../../lambdas/core/log/evidence';
import { inclusionProof } from '../../lambdas/core/kernel/merkle';
import type { MessageLogRecord } from '../../lambdas/core/log/records';
import { compareForSeal, createSeal, parseSeal, recordHash } from '../../lambdas/core/log/seal';
import { keyIdOf } from '../../lambdas/core/kernel/signatures';
import { localRuntimeInfo } from '../../lib/local/runtime-info';
import { CRM_CLIENT, expectXRoadError, PERSONS, startTestEcosystem, type TestEcosystem } from '../e2e/fixture';

const CONSUMER = 'business-registry';
const PROVIDER = 'population-registry';
const REFUSED = 'refused-403';

let eco: TestEcosystem;
const quiet: Output = { line: () => undefined, progress: () => undefined };
const target = (agency: string): LogTarget => localTargetOf(localRuntimeInfo(eco), agency);

beforeAll(async () => {
  eco = await startTestEcosystem();
  for (const agency of Object.values(eco.agencies)) await agency.seal(); // genesis, as at start-up
  // crm has no access right on population-registry: its gateway refuses with a signed 403.
  const refused = await eco.call(`${PERSONS}/123`, { agency: CONSUMER, headers: { 'x-road-client': CRM_CLIENT, 'x-road-id': REFUSED } });
  expectXRoadError(refused, 403, 'Server.ServerProxy.AccessDenied');
  eco.clock.advance(95_000); // the window closes (plus grace)
  for (const agency of Object.values(eco.agencies)) await agency.seal();
});
afterAll(async () => {
  await eco?.stop();
});

/** The agency's evidence of the refused exchange, as `sild evidence export` writes it. */
async function evidenceOf(agency: string): Promise<EvidenceBundle> {
  const file = join(mkdtempSync(join(tmpdir(), 'sild-binding-')), `${agency}.json`);
  expect(await exportEvidenceCommand(target(agency), REFUSED, { client: CRM_CLIENT, out: file }, quiet, eco.clock.now())).toBe(0);
  return JSON.parse(readFileSync(file, 'utf8')) as EvidenceBundle;
}

/**
 * What the log owner can present: its records changed as it likes, under a seal it signs again with its own gateway
 * key (the seal's other fields kept), with fresh inclusion proofs — every part it holds a key for.
 */
async function ownerRestated(
  bundle: EvidenceBundle,
  agency: string,
  change: (record: MessageLogRecord) => Partial<MessageLogRecord>,
): Promise<EvidenceBundle> {
  const records = bundle.records
    .map((entry) => deserializeRecord(entry.record))
    .map((record) => withoutUndefined({ ...record, ...change(record) }))
    .sort(compareForSeal);
  const hashes = records.map(recordHash);
  const signer = await eco.agencies[agency].deps.keys.current();
  const { type: _type, root: _root, recordCount: _count, keyId: _keyId, ...fields } = parseSeal(bundle.seals[0]);
  const seal = await createSeal(fields, hashes, signer, keyIdOf(await signer.publicKey()));
  return {
    ...bundle,
    seals: [seal],
    records: records.map((record, index) => ({ record: serializeRecord(record), proof: inclusionProof(hashes, index), seal: 0 })),
  };
}

const withoutUndefined = (record: MessageLogRecord): MessageLogRecord =>
  Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as unknown as MessageLogRecord;

/** Body and headers dropped, as metadata log mode would have logged the record. */
const asMetadataMode: Partial<MessageLogRecord> = { body: undefined, headers: undefined, bodyLogged: 'metadata' };

const failed = (bundle: EvidenceBundle) =>
  verifyEvidence(bundle, target(CONSUMER).anchor)
    .checks.filter((check) => !check.ok)
    .map((check) => check.part);

describe('finding 5: evidence fields are bound to the signed manifests', () => {
  test('the bundle as exported, and as resealed unchanged by its owner, verifies (the attacks below change only fields)', async () => {
    for (const agency of [CONSUMER, PROVIDER]) {
      const bundle = await evidenceOf(agency);
      expect(failed(bundle)).toEqual([]);
      expect(failed(await ownerRestated(bundle, agency, () => ({})))).toEqual([]);
    }
  });

  test('the consumer restates the provider’s signed 403 as 200, body and headers dropped: invalid, naming the status', async () => {
    const bundle = await evidenceOf(CONSUMER);
    const response = bundle.records.find((entry) => entry.record.direction === 'response')!.record;
    expect(response).toMatchObject({ status: 403, errorType: 'Server.ServerProxy.AccessDenied' });
    const forged = await ownerRestated(bundle, CONSUMER, (record) => ({
      ...asMetadataMode,
      ...(record.direction === 'response' ? { status: 200, errorType: undefined } : {}),
    }));
    const result = verifyEvidence(forged, target(CONSUMER).anchor);
    expect(result.valid).toBe(false);
    expect(failed(forged)).toEqual(['consumer response: status agrees with its signed manifest']);
    expect(result.checks.find((check) => !check.ok)!.detail).toBe('status: the record states 200, its signed manifest 403');
  });

  test('the consumer restates method and target on records without a logged body: invalid, naming both on both records', async () => {
    const forged = await ownerRestated(await evidenceOf(CONSUMER), CONSUMER, () => ({
      ...asMetadataMode,
      method: 'DELETE',
      target: `${PERSONS}/999`,
    }));
    expect(failed(forged)).toEqual([
      'consumer request: method agrees with its signed manifest',
      'consumer request: target agrees with its signed manifest',
      'consumer response: method agrees with the signed request manifest',
      'consumer response: target agrees with the signed request manifest',
    ]);
  });

  test('the provider restates the target of the refused request it withheld the body of: invalid, naming the target', async () => {
    const bundle = await evidenceOf(PROVIDER);
    expect(bundle.records.find((entry) => entry.record.direction === 'request')!.record).toMatchObject({ bodyLogged: 'withheld' });
    const forged = await ownerRestated(bundle, PROVIDER, (record) =>
      record.direction === 'request' ? { target: `${PERSONS}/1`, headers: undefined } : {},
    );
    expect(failed(forged)).toEqual(['provider request: target agrees with its signed manifest']);
  });

  test('the consumer drops the provider’s signed answer and states 200 unsigned: invalid, an unsigned record is only a layer error', async () => {
    const forged = await ownerRestated(await evidenceOf(CONSUMER), CONSUMER, (record) =>
      record.direction === 'response'
        ? { ...asMetadataMode, manifest: undefined, signature: undefined, certificate: undefined, status: 200, errorType: undefined }
        : {},
    );
    expect(failed(forged)).toEqual(['consumer response: unsigned, as only a layer error answer may be']);
  });

  test('sild log verify names the status a stored record restates against its signed manifest', async () => {
    const key = { pk: `${CRM_CLIENT} ${REFUSED}`, sk: 'consumer#response' };
    await eco.clients.dynamodb.send(
      new UpdateCommand({
        TableName: eco.agencies[CONSUMER].logTable,
        Key: key,
        UpdateExpression: 'SET #status = :status REMOVE #body, #headers, #error',
        ExpressionAttributeNames: {
          '#status': ITEM_NAMES.status,
          '#body': ITEM_NAMES.body,
          '#headers': ITEM_NAMES.headers,
          '#error': ITEM_NAMES.errorType,
        },
        ExpressionAttributeValues: { ':status': 200 },
      }),
    );
    const lines: string[] = [];
    expect(await verifyLogCommand(target(CONSUMER), { line: (text) => lines.push(text), progress: () => undefined }, eco.clock.now())).toBe(1);
    expect(lines.join('\n')).toMatch(new RegExp(`${REFUSED} consumer#response .*status: the record states 200, its signed manifest 403`));
  });
});
