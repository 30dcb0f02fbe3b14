/**
 * The central server, run locally as its stack deploys it: its function and publisher on the deployment contract,
 * the items the stack writes at deploy time (join allow-list, global groups, federated instances), the central API
 * behind its IAM-checking front, the CDN in front of the configuration bucket, a first publication, and the
 * publication schedule.
 */
import { createCentralDeps } from '../../lambdas/central/central-deps';
import { createCentralHandler } from '../../lambdas/central/handlers';
import type { CentralSettingsInput } from '../../lambdas/core/central/settings';
import type { GatewayDeps } from '../../lambdas/core/exchange/gateway';
import type { Clock } from '../../lambdas/core/kernel/ports';
import { centralEnvironment, readCentralDeployment } from '../../lambdas/deployment-contract';
import { centralConfigOf, type EcosystemConfig } from '../config/ecosystem-config';
import { centralSettings, federatedInstances, globalGroups, joinAllowList } from '../config/runtime-settings';
import { startApiFront, type ApiFront } from './api-front';
import { startConfigurationCdn, type ConfigurationCdn } from './configuration-cdn';
import { localApiArn } from './iam/local-iam';
import type { LocalAws } from './local-aws';
import { configurationBucketName, registryTableName } from './names';
import type { LocalPorts } from './ports';
import type { Shutdown } from './shutdown';

export interface LocalCentralOptions {
  readonly config: EcosystemConfig;
  readonly clock: Clock;
  /** The central key's ARN. */
  readonly signingKeyId: string;
  readonly centralOverrides?: Partial<CentralSettingsInput>;
  /** @default true */
  readonly publishOnTimer?: boolean;
  readonly events?: GatewayDeps['events'];
}

export interface LocalCentral {
  readonly front: ApiFront;
  readonly cdn: ConfigurationCdn;
  /** The central as the operator reaches it (administrator credentials): deploy-time writes, the anchor. */
  readonly deps: ReturnType<typeof createCentralDeps>;
  /** The publisher function's, calling as its own principal. */
  readonly publisher: ReturnType<typeof createCentralDeps>['publisher'];
  /** The anchor every gateway trusts: the central public key (DER SPKI, base64). */
  readonly anchorPublicKey: string;
}

export async function startLocalCentral(options: LocalCentralOptions, aws: LocalAws, ports: LocalPorts, shutdown: Shutdown): Promise<LocalCentral> {
  const { clock } = options;
  const config = centralConfigOf(options.config);
  // The function reads its deployment through the same contract as in AWS (environment → validated settings).
  // Locally every gateway listens on loopback http; in AWS the central refuses that (https, public addresses).
  const deployment = readCentralDeployment(
    centralEnvironment({
      settings: { ...centralSettings(config), insecureLoopbackHttp: true, ...options.centralOverrides },
      signingKeyId: options.signingKeyId,
      registryTable: registryTableName,
      configurationBucket: configurationBucketName,
    }),
  );
  // The operator's view (deploy-time writes, the anchor), the central function's and the publisher's.
  const deps = createCentralDeps(deployment, aws.clients, clock);
  const centralFunction = createCentralDeps(deployment, aws.clientsOf('central/central'), clock);
  const publisher = createCentralDeps(deployment, aws.clientsOf('central/publisher'), clock).publisher;
  await deps.registry.putDeploymentItems(joinAllowList(config), globalGroups(config), federatedInstances(config)); // what the central stack writes at deploy time
  const anchorPublicKey = (await (await deps.keys.current()).publicKey()).toString('base64');
  const party = aws.iam.party('central')!;
  const front = await startApiFront({
    api: 'central',
    handler: createCentralHandler(centralFunction),
    port: ports.central,
    now: () => clock.now(),
    iam: {
      local: aws.iam,
      resource: (method, path) => ({ arn: localApiArn(party, 'central', method, path), account: party.account, policy: aws.setup.model.join.policy }),
    },
  });
  shutdown.add(front.stop);
  // The CDN in front of the configuration bucket (CloudFront in AWS).
  const cdn = await startConfigurationCdn({ s3: aws.clients.s3, bucket: configurationBucketName, port: ports.cdn, now: () => clock.now() });
  shutdown.add(cdn.stop);
  await publisher.publish();
  // The central's publication schedule (EventBridge in AWS).
  if (options.publishOnTimer !== false) {
    shutdown.every(deps.settings.generationSeconds * 1000, () =>
      publisher.publish().catch((error) => options.events?.('publish-failed', { cause: error })),
    );
  }
  return { front, cdn, deps, publisher, anchorPublicKey };
}
