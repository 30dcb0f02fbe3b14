/**
 * Evidence bundles: everything needed to prove one exchange offline, in one JSON file — the gateway's log records
 * of the exchange (manifests, signatures, bodies or their hashes, the signed headers), each record's inclusion
 * proof, the seals that cover them, and the signed global configuration that binds each signing key to its
 * gateway. `verifyEvidence` checks it down to the anchor without any network access.
 */
import { verifyGlobalConfiguration, type Anchor, type SignedGlobalConfiguration } from './global-configuration';
import { checkLogRecord } from './log-verification';
import { inclusionProof, rootFromProof, type ProofStep } from './merkle';
import type { MessageLogRecord } from './message-log';
import { compareForSeal, parseSeal, recordHash, sealKey, sealSignatureValid, windowOf, type Seal } from './seal';
import { compareLeaves, type SealLeaf } from './sealer';

export const EVIDENCE_TYPE = 'sild.evidence.v1';

/** A record as it travels in a bundle: the body base64-encoded. */
export type SerializedRecord = Omit<MessageLogRecord, 'body'> & { readonly body?: string };

export interface EvidenceRecord {
  readonly record: SerializedRecord;
  readonly proof: ProofStep[];
  /** Index into `seals`. */
  readonly seal: number;
}

export interface EvidenceBundle {
  readonly type: typeof EVIDENCE_TYPE;
  readonly xRoadId: string;
  readonly client: string;
  /** The gateway whose log this is (it signed the seals). */
  readonly gateway: string;
  readonly exportedAt: string;
  readonly globalConfiguration: SignedGlobalConfiguration;
  readonly seals: Seal[];
  readonly records: EvidenceRecord[];
}

export const serializeRecord = (record: MessageLogRecord): SerializedRecord => ({ ...record, body: record.body?.toString('base64') });
export const deserializeRecord = (record: SerializedRecord): MessageLogRecord => ({ ...record, body: record.body === undefined ? undefined : Buffer.from(record.body, 'base64') });

/** Why a bundle cannot be built (e.g. the records are not sealed yet). */
export class EvidenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvidenceError';
  }
}

export interface EvidenceSource {
  readonly gateway: string;
  readonly records: readonly MessageLogRecord[];
  readonly seals: readonly Seal[];
  /** The sealing index of the given windows (to rebuild the sealed tree for the proofs). */
  leavesInWindows(fromWindow: number, toWindow: number): Promise<SealLeaf[]>;
  readonly globalConfiguration: SignedGlobalConfiguration;
  readonly nowMs: number;
}

export async function buildEvidence(source: EvidenceSource): Promise<EvidenceBundle> {
  if (source.records.length === 0) throw new EvidenceError('No log records for this exchange on this gateway');
  const seals: Seal[] = [];
  const records: EvidenceRecord[] = [];
  for (const record of [...source.records].sort(compareForSeal)) {
    const seal = source.seals.find((candidate) => {
      const header = parseSeal(candidate);
      const window = windowOf(Date.parse(record.loggedAt), header.intervalSeconds);
      return window >= header.fromWindow && window <= header.toWindow;
    });
    if (!seal) throw new EvidenceError(`The ${record.side} ${record.direction} record is not sealed yet; export again after the next seal`);
    const header = parseSeal(seal);
    const leaves = (await source.leavesInWindows(header.fromWindow, header.toWindow)).sort(compareLeaves);
    const index = leaves.findIndex((leaf) => leaf.key === sealKey(record));
    if (index < 0) throw new EvidenceError(`The ${record.side} ${record.direction} record is missing from its sealed window`);
    let sealIndex = seals.indexOf(seal);
    if (sealIndex < 0) sealIndex = seals.push(seal) - 1;
    const proof = inclusionProof(leaves.map((leaf) => Buffer.from(leaf.recordHash, 'base64')), index);
    records.push({ record: serializeRecord(record), proof, seal: sealIndex });
  }
  const first = source.records[0];
  return {
    type: EVIDENCE_TYPE,
    xRoadId: first.xRoadId,
    client: first.client,
    gateway: source.gateway,
    exportedAt: new Date(source.nowMs).toISOString(),
    globalConfiguration: source.globalConfiguration,
    seals,
    records,
  };
}

export interface EvidenceCheck {
  /** What was checked, naming the part (e.g. "consumer request: body"). */
  readonly part: string;
  readonly ok: boolean;
  readonly detail?: string;
}

/** Verifies a bundle offline against the anchor; every check is reported, not just the first failure. */
export function verifyEvidence(bundle: EvidenceBundle, anchor: Anchor): { valid: boolean; checks: EvidenceCheck[] } {
  const checks: EvidenceCheck[] = [];
  const check = (part: string, ok: boolean, detail?: string) => checks.push({ part, ok, ...(detail ? { detail } : {}) });
  if (bundle?.type !== EVIDENCE_TYPE) {
    check('bundle', false, 'not a Sild evidence bundle');
    return { valid: false, checks };
  }
  let configuration;
  try {
    configuration = verifyGlobalConfiguration(bundle.globalConfiguration, anchor);
    check('global configuration: signed by the anchor key', true, `instance ${configuration.instance}, generated ${configuration.document.generatedAt}`);
  } catch (error) {
    check('global configuration: signed by the anchor key', false, (error as Error).message);
    return { valid: false, checks };
  }

  bundle.seals.forEach((seal, index) => {
    let label = `seal ${index + 1}`;
    try {
      const header = parseSeal(seal);
      label = `seal of windows ${header.fromWindow}–${header.toWindow}`;
      const key = configuration.publicKey(header.gateway, header.keyId);
      check(`${label}: signed by ${header.gateway}`, header.gateway === bundle.gateway && key !== undefined && sealSignatureValid(seal, key));
    } catch {
      check(`${label}: readable`, false, 'the seal header is malformed');
    }
  });

  const manifests: Record<string, string> = {};
  for (const entry of bundle.records) {
    const record = deserializeRecord(entry.record);
    const part = `${record.side} ${record.direction}`;
    const result = checkLogRecord(record, configuration);
    check(`${part}: body matches its logged hash`, result.bodyMatches);
    if (record.manifest) {
      check(`${part}: manifest signed by ${result.signer ?? '?'}`, result.signatureValid, result.signatureValid ? undefined : result.problem);
      if (result.hashMatches !== undefined) check(`${part}: logged message reproduces the signed hash`, result.hashMatches);
      manifests[record.direction] = record.manifest;
    }
    const seal = bundle.seals[entry.seal];
    let sealRoot: string | undefined;
    try {
      sealRoot = seal && parseSeal(seal).root;
    } catch {
      sealRoot = undefined;
    }
    let proofOk = false;
    try {
      proofOk = sealRoot !== undefined && rootFromProof(recordHash(record), entry.proof) === sealRoot;
    } catch {
      proofOk = false;
    }
    check(`${part}: inclusion proof leads to the seal's root`, proofOk);
  }

  // The response must answer this request: its manifest binds the request's hash.
  if (manifests.request && manifests.response) {
    try {
      const request = JSON.parse(Buffer.from(manifests.request, 'base64').toString('utf8')) as { requestHash: string; xRoadId: string };
      const response = JSON.parse(Buffer.from(manifests.response, 'base64').toString('utf8')) as { requestHash: string; xRoadId: string };
      check('response manifest binds the request hash', request.requestHash === response.requestHash && request.xRoadId === response.xRoadId);
    } catch {
      check('response manifest binds the request hash', false, 'a manifest is malformed');
    }
  }
  return { valid: checks.every((entry) => entry.ok), checks };
}
