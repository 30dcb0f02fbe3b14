/**
 * The `sild` commands as functions (the CLI in `bin/sild.ts` parses options and calls these; the tests call them
 * directly). Each returns the process exit code: 0 when everything holds, 1 when a problem was found.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { buildEvidence, verifyEvidence, type EvidenceBundle } from '../lambdas/core/log/evidence';
import { ConfigurationHistory } from '../lambdas/core/trust/configuration-history';
import {
  requireCurrentCentralKey,
  verifyGlobalConfiguration,
  type Anchor,
  type GlobalConfiguration,
} from '../lambdas/core/trust/global-configuration';
import { keysByInstance } from '../lambdas/core/trust/federation';
import { instanceOfId } from '../lambdas/core/kernel/identifiers';
import { auditLog } from '../lambdas/core/log/audit';
import { CliError, type LogTarget } from './log-target';
import { printable, printableJson } from './printable';

export interface Output {
  /** Results, on stdout. */
  line(text: string): void;
  /** Progress, on stderr. */
  progress(text: string): void;
}

interface Histories {
  readonly current: GlobalConfiguration;
  /** The own instance's configurations. */
  readonly history: ConfigurationHistory;
  /** Each federated instance's configurations the gateway kept, verified with the anchor the own central publishes. */
  readonly federated: ReadonlyMap<string, ConfigurationHistory>;
}

/**
 * The current configuration and the gateway's kept history (its own instance's and the federated ones'), verified.
 * The anchor's rotations are the central key chain held: the current configuration may only extend it forward and
 * must be signed by its head; the kept ones must agree with the chain the current one verified under.
 */
async function historyOf(target: LogTarget, out: Output): Promise<Histories> {
  const current = requireCurrentCentralKey(verifyGlobalConfiguration(await target.globalConfiguration(), target.anchor));
  const kept = await target.archive.history();
  const ignored = (error: unknown) => out.progress(`  a kept configuration does not verify and is ignored: ${(error as Error).message}`);
  const history = ConfigurationHistory.verified([...kept, current.signed], target.anchor, ignored);
  for (const problem of conflictsOf(history)) out.progress(`  ${problem}`);
  const federated = new Map<string, ConfigurationHistory>();
  for (const entry of current.document.federatedInstances) {
    const archive = target.federatedArchive(entry.instance);
    const latest = await archive.latest();
    const signed = [...(await archive.history()), ...(latest ? [latest] : [])];
    if (signed.length > 0)
      federated.set(entry.instance, ConfigurationHistory.verified(signed, { instance: entry.instance, publicKey: entry.anchorPublicKey }, ignored));
  }
  return { current, history, federated };
}

export async function verifyLogCommand(target: LogTarget, out: Output, nowMs = Date.now()): Promise<number> {
  out.progress(`Reading the message log of ${target.agency} (${target.gatewayId})…`);
  const { current, history, federated } = await historyOf(target, out);
  const configuration = keysByInstance(current.instance, history, federated);
  const seals = await target.seals.listSeals();
  const records = await target.log.scanRecords((count) => out.progress(`  ${count} records read`));
  out.progress(`Checking ${records.length} records against ${seals.length} seals…`);
  let reported = 0;
  const result = auditLog({
    gatewayId: target.gatewayId,
    seals,
    records,
    configuration,
    intervalSeconds: target.intervalSeconds,
    retentionDays: target.retentionDays,
    nowMs,
    onProgress: (done, total) => {
      if (done === total || done - reported >= 500) {
        reported = done;
        out.progress(`  ${done}/${total} seals checked`);
      }
    },
  });
  out.line(`records checked: ${result.recordsChecked} (${result.recordsPending} logged after the newest seal, sealed by the next run)`);
  out.line(`seals checked:   ${result.sealsChecked} (${result.expiredSeals} past retention: chain and signature only)`);
  const problems = [...conflictsOf(history), ...result.problems];
  if (problems.length === 0) {
    out.line('problems:        none — the log matches its seals');
    return 0;
  }
  out.line(`problems:        ${problems.length}`);
  // Problems quote records: their ids and paths come from peers.
  for (const problem of problems) out.line(`  - ${printable(problem)}`);
  return 1;
}

/** Versions of which the gateway kept two different signed documents: never settled silently for one of them. */
function conflictsOf(history: ConfigurationHistory): string[] {
  return history.conflicts.map(
    (version) => `global configuration version ${version}: different signed documents were kept (a central key signed both)`,
  );
}

export async function exportEvidenceCommand(
  target: LogTarget,
  xRoadId: string,
  options: { client?: string; out?: string },
  out: Output,
  nowMs = Date.now(),
): Promise<number> {
  const records = options.client
    ? await target.log.find(options.client, xRoadId)
    : (await target.log.scanRecords()).filter((record) => record.xRoadId === xRoadId);
  const clients = [...new Set(records.map((record) => record.client))];
  if (clients.length > 1)
    throw new CliError(
      `X-Road-Id ${printable(xRoadId)} was used by several clients (${clients.map(printable).join(', ')}); choose one with --client`,
    );
  // The configuration in force when the exchange was signed: its keys, even if rotated out since.
  const { current, history, federated } = await historyOf(target, out);
  const signedAt = Math.min(...records.map((record) => Date.parse(record.loggedAt)));
  // A cross-border exchange: the foreign signer's configuration in force then travels in the bundle too.
  const foreignInstances = new Set(
    records.map((record) => instanceOfId(signerOf(record) ?? current.instance)).filter((instance) => instance !== current.instance),
  );
  const federatedConfigurations = [...foreignInstances].flatMap((instance) => federated.get(instance)?.inForceAt(signedAt)?.signed ?? []);
  const bundle = await buildEvidence({
    gateway: target.gatewayId,
    records: records.map(withoutStoredHash),
    seals: await target.seals.listSeals(),
    leavesInWindows: (from, to) => target.seals.leavesInWindows(from, to),
    globalConfiguration: (history.inForceAt(signedAt) ?? current).signed,
    centralKeyRotations: current.document.centralKeyRotations,
    federatedConfigurations,
    bodies: target.bodies,
    nowMs,
  });
  if (options.out) {
    writeFileSync(options.out, `${JSON.stringify(bundle, null, 2)}\n`);
    out.line(`Evidence for ${printable(xRoadId)}: ${bundle.records.length} records, ${bundle.seals.length} seal(s) → ${printable(options.out)}`);
  } else {
    out.line(printableJson(bundle));
  }
  return 0;
}

/** A record as logged, without the hash the audit scan carries beside it. */
function withoutStoredHash<R extends object>(record: R & { storedHash?: string }): Omit<R, 'storedHash'> {
  const { storedHash: _stored, ...rest } = record;
  return rest;
}

/** The gateway a record's manifest names as its signer. */
function signerOf(record: { manifest?: string }): string | undefined {
  try {
    return record.manifest
      ? (JSON.parse(Buffer.from(record.manifest, 'base64').toString('utf8')) as { signer?: { gateway?: string } }).signer?.gateway
      : undefined;
  } catch {
    return undefined;
  }
}

export function verifyEvidenceCommand(file: string, anchor: Anchor, out: Output, federatedAnchors: readonly Anchor[] = []): number {
  let bundle: EvidenceBundle;
  try {
    bundle = JSON.parse(readFileSync(file, 'utf8')) as EvidenceBundle;
  } catch (error) {
    throw new CliError(`${printable(file)} is not a readable JSON evidence bundle: ${printable((error as Error).message)}`);
  }
  const result = verifyEvidence(bundle, anchor, federatedAnchors);
  // The bundle is whatever someone handed over: every value from it is printed escaped.
  const shown = (value: unknown) => (value === undefined || value === null ? '?' : printable(String(value)));
  out.line(`Evidence ${printable(file)}: X-Road-Id ${shown(bundle.xRoadId)}, client ${shown(bundle.client)}, log of ${shown(bundle.gateway)}`);
  for (const check of result.checks) out.line(`  ${check.ok ? '✓' : '✗'} ${shown(check.part)}${check.detail ? ` — ${shown(check.detail)}` : ''}`);
  out.line(result.valid ? 'VALID: every check holds' : `INVALID: ${result.checks.filter((check) => !check.ok).length} check(s) failed`);
  return result.valid ? 0 : 1;
}
