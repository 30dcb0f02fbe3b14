/**
 * The central deployment (X-Road's central server), as an L3 construct: the registry table, the central signing key
 * (whose public key is the anchor every gateway trusts), the central function and the central API — `GET /globalconf`
 * (public: the document is signed) and `POST /join` (AWS IAM; the resource policy names exactly the agency accounts
 * of the join allow-list). It needs only the central operator's config; it knows nothing of the agencies' services.
 */
import { Annotations, CfnOutput, Duration, Stack, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { FEDERATED_INSTANCES_ITEM, GLOBAL_GROUPS_ITEM, JOIN_ALLOW_LIST_ITEM } from '../../lambdas/adapters/registry-items';
import { CENTRAL_KEY_CHAIN_KEY, CONFIG_PK, COUNTER_PK, KEYS_PK, REGISTRY_TABLE } from '../../lambdas/adapters/tables';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { centralEnvironment } from '../../lambdas/deployment-contract';
import { centralParty } from '../config/concurrency-plan';
import { restApiLogging } from '../config/api-gateway-logging';
import { configurationDistribution } from '../config/configuration-distribution';
import { parseCentralConfig, type CentralConfig, type CentralConfigInput } from '../config/central-config';
import { centralSettings, federatedInstances, globalGroups, joinAllowList } from '../config/runtime-settings';
import { ApiGatewayCloudWatchRole } from './api-gateway-cloudwatch-role';
import { CentralMonitoring } from './central-monitoring';
import { GlobalConfigurationCdn } from './global-configuration-cdn';
import { checkDeploymentTarget } from './deployment-target';
import { checkLambdaConcurrency } from './lambda-concurrency-check';
import { applyPermissionsBoundary } from './permissions-boundary';
import { signingKeySet, type SigningKey, type SigningKeySet } from './signing-key';
import { SildFunction } from './sild-function';
import { SildRestApi } from './sild-rest-api';
import { SildTable } from './sild-table';
import { TableItem } from './table-item';

/**
 * The central operator's config (`centralConfigSchema`: every field documented there with its default), validated
 * when the construct is built; a problem stops synth naming the field and the reason.
 */
export type SildCentralProps = CentralConfigInput;

export class SildCentral extends Construct {
  /** The validated config the central was built from. */
  public readonly config: CentralConfig;
  public readonly api: SildRestApi;
  /** The key that signs now (`central.signingKeys.current`). */
  public readonly signingKey: SigningKey;
  /** Every key the central holds (`central.signingKeys`). */
  public readonly signingKeys: SigningKeySet;
  public readonly registry: SildTable;
  /** Alarms (and their topic) and the dashboard. */
  public readonly monitoring: CentralMonitoring;
  /** Where the global configuration is distributed (S3 behind CloudFront, or S3 alone: `central.configurationCdn`). */
  public readonly configuration: GlobalConfigurationCdn;

  constructor(scope: Construct, id: string, props: SildCentralProps) {
    super(scope, id);
    const config = (this.config = parseCentralConfig(props, `SildCentral ${id} props`));
    checkDeploymentTarget(this, `The central of ${config.instance}`, config.central);
    checkLambdaConcurrency(this, centralParty(config));
    Tags.of(this).add('sild:instance', config.instance);
    Tags.of(this).add('sild:component', 'central');

    this.registry = new SildTable(this, 'Registry', { layout: REGISTRY_TABLE });
    this.signingKeys = signingKeySet(this, {
      alias: `sild/${config.instance}/central`,
      description: `Sild ${config.instance}: signs the global configuration (the anchor's key)`,
      keys: config.central.signingKeys,
    });
    this.signingKey = this.signingKeys.current;

    // The configuration is distributed through a CDN: readers cost the central nothing. Without it (an account
    // CloudFront does not accept distributions from yet), gateways read the central API.
    const distribution = configurationDistribution(config.central);
    this.configuration = new GlobalConfigurationCdn(this, 'GlobalConfiguration', { distribution: distribution.cdn });
    if (!distribution.cdn)
      Annotations.of(this).addWarningV2('@sild/configuration-cdn-off', `The central of ${config.instance}: ${distribution.guidance}`);
    const environment = centralEnvironment({
      settings: centralSettings(config),
      signingKeyId: this.signingKey.key.keyArn,
      publishedKeyIds: this.signingKeys.published.map((key) => key.key.keyArn),
      registryTable: this.registry.table.tableName,
      configurationBucket: this.configuration.bucket.bucketName,
    });
    const handler = new SildFunction(this, 'CentralFunction', {
      tracing: config.central.tracing,
      entry: 'lambdas/central/index.ts',
      description: `Sild ${config.instance}: central API (global configuration, join)`,
      memorySize: 256,
      timeout: Duration.seconds(10),
      reservedConcurrency: config.central.concurrency,
      environment,
    });
    // Publication on a schedule (a fresh expiry and the registry's latest state), independent of any reader.
    const publisher = new SildFunction(this, 'PublisherFunction', {
      tracing: config.central.tracing,
      entry: 'lambdas/central/publisher.ts',
      description: `Sild ${config.instance}: publishes the global configuration`,
      memorySize: 256,
      timeout: Duration.seconds(30),
      environment,
    });
    const generationMinutes = Math.max(1, Math.round(config.central.globalConfGenerationSeconds / 60));
    new events.Rule(this, 'PublisherSchedule', {
      description: `Publishes the global configuration of ${config.instance} every ${generationMinutes} min`,
      schedule: events.Schedule.rate(Duration.minutes(generationMinutes)),
      targets: [new targets.LambdaFunction(publisher, { retryAttempts: 2 })],
    });
    for (const fn of [handler, publisher]) {
      this.configuration.grantPublish(fn);
      // The previous key signs the hand-over to the new one.
      for (const key of this.signingKeys.published) key.grantSign(fn);
    }
    // The join writes agency entries, never the deployment's CONFIG items (allow-list, global groups) or the
    // operator's central key ring; publishing advances the version counter and records key hand-overs (CHAIN).
    this.registry.grantItemActions(handler, ['GetItem', 'Scan']);
    this.registry.grantItemActions(handler, ['PutItem'], { except: [CONFIG_PK, KEYS_PK, COUNTER_PK] });
    this.registry.grantItemActions(publisher, ['GetItem', 'Scan']);
    this.registry.grantItemActions(publisher, ['PutItem'], { only: [CENTRAL_KEY_CHAIN_KEY.pk] });
    for (const fn of [handler, publisher]) this.registry.grantItemActions(fn, ['UpdateItem'], { only: [COUNTER_PK] });

    // The join allow-list (agency → account → member) goes into the registry, not into the function's 4 KB
    // environment: it grows with the ecosystem. `cdk diff Sild-<instance>-Central` shows it in this resource's parameters.
    new TableItem(this, 'JoinAllowList', {
      table: this.registry,
      item: JOIN_ALLOW_LIST_ITEM.write(joinAllowList(config)),
      resourceType: 'Custom::SildJoinAllowList',
      physicalId: `${config.instance}-join-allow-list`,
    });
    new TableItem(this, 'GlobalGroups', {
      table: this.registry,
      item: GLOBAL_GROUPS_ITEM.write(globalGroups(config)),
      resourceType: 'Custom::SildGlobalGroups',
      physicalId: `${config.instance}-global-groups`,
    });
    // The federated instances and the anchors trusted for them: a federation change shows in this stack's diff only.
    new TableItem(this, 'FederatedInstances', {
      table: this.registry,
      item: FEDERATED_INSTANCES_ITEM.write(federatedInstances(config)),
      resourceType: 'Custom::SildFederatedInstances',
      physicalId: `${config.instance}-federated-instances`,
    });

    // REST stages log only where the config says the account's API Gateway logging role is there (a fresh account has none).
    const logging = restApiLogging(config.central, 'central.');
    this.api = new SildRestApi(this, 'CentralApi', {
      api: 'central',
      handler,
      restApiName: `sild-${config.instance}-central`,
      description: `Sild ${config.instance}: central API`,
      iamPrincipals: [...new Set(config.agencies.map((agency) => agency.account))].sort().map((account) => new iam.AccountPrincipal(account)),
      rateLimitPer5Minutes: config.central.waf.enabled ? config.central.waf.ratePer5Minutes : undefined,
      unauthenticatedReason:
        'GET /globalconf publishes the global configuration, public by design as in X-Road: its integrity comes from the central signature every gateway verifies against its anchor, and it holds no secrets.',
      throttle: { rateLimit: 50, burstLimit: 100 },
      stageLogging: logging.enabled,
      cloudWatchRole: config.central.apiGatewayAccountRole ? new ApiGatewayCloudWatchRole(this, 'ApiGatewayLogging') : undefined,
    });
    if (!logging.enabled) Annotations.of(this).addWarningV2('@sild/rest-api-logging-off', `The central of ${config.instance}: ${logging.guidance}`);

    this.monitoring = new CentralMonitoring(this, 'Monitoring', {
      instance: config.instance,
      functions: { central: handler, publisher },
      api: this.api.metrics,
      registry: this.registry.table,
      publishEveryMinutes: generationMinutes,
      lambdaConcurrencyQuota: config.central.lambdaConcurrencyQuota,
      alarmEmails: config.central.monitoring.alarmEmails,
    });

    // Last: the custom-resource provider the table items share exists by now.
    if (config.central.permissionsBoundary) applyPermissionsBoundary(this, config.central.permissionsBoundary);

    new CfnOutput(this, 'CentralApiUrl', { value: this.api.url, description: 'Set as central.apiUrl in the ecosystem config' });
    if (this.configuration.currentUrl) {
      new CfnOutput(this, 'GlobalConfigurationUrl', {
        value: this.configuration.currentUrl,
        description: 'Set as central.configurationUrl in the ecosystem config (gateways read the configuration from here)',
      });
    }
    new CfnOutput(this, 'InstanceCode', {
      value: config.instance,
      description:
        'A federation partner lists this instance in its central.federation: this code, CentralApiUrl, GlobalConfigurationUrl and the anchor public key',
    });
    new CfnOutput(this, 'CentralSigningKeyArn', { value: this.signingKey.key.keyArn, description: 'The central signing key' });
    new CfnOutput(this, 'AnchorPublicKeyCommand', {
      value: `aws kms get-public-key --region ${Stack.of(this).region} --key-id ${this.signingKey.key.keyArn} --query PublicKey --output text`,
      description: 'Prints the anchor public key (DER SPKI, base64): set it as central.anchorPublicKey',
    });
  }
}
