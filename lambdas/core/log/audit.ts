/**
 * Audits a gateway's whole message log against its seals: the chain is unbroken, every seal is signed by the
 * gateway, every sealed window's records reproduce the sealed Merkle root, no record sits outside a seal, and every
 * record checks against what was signed (`checkLogRecord`: signature, body hash, signed hash, and each field it states
 * against its manifest — a response's request fields against the request record of its exchange, when still logged).
 *
 * Retention: records expire by window (TTL); seals do not. A window whose retention has passed is checked for its
 * place in the chain and its signature only ("expired"), so expiry never breaks the verification of what remains.
 */
import type { GlobalConfiguration } from '../trust/global-configuration';
import { checkLogRecord } from './verification';
import { merkleRoot } from '../kernel/merkle';
import type { MessageLogRecord } from './records';
import { chainProblems, compareForSeal, parseSeal, recordHash, sealKey, sealSignatureValid, windowOf, windowStartMs, type Seal } from './seal';

export interface AuditInput {
  readonly gatewayId: string;
  readonly seals: readonly Seal[];
  /** Every record, with the hash stored beside it at logging time (if any). */
  readonly records: readonly (MessageLogRecord & { storedHash?: string })[];
  readonly configuration: Pick<GlobalConfiguration, 'publicKey'>;
  readonly intervalSeconds: number;
  readonly retentionDays: number;
  readonly nowMs: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface AuditResult {
  readonly recordsChecked: number;
  readonly sealsChecked: number;
  /** Records logged after the newest seal (sealed by the next run): not a problem. */
  readonly recordsPending: number;
  readonly expiredSeals: number;
  readonly problems: string[];
}

const describe = (record: MessageLogRecord) => `record ${sealKey(record)} (${record.loggedAt})`;
/** One exchange on one side of the gateway: its request and response records share it. */
const exchangeSideKey = (record: MessageLogRecord) => `${record.client} ${record.xRoadId} ${record.side}`;

export function auditLog(input: AuditInput): AuditResult {
  const problems: string[] = [];
  const seals = [...input.seals].sort((a, b) => parseSeal(a).fromWindow - parseSeal(b).fromWindow);
  problems.push(...chainProblems(seals));

  const byWindow = new Map<number, MessageLogRecord[]>();
  for (const record of input.records) {
    const window = windowOf(Date.parse(record.loggedAt), input.intervalSeconds);
    const list = byWindow.get(window) ?? [];
    list.push(record);
    byWindow.set(window, list);
  }

  let expiredSeals = 0;
  const covered = new Set<number>();
  seals.forEach((seal, index) => {
    const header = parseSeal(seal);
    const label = `seal of windows ${header.fromWindow}–${header.toWindow}`;
    if (header.gateway !== input.gatewayId) problems.push(`${label} names gateway ${header.gateway}`);
    const key = input.configuration.publicKey(header.gateway, header.keyId);
    if (!key || !sealSignatureValid(seal, key)) problems.push(`${label}: signature invalid or key unknown`);
    for (let window = header.fromWindow; window <= header.toWindow; window += 1) covered.add(window);
    const expired = windowStartMs(header.toWindow + 1, header.intervalSeconds) + input.retentionDays * 86_400_000 <= input.nowMs;
    if (expired) {
      expiredSeals += 1;
    } else {
      const records: MessageLogRecord[] = [];
      for (let window = header.fromWindow; window <= header.toWindow; window += 1) records.push(...(byWindow.get(window) ?? []));
      records.sort(compareForSeal);
      const root = merkleRoot(records.map(recordHash));
      if (root !== header.root || records.length !== header.recordCount) {
        problems.push(
          `${label}: the log no longer matches the seal (${records.length} records found, ${header.recordCount} sealed) — records were edited, removed or added`,
        );
      }
    }
    input.onProgress?.(index + 1, seals.length);
  });

  const newest = seals.length ? parseSeal(seals[seals.length - 1]).toWindow : Number.NEGATIVE_INFINITY;
  const requests = new Map(input.records.filter((record) => record.direction === 'request').map((record) => [exchangeSideKey(record), record]));
  let recordsPending = 0;
  for (const record of input.records) {
    const window = windowOf(Date.parse(record.loggedAt), input.intervalSeconds);
    // Past its retention a record is being removed by TTL, one item at a time (a response may outlive its request for
    // a while): its window is checked for its place in the chain and its signature only.
    if (windowStartMs(window + 1, input.intervalSeconds) + input.retentionDays * 86_400_000 <= input.nowMs) continue;
    if (window > newest) recordsPending += 1;
    else if (!covered.has(window)) problems.push(`${describe(record)} is in no seal`);
    if (record.storedHash && record.storedHash !== recordHash(record).toString('base64'))
      problems.push(`${describe(record)} was edited after it was logged`);
    const check = checkLogRecord(record, input.configuration, record.direction === 'response' ? requests.get(exchangeSideKey(record)) : undefined);
    if (!check.valid) problems.push(`${describe(record)}: ${check.problem}`);
  }
  return { recordsChecked: input.records.length, sealsChecked: seals.length, recordsPending, expiredSeals, problems };
}
