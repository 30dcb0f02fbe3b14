/**
 * An agency's gateway (X-Road's security server), as an L3 construct: its own signing key, message-log table and
 * body store, the consumer-side and provider-side functions and APIs, the sealer, what the agency decides (access
 * rights, local groups, service descriptions and WSDLs — written into its table, so `cdk diff` shows who may call what), and —
 * once the central URL and anchor are known — the deploy-time registration with the central registry.
 *
 * An agency's CDK app needs only this and its own config:
 *
 *   new SildGateway(this, 'Gateway', { instance: 'EE', central: { url, anchor }, name: 'tax-board', account, region,
 *     member: { class: 'GOV', code: '70000002', name: 'Tax Board' }, subsystems: ['tax-records'], services, accessRights });
 */
import { Annotations, CfnOutput, Duration, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { ACCESS_POLICY_ITEM, serviceDescriptionItem, serviceWsdlItem } from '../../lambdas/adapters/gateway-items';
import { MESSAGE_LOG_TABLE } from '../../lambdas/adapters/tables';
import { parseGatewaySettings } from '../../lambdas/core/exchange/settings';
import { gatewayParty } from '../config/concurrency-plan';
import { isLoopbackHost } from '../../lambdas/core/kernel/network-addresses';
import { parseGatewayConfig, type GatewayConfig, type GatewayConfigInput } from '../config/gateway-config';
import { restApiLogging } from '../config/api-gateway-logging';
import { executeApiRegionOf, FUNCTIONS_IN_VPC, type GatewayFunctionName } from '../config/vpc-layout';
import {
  accessPolicy,
  accessPolicyReview,
  gatewaySettings,
  serviceDescriptions,
  serviceWsdls,
  type GatewayEndpoints,
  gatewayRegistration,
} from '../config/runtime-settings';
import { apiTypeOf } from '../routes';
import { ApiGatewayCloudWatchRole } from './api-gateway-cloudwatch-role';
import { checkDeploymentTarget } from './deployment-target';
import { checkLambdaConcurrency } from './lambda-concurrency-check';
import { BodyStoreBucket } from './body-store-bucket';
import { GatewayFunction, type GatewayFunctionProps, type GatewayResources } from './gateway-function';
import { GatewayMonitoring } from './gateway-monitoring';
import { GatewayRegistration } from './gateway-registration';
import { applyPermissionsBoundary } from './permissions-boundary';
import { signingKeySet, type SigningKey, type SigningKeySet } from './signing-key';
import type { SildFunctionVpcPlacement } from './sild-function';
import { SildHttpApi } from './sild-http-api';
import { SildRestApi } from './sild-rest-api';
import { SildTable } from './sild-table';
import { TableItem } from './table-item';

/**
 * The gateway's config (`gatewayConfigSchema`: every field documented there with its default), validated when the
 * construct is built; a problem stops synth naming the field and the reason.
 */
export interface SildGatewayProps extends GatewayConfigInput {
  /** Where relative `services[].openapi` and `services[].wsdl` files are read from. @default '.' (the CDK app's folder) */
  readonly descriptionsDir?: string;
}

/** What the gateway is given while the central's URL and anchor key are not known yet. */
export const CENTRAL_PLACEHOLDERS: GatewayEndpoints = {
  centralUrl: 'https://central-api-not-configured.invalid',
  anchorPublicKey: 'central.anchorPublicKey-not-configured',
};

/** Throttling of each gateway API: consumer and provider together stay within KMS's 1,000 Sign/s per account. */
const GATEWAY_THROTTLE = { rateLimit: 500, burstLimit: 1000 };

export class SildGateway extends Construct {
  /** The validated config the gateway was built from. */
  public readonly config: GatewayConfig;
  public readonly consumerApi: SildRestApi | SildHttpApi;
  public readonly providerApi: SildRestApi | SildHttpApi;
  /** The key that signs now (`signingKeys.current`). */
  public readonly signingKey: SigningKey;
  /** Every key the gateway publishes (`signingKeys`). */
  public readonly signingKeys: SigningKeySet;
  public readonly messageLog: SildTable;
  public readonly bodyStore: BodyStoreBucket;
  /** Undefined while the central URL and anchor are not known. */
  public readonly registration?: GatewayRegistration;
  /** Alarms (and their topic), the canary's alarm and the dashboard. */
  public readonly monitoring: GatewayMonitoring;

  constructor(scope: Construct, id: string, props: SildGatewayProps) {
    super(scope, id);
    const { descriptionsDir, ...config } = props;
    const gateway = (this.config = parseGatewayConfig(config, `SildGateway ${id} props`, descriptionsDir ?? '.'));
    checkDeploymentTarget(this, `Gateway ${gateway.name}`, gateway);
    checkLambdaConcurrency(this, gatewayParty(gateway));
    Tags.of(this).add('sild:instance', gateway.instance);
    Tags.of(this).add('sild:component', 'gateway');
    Tags.of(this).add('sild:agency', gateway.name);

    this.signingKeys = signingKeySet(this, {
      alias: `sild/${gateway.instance}/gateway/${gateway.name}`,
      description: `Sild ${gateway.instance}: gateway ${gateway.name} signs its messages`,
      keys: gateway.signingKeys,
    });
    this.signingKey = this.signingKeys.current;
    this.warnAboutBackends(gateway);
    this.messageLog = new SildTable(this, 'MessageLog', { layout: MESSAGE_LOG_TABLE });
    this.bodyStore = new BodyStoreBucket(this, 'BodyStore', { retentionDays: gateway.logRetentionDays });

    const { url: apiUrl, anchor: anchorPublicKey } = gateway.central;
    const centralConfigured = apiUrl !== undefined && anchorPublicKey !== undefined;
    if (!centralConfigured) {
      const missing = [apiUrl === undefined && 'central.url', anchorPublicKey === undefined && 'central.anchor'].filter(Boolean).join(' and ');
      Annotations.of(this).addWarningV2(
        '@sild/central-not-configured',
        `${missing} not set: gateway ${gateway.name} gets placeholders and does not register with the central registry. Deploy the central stack first, then set the central URL and anchor key from its outputs and deploy this gateway again.`,
      );
    }
    const endpoints: GatewayEndpoints = {
      centralUrl: apiUrl ?? CENTRAL_PLACEHOLDERS.centralUrl,
      anchorPublicKey: anchorPublicKey ?? CENTRAL_PLACEHOLDERS.anchorPublicKey,
    };
    const settings = gatewaySettings(gateway, endpoints);
    const resources: GatewayResources = {
      settings,
      signingKeys: this.signingKeys,
      messageLog: this.messageLog,
      logRetentionDays: gateway.logRetentionDays,
      bodyStore: this.bodyStore,
    };
    // Which functions go into the agency VPC (`vpc.functions`): by default the provider side alone, which calls the
    // backends there; the others stay on Lambda's own network (see vpc-layout.ts for why).
    const placement = this.vpcPlacement(gateway);
    const inVpc = new Set(gateway.vpc ? FUNCTIONS_IN_VPC[gateway.vpc.functions] : []);
    const vpcPlacementOf = (name: GatewayFunctionName) => (inVpc.has(name) ? placement : undefined);
    /** One of this gateway's functions, with its resources, tracing and place in the VPC layout. */
    const gatewayFunction = (
      id: string,
      name: GatewayFunctionName,
      purpose: string,
      props: Pick<GatewayFunctionProps, 'reservedConcurrency' | 'timeout'>,
    ) =>
      new GatewayFunction(this, id, {
        name,
        resources,
        tracing: gateway.tracing,
        description: `Sild ${gateway.instance}: gateway ${gateway.name}, ${purpose}`,
        vpcPlacement: vpcPlacementOf(name),
        ...props,
      });
    const consumer = gatewayFunction('ConsumerFunction', 'consumer', 'consumer side', { reservedConcurrency: gateway.concurrency.consumer });
    const provider = gatewayFunction('ProviderFunction', 'provider', 'provider side', { reservedConcurrency: gateway.concurrency.provider });
    // What is offered to whom — services and their backends, access rights, local groups, maintenance: written into
    // the log table at deploy time (it outgrows a 4 KB environment, and changes while the functions run); `cdk diff`
    // shows a change of it in this resource, one line per service and right. Only the provider side reads it.
    const policy = accessPolicy(gateway);
    const policyItem = new TableItem(this, 'AccessPolicy', {
      table: this.messageLog,
      item: ACCESS_POLICY_ITEM.write(policy),
      review: accessPolicyReview(policy),
      resourceType: 'Custom::SildAccessPolicy',
      physicalId: `${gateway.instance}-${gateway.name}-access-policy`,
    });
    // The provider's code is updated once the item it reads is written in the form that code reads.
    provider.node.addDependency(policyItem);
    // Each service's OpenAPI description, one item per service (getOpenAPI reads it).
    for (const { subsystem, code, document } of serviceDescriptions(gateway)) {
      new TableItem(this, `ServiceDescription-${subsystem}-${code}`, {
        table: this.messageLog,
        item: serviceDescriptionItem(subsystem, code).write(document),
        resourceType: 'Custom::SildServiceDescription',
        physicalId: `${gateway.instance}-${gateway.name}-openapi-${subsystem}-${code}`,
      });
    }
    // Each SOAP service's WSDL, one item per service, as the descriptions (not in the environment: it outgrows 4 KB).
    for (const { subsystem, code, text } of serviceWsdls(gateway)) {
      new TableItem(this, `ServiceWsdl-${subsystem}-${code}`, {
        table: this.messageLog,
        item: serviceWsdlItem(subsystem, code).write(text),
        resourceType: 'Custom::SildServiceWsdl',
        physicalId: `${gateway.instance}-${gateway.name}-wsdl-${subsystem}-${code}`,
      });
    }

    // The sealer: every interval, a Merkle root over the closed windows' records, signed with the gateway key.
    const sealIntervalMinutes = Math.max(1, Math.round((gateway.sealing?.intervalSeconds ?? 60) / 60));
    const sealer = gatewayFunction('SealerFunction', 'sealer', 'message-log sealer', {
      // A reservation (opt-in) keeps a flood on the other functions from starving sealing; without one, sealing that
      // cannot run trips fail-closed, so nothing unsealed is delivered.
      reservedConcurrency: gateway.concurrency.sealer,
      timeout: Duration.minutes(5),
    });
    new events.Rule(this, 'SealerSchedule', {
      description: `Seals the message log of ${gateway.name} every ${sealIntervalMinutes} min`,
      schedule: events.Schedule.rate(Duration.minutes(sealIntervalMinutes)),
      targets: [new targets.LambdaFunction(sealer, { retryAttempts: 0 })],
    });

    // The canary: a synthetic exchange through both sides on a schedule (what its alarm watches).
    const canary = gatewayFunction('CanaryFunction', 'canary', 'canary', { timeout: Duration.seconds(60) });
    // Scheduled once the central is configured: before, it could only fail (no configuration to exchange with).
    if (centralConfigured) {
      new events.Rule(this, 'CanarySchedule', {
        description: `Runs the canary of ${gateway.name} every ${gateway.monitoring.canaryMinutes} min`,
        schedule: events.Schedule.rate(Duration.minutes(gateway.monitoring.canaryMinutes)),
        targets: [new targets.LambdaFunction(canary, { retryAttempts: 0 })],
      });
    }

    // The account-wide logging role is set by the one stack the config names (it is one setting per account and Region);
    // REST stages log only where the config says the role is there (a fresh account has none).
    const cloudWatchRole = gateway.apiGatewayAccountRole ? new ApiGatewayCloudWatchRole(this, 'ApiGatewayLogging') : undefined;
    const logging = restApiLogging(gateway);
    const consumerAccess = gateway.consumerAccess ?? { mode: 'iam' as const, principals: [] };
    if (consumerAccess.mode === 'iam' && consumerAccess.principals.length === 0) {
      Annotations.of(this).addWarningV2(
        '@sild/consumer-access-default',
        `No principal may call the consumer side of ${gateway.name} (deny by default): set consumerAccess {"mode":"iam","principals":[{"arn":"arn:aws:iam::${gateway.account}:role/NAME","subsystems":[...]}]} to bind IAM principals to the subsystems they act as, or {"mode":"private","vpcEndpointIds":[...]} for existing X-Road clients in the agency's VPC.`,
      );
    }
    const consumerUnauthenticatedReason =
      "Private endpoint reachable only through the agency's own VPC endpoints (the resource policy denies any other source), as an X-Road security server's client side is reachable only from the member's network; the gateway also checks that X-Road-Client is a subsystem it serves.";
    this.consumerApi =
      apiTypeOf('consumer', { consumerAccess: consumerAccess.mode }) === 'rest'
        ? new SildRestApi(this, 'ConsumerApi', {
            api: 'consumer',
            handler: consumer,
            restApiName: `sild-${gateway.instance}-${gateway.name}-consumer`,
            description: `Sild ${gateway.instance}: gateway ${gateway.name}, consumer side (${consumerAccess.mode})`,
            vpcEndpointIds: consumerAccess.mode === 'private' ? consumerAccess.vpcEndpointIds : undefined,
            unauthenticatedReason: consumerUnauthenticatedReason,
            throttle: GATEWAY_THROTTLE,
            stageLogging: logging.enabled,
            cloudWatchRole,
          })
        : // IAM consumer access: an HTTP API (the query reaches the backend byte for byte); the handler admits only
          // the configured principals, each for its subsystems (none configured: nobody).
          new SildHttpApi(this, 'ConsumerApi', {
            api: 'consumer',
            handler: consumer,
            apiName: `sild-${gateway.instance}-${gateway.name}-consumer`,
            description: `Sild ${gateway.instance}: gateway ${gateway.name}, consumer side (iam)`,
            iamOnly: true,
            throttle: GATEWAY_THROTTLE,
          });
    const providerUnauthenticatedReason =
      "Called by other agencies' gateways: every request is authenticated by its message signature, verified against the keys in the signed global configuration (with replay and timestamp checks), and authorized by the agency's access rights (deny by default), as X-Road authenticates security servers by signature rather than network identity.";
    this.providerApi =
      apiTypeOf('provider', { providerApi: gateway.providerApi }) === 'rest'
        ? new SildRestApi(this, 'ProviderApi', {
            api: 'provider',
            handler: provider,
            restApiName: `sild-${gateway.instance}-${gateway.name}-provider`,
            description: `Sild ${gateway.instance}: gateway ${gateway.name}, provider side`,
            unauthenticatedReason: providerUnauthenticatedReason,
            throttle: GATEWAY_THROTTLE,
            rateLimitPer5Minutes: gateway.waf.enabled ? gateway.waf.ratePer5Minutes : undefined,
            signedMessageRateLimitPer5Minutes: gateway.waf.signedRatePer5Minutes,
            stageLogging: logging.enabled,
            cloudWatchRole,
          })
        : new SildHttpApi(this, 'ProviderApi', {
            api: 'provider',
            handler: provider,
            apiName: `sild-${gateway.instance}-${gateway.name}-provider`,
            description: `Sild ${gateway.instance}: gateway ${gateway.name}, provider side`,
            unauthenticatedReason: providerUnauthenticatedReason,
            throttle: GATEWAY_THROTTLE,
          });

    if (!logging.enabled && [this.consumerApi, this.providerApi].some((api) => api instanceof SildRestApi)) {
      Annotations.of(this).addWarningV2('@sild/rest-api-logging-off', `Gateway ${gateway.name}: ${logging.guidance}`);
    }

    if (centralConfigured) {
      this.registration = new GatewayRegistration(this, 'Registration', {
        registration: gatewayRegistration(gateway),
        signingKey: this.signingKey,
        publishedKeys: this.signingKeys.published,
        providerUrl: this.providerApi.url,
        centralUrl: apiUrl,
        centralAccount: gateway.central.account,
        centralRegion: gateway.central.region ?? executeApiRegionOf(apiUrl) ?? Stack.of(this).region,
      });
      // Register only once the provider side is live.
      this.registration.resource.node.addDependency(this.providerApi.stage);
    }

    this.monitoring = new GatewayMonitoring(this, 'Monitoring', {
      agency: gateway.name,
      instance: gateway.instance,
      gatewayId: settings.gatewayId,
      functions: { consumer, provider, sealer, canary },
      apis: { consumer: this.consumerApi.metrics, provider: this.providerApi.metrics },
      table: this.messageLog.table,
      maxLagSeconds: parseGatewaySettings(settings).sealing.maxLagSeconds,
      canaryMinutes: gateway.monitoring.canaryMinutes,
      canaryScheduled: centralConfigured,
      lambdaConcurrencyQuota: gateway.lambdaConcurrencyQuota,
      alarmEmails: gateway.monitoring.alarmEmails,
    });

    // Last: the custom-resource provider the table items share exists by now.
    if (gateway.permissionsBoundary) applyPermissionsBoundary(this, gateway.permissionsBoundary);

    new CfnOutput(this, 'ConsumerApiUrl', {
      value: this.consumerApi.url,
      description: `Consumer side (${consumerAccess.mode}) for the agency's information systems`,
    });
    new CfnOutput(this, 'ProviderApiUrl', { value: this.providerApi.url, description: 'Provider side, called by other gateways' });
    new CfnOutput(this, 'GatewaySigningKeyArn', { value: this.signingKey.key.keyArn, description: "The gateway's signing key" });
    new CfnOutput(this, 'MessageLogTableName', { value: this.messageLog.table.tableName, description: "The gateway's message log" });
  }

  /**
   * Backends a deployed gateway cannot reach, or reaches unencrypted — warnings, not errors: the demo config (a
   * sample backend on the developer's loopback) must still synthesize.
   */
  private warnAboutBackends(gateway: GatewayConfig): void {
    for (const service of gateway.services) {
      const url = new URL(service.backendUrl);
      const named = `Service ${service.subsystem}/${service.code} of ${gateway.name}`;
      if (isLoopbackHost(url.hostname)) {
        Annotations.of(this).addWarningV2(
          '@sild/backend-loopback',
          `${named}: its backend ${service.backendUrl} is on a loopback address, which in AWS is the gateway function's own sandbox, where no backend listens — every call would fail with ServiceFailed. Give the backend's address in the agency's network (with vpc) before deploying.`,
        );
      } else if (url.protocol === 'http:') {
        Annotations.of(this).addWarningV2(
          '@sild/backend-plain-http',
          `${named}: its backend ${service.backendUrl} is plain HTTP, so requests and answers (bodies and X-Road identity headers) cross the network between the gateway and the backend unencrypted. Use https, or keep the backend inside the agency's VPC if that is accepted.`,
        );
      }
    }
  }

  /** Imports the agency's VPC from the config (no lookups: synth needs no credentials). */
  private vpcPlacement(gateway: GatewayConfig): SildFunctionVpcPlacement | undefined {
    if (!gateway.vpc) return undefined;
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: gateway.vpc.vpcId, availabilityZones: gateway.vpc.availabilityZones });
    const subnets = gateway.vpc.subnetIds.map((subnetId) => {
      const subnet = ec2.Subnet.fromSubnetId(this, `Subnet-${subnetId}`, subnetId);
      Validations.of(subnet).acknowledge({
        id: 'Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId',
        reason: 'The imported subnets only place the gateway functions; nothing reads their route tables.',
      });
      return subnet;
    });
    const securityGroups =
      gateway.vpc.securityGroupIds.length > 0
        ? gateway.vpc.securityGroupIds.map((id) => ec2.SecurityGroup.fromSecurityGroupId(this, `SecurityGroup-${id}`, id, { mutable: false }))
        : [
            new ec2.SecurityGroup(this, 'GatewaySecurityGroup', {
              vpc,
              description: `Sild gateway ${gateway.name}: functions (egress only)`,
              allowAllOutbound: true,
            }),
          ];
    return { vpc, subnets, securityGroups };
  }
}
