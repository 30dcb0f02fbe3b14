/**
 * What a running local ecosystem tells the `sild` CLI (`.sild/local.json`, written by `npm start`): where the
 * emulators and the central listen, each gateway's table, keys, settings and local credential, and how long each
 * step of a key rotation waits. The local credentials are the local runtime's stand-in for IAM; they never leave
 * the state folder.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CURRENT_MAX_AGE_SECONDS } from '../../lambdas/adapters/s3-configuration-distribution';
import type { GatewayRegistration } from '../../lambdas/core/central/join-request';
import type { Anchor } from '../../lambdas/core/trust/global-configuration';
import type { GatewaySettings } from '../../lambdas/core/exchange/settings';
import type { LocalEcosystem } from './ecosystem';
import { bodyBucketName, LOCAL_REGION, registryTableName, signingKeyAlias } from './names';

export interface LocalAgencyInfo {
  readonly table: string;
  readonly bucket: string;
  readonly gatewayId: string;
  readonly intervalSeconds: number;
  readonly shards: number;
  readonly retentionDays: number;
  /** The deployment's signing key (the key ring before any rotation). */
  readonly signingKeyId: string;
  readonly providerUrl: string;
  readonly settings: GatewaySettings;
  /** What its registration joins with (a key rotation joins again with it). */
  readonly registration: GatewayRegistration;
  /** The agency's registrar principal's credential (what its registration joins with; `functions['<agency>/registrar']`). */
  readonly credential: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Its opmon records (EMF lines), what `sild monitor` reads. */
  readonly opmonFile: string;
}

/** How long each step of a rotation waits, derived from the settings the functions run with. */
export interface RotationTiming {
  /** A gateway's next key (or a removal) is published: every gateway has a configuration saying so after this. */
  readonly publishWaitSeconds: number;
  /** A gateway signs with its next key: nothing its previous key signed is still in flight after this. */
  readonly retireWaitSeconds: number;
  /** The central's next key is in its ring: the hand-over is recorded and published after this. */
  readonly handOverWaitSeconds: number;
}

/** A function's principal: its credential and the role it stands for (by its logical id in the stack's template). */
export interface LocalFunctionPrincipal {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly roleLogicalId: string;
}

export interface LocalRuntimeInfo {
  readonly region: string;
  readonly dynamodb: string;
  readonly s3: string;
  readonly kms: string;
  readonly central: string;
  readonly registryTable: string;
  readonly centralKeyId: string;
  readonly anchor: Anchor;
  readonly rotation: RotationTiming;
  readonly agencies: Record<string, LocalAgencyInfo>;
  /**
   * Each function's own principal (`<agency>/<consumer|provider|sealer|canary|registrar>`, `central/<central|publisher>`):
   * what it calls AWS as, with its role's policies. The operator's credential (`local`/`local`) is not among them.
   */
  readonly functions: Record<string, LocalFunctionPrincipal>;
}

export const localInfoPath = (stateDir: string) => join(stateDir, 'local.json');
export const anchorPath = (stateDir: string) => join(stateDir, 'anchor.json');

/** What the `sild` CLI reads to work on a running local ecosystem (`SILD_STATE_DIR=dir`): its runtime info and anchor. */
export async function writeRuntimeFiles(ecosystem: LocalEcosystem, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(anchorPath(dir), `${JSON.stringify(await ecosystem.anchor(), null, 2)}\n`);
  writeFileSync(localInfoPath(dir), `${JSON.stringify(localRuntimeInfo(ecosystem), null, 2)}\n`);
}

/** A margin on every wait: clocks, schedules and caches do not tick in step. */
const MARGIN_SECONDS = 5;

export function localRuntimeInfo(ecosystem: LocalEcosystem): LocalRuntimeInfo {
  const gateways = Object.values(ecosystem.agencies).map((agency) => agency.deps.settings);
  const most = (pick: (settings: GatewaySettings) => number) => Math.max(0, ...gateways.map(pick));
  const central = ecosystem.centralSettings;
  return {
    region: LOCAL_REGION,
    dynamodb: ecosystem.emulatorEndpoints.dynamodbUrl,
    s3: ecosystem.emulatorEndpoints.s3Url,
    kms: ecosystem.emulatorEndpoints.kmsUrl,
    central: ecosystem.centralUrl,
    registryTable: registryTableName,
    centralKeyId: signingKeyAlias('central'),
    anchor: { instance: ecosystem.config.instance, publicKey: ecosystem.anchorPublicKey },
    rotation: {
      // A publication, the CDN's caching of the newest configuration, a gateway's refresh.
      publishWaitSeconds:
        central.generationSeconds + CURRENT_MAX_AGE_SECONDS + most((settings) => settings.globalConfRefreshSeconds) + MARGIN_SECONDS,
      retireWaitSeconds:
        most((settings) => settings.keyRingRefreshSeconds) + Math.ceil(most((settings) => settings.providerTimeoutMs) / 1000) + MARGIN_SECONDS,
      handOverWaitSeconds: central.keyRingRefreshSeconds + central.generationSeconds + MARGIN_SECONDS,
    },
    agencies: Object.fromEntries(
      ecosystem.config.agencies.map((config, index) => {
        const agency = ecosystem.agencies[config.name];
        const { settings } = agency.deps;
        const credential = ecosystem.credentials[index];
        const info: LocalAgencyInfo = {
          table: agency.logTable,
          bucket: bodyBucketName(config.name),
          gatewayId: settings.gatewayId,
          intervalSeconds: settings.sealing.intervalSeconds,
          shards: settings.sealing.shards,
          retentionDays: config.logRetentionDays,
          signingKeyId: signingKeyAlias(config.name),
          providerUrl: agency.providerUrl,
          settings,
          registration: agency.registration,
          credential: { accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey },
          opmonFile: agency.opmonFile,
        };
        return [config.name, info];
      }),
    ),
    functions: Object.fromEntries(
      ecosystem.iam.model.functions.map((fn) => [fn.name, { ...ecosystem.iam.credentials[fn.name], roleLogicalId: fn.roleLogicalId }]),
    ),
  };
}
