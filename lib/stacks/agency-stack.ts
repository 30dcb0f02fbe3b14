/**
 * One agency's gateway (X-Road's security server): its own signing key, its message-log table, the consumer-side
 * and provider-side functions and APIs, and — once the central stack is deployed and the config names its URL and
 * anchor key — the deploy-time registration with the central registry. The agency's services and access rights
 * travel in the gateway settings, so `cdk diff` shows a change in who may call what.
 */
import { Annotations, CfnOutput, Duration, Stack, Tags, Validations, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type { Construct } from 'constructs';
import { gatewayEnvironment } from '../../lambdas/deployment-contract';
import { accessPolicyItem, CONFIG_PK, MESSAGE_LOG_TABLE, SEAL_INDEX, SEAL_PK, serviceDescriptionItem } from '../../lambdas/adapters/tables';
import type { AgencyConfig, EcosystemConfig } from '../config/ecosystem-config';
import { accessPolicy, gatewaySettings, serviceDescriptions, type GatewayEndpoints } from '../config/runtime-settings';
import { ApiGatewayCloudWatchRole } from '../constructs/api-gateway-cloudwatch-role';
import { BodyStoreBucket } from '../constructs/body-store-bucket';
import { GatewayRegistration } from '../constructs/gateway-registration';
import { SigningKey } from '../constructs/signing-key';
import { SildFunction, type SildFunctionVpcPlacement } from '../constructs/sild-function';
import { SildHttpApi } from '../constructs/sild-http-api';
import { SildRestApi } from '../constructs/sild-rest-api';
import { apiTypeOf } from '../routes';
import { SildTable } from '../constructs/sild-table';
import { TableItem } from '../constructs/table-item';

export interface AgencyStackProps extends StackProps {
  /** The validated ecosystem config. */
  readonly config: EcosystemConfig;
  /** The agency this stack deploys (one of `config.agencies`). */
  readonly agency: AgencyConfig;
}

/** What the gateway is given while the central stack's URL and anchor key are not in the config yet. */
export const CENTRAL_PLACEHOLDERS: GatewayEndpoints = {
  centralUrl: 'https://central-api-not-configured.invalid',
  anchorPublicKey: 'central.anchorPublicKey-not-configured',
};

/** Throttling of each gateway API: consumer and provider together stay within KMS's 1,000 Sign/s per account. */
const GATEWAY_THROTTLE = { rateLimit: 500, burstLimit: 1000 };

export class AgencyStack extends Stack {
  public readonly consumerApi: SildRestApi | SildHttpApi;
  public readonly providerApi: SildRestApi | SildHttpApi;
  public readonly signingKey: SigningKey;
  public readonly messageLog: SildTable;
  public readonly bodyStore: BodyStoreBucket;
  /** Undefined while `central.apiUrl`/`central.anchorPublicKey` are not set. */
  public readonly registration?: GatewayRegistration;

  constructor(scope: Construct, id: string, props: AgencyStackProps) {
    super(scope, id, props);
    const { config, agency } = props;
    Tags.of(this).add('sild:instance', config.instance);
    Tags.of(this).add('sild:component', 'gateway');
    Tags.of(this).add('sild:agency', agency.name);

    this.signingKey = new SigningKey(this, 'SigningKey', {
      alias: `sild/${config.instance}/gateway/${agency.name}`,
      description: `Sild ${config.instance}: gateway ${agency.name} signs its messages`,
    });
    this.messageLog = new SildTable(this, 'MessageLog', { layout: MESSAGE_LOG_TABLE });
    this.bodyStore = new BodyStoreBucket(this, 'BodyStore', { retentionDays: agency.logRetentionDays });

    const { apiUrl, anchorPublicKey } = config.central;
    const centralConfigured = apiUrl !== undefined && anchorPublicKey !== undefined;
    if (!centralConfigured) {
      const missing = [apiUrl === undefined && 'central.apiUrl', anchorPublicKey === undefined && 'central.anchorPublicKey'].filter(Boolean).join(' and ');
      Annotations.of(this).addWarningV2(
        '@sild/central-not-configured',
        `${missing} not set: gateway ${agency.name} gets placeholders and does not register with the central registry. Deploy the central stack first, then set central.apiUrl/anchorPublicKey from its outputs and deploy this stack again.`,
      );
    }
    const endpoints: GatewayEndpoints = {
      centralUrl: apiUrl ?? CENTRAL_PLACEHOLDERS.centralUrl,
      anchorPublicKey: anchorPublicKey ?? CENTRAL_PLACEHOLDERS.anchorPublicKey,
    };
    const settings = gatewaySettings(config, agency, endpoints);
    const settingsJson = JSON.stringify(settings);
    const environment = gatewayEnvironment({
      settings,
      signingKeyId: this.signingKey.key.keyArn,
      messageLogTable: this.messageLog.table.tableName,
      logRetentionDays: agency.logRetentionDays,
      bodyBucket: this.bodyStore.bucket.bucketName,
    });
    const vpcPlacement = this.vpcPlacement(agency);
    const consumer = new SildFunction(this, 'ConsumerFunction', {
      entry: 'lambdas/gateway/consumer.ts',
      description: `Sild ${config.instance}: gateway ${agency.name}, consumer side`,
      environment,
      reservedConcurrency: agency.concurrency.consumer,
      vpcPlacement,
    });
    const provider = new SildFunction(this, 'ProviderFunction', {
      entry: 'lambdas/gateway/provider.ts',
      description: `Sild ${config.instance}: gateway ${agency.name}, provider side`,
      environment,
      reservedConcurrency: agency.concurrency.provider,
      vpcPlacement,
    });
    // Least privilege on the shared table: both sides write log records only (never the deployment's CONFIG items
    // or the sealer's seals) and read only the seals (the fail-closed check).
    for (const fn of [consumer, provider]) {
      this.signingKey.grantSign(fn);
      this.messageLog.grantItemActions(fn, ['PutItem'], { except: [CONFIG_PK, SEAL_PK] });
      this.messageLog.grantItemActions(fn, ['Query'], { only: [SEAL_PK] });
      this.bodyStore.grantReadWrite(fn);
    }
    // Who may call what: written into the log table at deploy time (it outgrows a 4 KB environment); `cdk diff`
    // shows a change of it in this resource. Only the provider side reads it.
    new TableItem(this, 'AccessPolicy', {
      table: this.messageLog,
      item: accessPolicyItem(accessPolicy(agency)),
      resourceType: 'Custom::SildAccessPolicy',
      physicalId: `${config.instance}-${agency.name}-access-policy`,
    });
    // Each service's OpenAPI description, one item per service (getOpenAPI reads it).
    for (const { subsystem, code, document } of serviceDescriptions(agency)) {
      new TableItem(this, `ServiceDescription-${subsystem}-${code}`, {
        table: this.messageLog,
        item: serviceDescriptionItem(subsystem, code, document),
        resourceType: 'Custom::SildServiceDescription',
        physicalId: `${config.instance}-${agency.name}-openapi-${subsystem}-${code}`,
      });
    }
    this.messageLog.grantItemActions(provider, ['GetItem'], { only: [CONFIG_PK] });

    // The sealer: every interval, a Merkle root over the closed windows' records, signed with the gateway key.
    const sealIntervalMinutes = Math.max(1, Math.round((agency.sealing?.intervalSeconds ?? 60) / 60));
    const sealer = new SildFunction(this, 'SealerFunction', {
      entry: 'lambdas/gateway/sealer.ts',
      description: `Sild ${config.instance}: gateway ${agency.name}, message-log sealer`,
      environment,
      // Reserved, so a flood on the other functions can never starve sealing (and trip fail-closed).
      reservedConcurrency: agency.concurrency.sealer,
      timeout: Duration.minutes(5),
      vpcPlacement,
    });
    this.signingKey.grantSign(sealer);
    this.messageLog.grantItemActions(sealer, ['PutItem', 'Query'], { only: [SEAL_PK] });
    this.messageLog.grantIndexQuery(sealer, SEAL_INDEX.indexName);
    new events.Rule(this, 'SealerSchedule', {
      description: `Seals the message log of ${agency.name} every ${sealIntervalMinutes} min`,
      schedule: events.Schedule.rate(Duration.minutes(sealIntervalMinutes)),
      targets: [new targets.LambdaFunction(sealer, { retryAttempts: 0 })],
    });

    const cloudWatchRole = new ApiGatewayCloudWatchRole(this, 'ApiGatewayLogging');
    const consumerAccess = agency.consumerAccess ?? { mode: 'iam' as const, principals: [] };
    if (consumerAccess.mode === 'iam' && consumerAccess.principals.length === 0) {
      Annotations.of(this).addWarningV2(
        '@sild/consumer-access-default',
        `No principal may call the consumer side of ${agency.name} (deny by default): set consumerAccess {"mode":"iam","principals":[{"arn":"arn:aws:iam::${agency.account}:role/NAME","subsystems":[...]}]} to bind IAM principals to the subsystems they act as, or {"mode":"private","vpcEndpointIds":[...]} for existing X-Road clients in the agency's VPC.`,
      );
    }
    const consumerUnauthenticatedReason =
      "Private endpoint reachable only through the agency's own VPC endpoints (the resource policy denies any other source), as an X-Road security server's client side is reachable only from the member's network; the gateway also checks that X-Road-Client is a subsystem it serves.";
    this.consumerApi =
      apiTypeOf('consumer', { consumerAccess: consumerAccess.mode }) === 'rest'
        ? new SildRestApi(this, 'ConsumerApi', {
            api: 'consumer',
            handler: consumer,
            restApiName: `sild-${config.instance}-${agency.name}-consumer`,
            description: `Sild ${config.instance}: gateway ${agency.name}, consumer side (${consumerAccess.mode})`,
            vpcEndpointIds: consumerAccess.mode === 'private' ? consumerAccess.vpcEndpointIds : undefined,
            unauthenticatedReason: consumerUnauthenticatedReason,
            throttle: GATEWAY_THROTTLE,
            cloudWatchRole,
          })
        : // IAM consumer access: an HTTP API (the query reaches the backend byte for byte); the handler admits only
          // the configured principals, each for its subsystems (none configured: nobody).
          new SildHttpApi(this, 'ConsumerApi', {
            api: 'consumer',
            handler: consumer,
            apiName: `sild-${config.instance}-${agency.name}-consumer`,
            description: `Sild ${config.instance}: gateway ${agency.name}, consumer side (iam)`,
            iamOnly: true,
            throttle: GATEWAY_THROTTLE,
          });
    const providerUnauthenticatedReason =
      "Called by other agencies' gateways: every request is authenticated by its message signature, verified against the keys in the signed global configuration (with replay and timestamp checks), and authorized by the agency's access rights (deny by default), as X-Road authenticates security servers by signature rather than network identity.";
    this.providerApi =
      apiTypeOf('provider', { providerApi: agency.providerApi }) === 'rest'
        ? new SildRestApi(this, 'ProviderApi', {
            api: 'provider',
            handler: provider,
            restApiName: `sild-${config.instance}-${agency.name}-provider`,
            description: `Sild ${config.instance}: gateway ${agency.name}, provider side`,
            unauthenticatedReason: providerUnauthenticatedReason,
            throttle: GATEWAY_THROTTLE,
            rateLimitPer5Minutes: agency.waf.enabled ? agency.waf.ratePer5Minutes : undefined,
            cloudWatchRole,
          })
        : new SildHttpApi(this, 'ProviderApi', {
            api: 'provider',
            handler: provider,
            apiName: `sild-${config.instance}-${agency.name}-provider`,
            description: `Sild ${config.instance}: gateway ${agency.name}, provider side`,
            unauthenticatedReason: providerUnauthenticatedReason,
            throttle: GATEWAY_THROTTLE,
          });

    if (centralConfigured) {
      this.registration = new GatewayRegistration(this, 'Registration', {
        agency: agency.name,
        memberName: agency.member.name,
        settingsJson,
        signingKey: this.signingKey,
        providerUrl: this.providerApi.url,
        centralUrl: apiUrl,
        centralAccount: config.central.account,
        centralRegion: config.central.region,
      });
      // Register only once the provider side is live.
      this.registration.resource.node.addDependency(this.providerApi.stage);
    }

    new CfnOutput(this, 'ConsumerApiUrl', { value: this.consumerApi.url, description: `Consumer side (${consumerAccess.mode}) for the agency's information systems` });
    new CfnOutput(this, 'ProviderApiUrl', { value: this.providerApi.url, description: 'Provider side, called by other gateways' });
    new CfnOutput(this, 'GatewaySigningKeyArn', { value: this.signingKey.key.keyArn, description: "The gateway's signing key" });
    new CfnOutput(this, 'MessageLogTableName', { value: this.messageLog.table.tableName, description: "The gateway's message log" });
  }

  /** Imports the agency's VPC from the config (no lookups: synth needs no credentials). */
  private vpcPlacement(agency: AgencyConfig): SildFunctionVpcPlacement | undefined {
    if (!agency.vpc) return undefined;
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: agency.vpc.vpcId, availabilityZones: agency.vpc.availabilityZones });
    const subnets = agency.vpc.subnetIds.map((subnetId) => {
      const subnet = ec2.Subnet.fromSubnetId(this, `Subnet-${subnetId}`, subnetId);
      Validations.of(subnet).acknowledge({
        id: 'Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId',
        reason: 'The imported subnets only place the gateway functions; nothing reads their route tables.',
      });
      return subnet;
    });
    const securityGroups =
      agency.vpc.securityGroupIds.length > 0
        ? agency.vpc.securityGroupIds.map((id) => ec2.SecurityGroup.fromSecurityGroupId(this, `SecurityGroup-${id}`, id, { mutable: false }))
        : [new ec2.SecurityGroup(this, 'GatewaySecurityGroup', { vpc, description: `Sild gateway ${agency.name}: functions (egress only)`, allowAllOutbound: true })];
    return { vpc, subnets, securityGroups };
  }
}
