/**
 * Evidence bundles: everything needed to prove one exchange offline, in one JSON file — the gateway's log records
 * of the exchange (manifests, signatures, bodies or their hashes, the signed headers), each record's inclusion
 * proof, the seals that cover them, and the signed global configuration that binds each signing key to its
 * gateway. `verifyEvidence` checks it down to the anchor without any network access.
 */
import { CentralKeyChain, type CentralKeyRotation } from '../trust/central-keys';
import { keysByInstance } from '../trust/federation';
import { verifyGlobalConfiguration, type Anchor, type GlobalConfiguration, type SignedGlobalConfiguration } from '../trust/global-configuration';
import { formatClientId, instanceOfId, parseServiceId, serviceOwner } from '../kernel/identifiers';
import { checkLogRecord, describeContradiction, type RecordCheck } from './verification';
import { inclusionProof, rootFromProof, type ProofStep } from '../kernel/merkle';
import type { MessageLogRecord } from './records';
import type { BodyStore, SealLeaf } from './ports';
import { compareForSeal, parseSeal, recordHash, sealKey, sealSignatureValid, windowOf, type Seal } from './seal';
import { compareLeaves } from './sealer';

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
  /** The configuration in force when the exchange was signed (it lists the keys that signed it). */
  readonly globalConfiguration: SignedGlobalConfiguration;
  /**
   * Central key rotations known at export: they may extend the verifier's chain forward (an anchor of an earlier
   * central key); an anchor of a later key carries the rotations back to this configuration's key itself.
   */
  readonly centralKeyRotations?: CentralKeyRotation[];
  /**
   * Cross-border exchanges: the configuration of each federated instance whose gateway signed a record, in force when
   * it signed — verified with the anchor `globalConfiguration` publishes for that instance (or one the verifier gives).
   */
  readonly federatedConfigurations?: SignedGlobalConfiguration[];
  readonly seals: Seal[];
  readonly records: EvidenceRecord[];
}

export const serializeRecord = (record: MessageLogRecord): SerializedRecord => ({ ...record, body: record.body?.toString('base64') });
export const deserializeRecord = (record: SerializedRecord): MessageLogRecord => ({
  ...record,
  body: record.body === undefined ? undefined : Buffer.from(record.body, 'base64'),
});

/** Why a bundle cannot be built (e.g. the records are not sealed yet). */
export class EvidenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvidenceError';
  }
}

export interface EvidenceSource {
  readonly gateway: string;
  /** Where `stored` bodies are read from, so the bundle carries every body the log kept. @default - stored bodies stay out */
  readonly bodies?: BodyStore;
  readonly records: readonly MessageLogRecord[];
  readonly seals: readonly Seal[];
  /** The sealing index of the given windows (to rebuild the sealed tree for the proofs). */
  leavesInWindows(fromWindow: number, toWindow: number): Promise<SealLeaf[]>;
  readonly globalConfiguration: SignedGlobalConfiguration;
  /** The central key rotations known at export (so the bundle verifies under an anchor of a later central key). @default none */
  readonly centralKeyRotations?: readonly CentralKeyRotation[];
  /** The federated instances' configurations in force when their gateways signed records of this exchange. @default none */
  readonly federatedConfigurations?: readonly SignedGlobalConfiguration[];
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
    const proof = inclusionProof(
      leaves.map((leaf) => Buffer.from(leaf.recordHash, 'base64')),
      index,
    );
    const body = record.bodyLogged === 'stored' && record.bodyLocation && source.bodies ? await source.bodies.get(record.bodyLocation) : record.body;
    records.push({ record: serializeRecord({ ...record, body }), proof, seal: sealIndex });
  }
  const first = source.records[0];
  return {
    type: EVIDENCE_TYPE,
    xRoadId: first.xRoadId,
    client: first.client,
    gateway: source.gateway,
    exportedAt: new Date(source.nowMs).toISOString(),
    globalConfiguration: source.globalConfiguration,
    ...(source.centralKeyRotations?.length ? { centralKeyRotations: [...source.centralKeyRotations] } : {}),
    ...(source.federatedConfigurations?.length ? { federatedConfigurations: [...source.federatedConfigurations] } : {}),
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

/**
 * Verifies a bundle offline against the anchor (and, for a cross-border exchange, the federated instance's anchor:
 * given in `federatedAnchors`, else the one the verified configuration publishes for it); every check is reported,
 * not just the first failure.
 */
export function verifyEvidence(
  bundle: EvidenceBundle,
  anchor: Anchor,
  federatedAnchors: readonly Anchor[] = [],
): { valid: boolean; checks: EvidenceCheck[] } {
  const checks: EvidenceCheck[] = [];
  const check = (part: string, ok: boolean, detail?: string) => checks.push({ part, ok, ...(detail ? { detail } : {}) });
  if (bundle?.type !== EVIDENCE_TYPE) {
    check('bundle', false, 'not a Sild evidence bundle');
    return { valid: false, checks };
  }
  let configuration;
  try {
    // The anchor's rotations are the verifier's own chain; the bundle's may only extend it forward, never fork from it.
    const held = CentralKeyChain.ofAnchor(anchor);
    configuration = verifyGlobalConfiguration(bundle.globalConfiguration, held.extendedBy(held.provenBy(bundle.centralKeyRotations ?? [])));
    check(
      'global configuration: signed by the anchor key',
      true,
      `instance ${configuration.instance}, generated ${configuration.document.generatedAt}`,
    );
  } catch (error) {
    check('global configuration: signed by the anchor key', false, (error as Error).message);
    return { valid: false, checks };
  }

  const foreign = new Map<string, GlobalConfiguration>();
  for (const signed of bundle.federatedConfigurations ?? []) {
    const instance = claimedInstanceOf(signed);
    const given = federatedAnchors.find((candidate) => candidate.instance === instance);
    const published = configuration.federatedInstance(instance);
    const part = `global configuration of ${instance}: signed by ${given ? 'the given anchor' : `the anchor ${configuration.instance} publishes for it`}`;
    try {
      if (!given && !published) throw new Error(`${configuration.instance} does not federate with ${instance}`);
      foreign.set(instance, verifyGlobalConfiguration(signed, given ?? { instance, publicKey: published!.anchorPublicKey }));
      check(part, true, `generated ${foreign.get(instance)!.document.generatedAt}`);
    } catch (error) {
      check(part, false, (error as Error).message);
    }
  }
  const keys = keysByInstance(configuration.instance, configuration, foreign);

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

  const records = bundle.records.map((entry) => deserializeRecord(entry.record));
  const results = records.map((record) => {
    // A response's request fields are bound by the request manifest of the bundle's exchange on the same side.
    const request = records.find((candidate) => candidate.direction === 'request' && candidate.side === record.side);
    return checkLogRecord(record, keys, record.direction === 'response' ? request : undefined);
  });
  bundle.records.forEach((entry, index) => {
    const record = records[index];
    const result = results[index];
    const part = `${record.side} ${record.direction}`;
    check(`${part}: body matches its logged hash`, result.bodyMatches);
    if (record.manifest) {
      check(`${part}: manifest signed by ${result.signer ?? '?'}`, result.signatureValid, result.signatureProblem);
      if (result.hashMatches !== undefined) check(`${part}: logged message reproduces the signed hash`, result.hashMatches);
      const peer = peerGateway(record, (instance) => (instance === configuration.instance ? configuration : foreign.get(instance)));
      if (peer !== undefined && result.signer !== undefined) {
        check(`${part}: signed by the gateway the configuration assigns (${peer.join(' or ') || 'none'})`, peer.includes(result.signer));
      }
    } else {
      check(
        `${part}: unsigned, as only a layer error answer may be`,
        result.unsignedProblem === undefined,
        result.unsignedProblem ?? `${record.errorType}, HTTP ${record.status}, stated by ${bundle.gateway} alone`,
      );
    }
    checkStatedFields(part, result, check);
    if (result.answersRequest !== undefined) check('response manifest binds the request hash', result.answersRequest);
    const seal = bundle.seals[entry.seal];
    let sealRoot: string | undefined;
    try {
      sealRoot = seal && parseSeal(seal).root;
    } catch {
      sealRoot = undefined;
    }
    let proofOk: boolean;
    try {
      proofOk = sealRoot !== undefined && rootFromProof(recordHash(record), entry.proof) === sealRoot;
    } catch {
      proofOk = false;
    }
    check(`${part}: inclusion proof leads to the seal's root`, proofOk);
  });
  checkBinding(bundle, records, results, check);
  return { valid: checks.every((entry) => entry.ok), checks };
}

/**
 * For the record the other side signed — the request on a provider's log, the response on a consumer's — the gateways
 * that may have signed it, as the configuration of their instance assigns them (the live exchange checks the same):
 * the client's gateway, or the gateway serving the service (or its subsystem, for metadata services). Undefined for
 * this side's own records (`checkBinding` holds them to the bundle's gateway).
 */
function peerGateway(record: MessageLogRecord, configurationOf: (instance: string) => GlobalConfiguration | undefined): string[] | undefined {
  const peerSigned =
    (record.side === 'provider' && record.direction === 'request') || (record.side === 'consumer' && record.direction === 'response');
  if (!peerSigned) return undefined;
  const subject = record.direction === 'request' ? record.client : record.service;
  const configuration = configurationOf(instanceOfId(subject));
  if (!configuration) return [];
  if (record.direction === 'request') return [configuration.gatewayOfClient(record.client)?.id].filter((id): id is string => id !== undefined);
  return [
    ...new Set(
      [configuration.gatewayOfService(record.service)?.id, configuration.gatewayOfClient(ownerOf(record.service))?.id].filter(
        (id): id is string => id !== undefined,
      ),
    ),
  ];
}

/** The subsystem that owns a service (its id's first four parts), or the id itself when it is no service id. */
function ownerOf(service: string): string {
  try {
    return formatClientId(serviceOwner(parseServiceId(service)));
  } catch {
    return service;
  }
}

/** The instance a configuration says it is of (verification then holds it to its anchor's). */
function claimedInstanceOf(signed: SignedGlobalConfiguration): string {
  try {
    return String((JSON.parse(signed.document) as { instance?: unknown }).instance);
  } catch {
    return '?';
  }
}

/**
 * Every field a record states must be what was signed (`checkLogRecord`): one failed check per contradicted field,
 * naming it — the seals alone would let the log owner restate any of them.
 */
function checkStatedFields(part: string, result: RecordCheck, check: (part: string, ok: boolean, detail?: string) => void): void {
  if (result.contradictions.length === 0) check(`${part}: every field it states agrees with what was signed`, true);
  for (const contradiction of result.contradictions) {
    check(
      `${part}: ${contradiction.field} agrees with ${contradiction.manifest === 'own' ? 'its signed manifest' : 'the signed request manifest'}`,
      false,
      describeContradiction(contradiction),
    );
  }
}

/**
 * The bundle is one exchange, not records spliced from several: exactly one request and one response record, of
 * one gateway side; every record names the bundle's X-Road-Id and client (and, through `checkLogRecord`, so does every
 * manifest, the response's answering the request's); this side's own manifest is signed by the bundle's gateway.
 */
function checkBinding(
  bundle: EvidenceBundle,
  records: readonly MessageLogRecord[],
  results: readonly RecordCheck[],
  check: (part: string, ok: boolean, detail?: string) => void,
): void {
  const sides = new Set(records.map((record) => record.side));
  const count = (direction: string) => records.filter((record) => record.direction === direction).length;
  check(
    'exchange: one request and one response record of one gateway side',
    sides.size === 1 && count('request') === 1 && count('response') === 1 && records.length === 2,
    `${records.length} records, sides ${[...sides].join('/') || '-'}`,
  );
  const foreign = records.filter((record) => record.xRoadId !== bundle.xRoadId || record.client !== bundle.client);
  check(
    `exchange: every record belongs to X-Road-Id ${bundle.xRoadId} of ${bundle.client}`,
    foreign.length === 0,
    foreign.length ? `${foreign.length} record(s) of another exchange` : undefined,
  );
  const request = records.find((record) => record.direction === 'request');
  const response = records.find((record) => record.direction === 'response');
  if (request && new Set(records.map((record) => record.requestId)).size !== 1) check('exchange: every record carries the same request id', false);
  const side = request?.side ?? response?.side;
  // This side's own record: the request it sent (consumer) or the answer it gave (provider).
  const ownIndex = records.findIndex((record) => record === (side === 'consumer' ? request : response));
  if (ownIndex >= 0 && records[ownIndex].manifest)
    check(`${side} side's manifest is signed by the bundle's gateway ${bundle.gateway}`, results[ownIndex].signer === bundle.gateway);
}
