/**
 * Sild as a construct library: what an agency's (or the central operator's) own CDK app imports.
 *
 *   import { SildGateway, loadGatewayConfig } from 'sild';
 *   new SildGateway(stack, 'Gateway', loadGatewayConfig('gateway.json'));
 *
 * The Lambda code ships with the package (its TypeScript sources under `lambdas/`); the constructs bundle it with
 * esbuild at synth, so the consuming app needs no extra setup.
 */
export { SildGateway, CENTRAL_PLACEHOLDERS, type SildGatewayProps } from './constructs/sild-gateway';
export { SildCentral, type SildCentralProps } from './constructs/sild-central';

export { gatewayConfigSchema, loadGatewayConfig, parseGatewayConfig, type GatewayConfig, type GatewayConfigInput } from './config/gateway-config';
export { centralConfigSchema, loadCentralConfig, parseCentralConfig, type CentralConfig, type CentralConfigInput } from './config/central-config';
export {
  ecosystemConfigSchema,
  loadEcosystemConfig,
  parseEcosystemConfig,
  splitEcosystemConfig,
  centralConfigOf,
  gatewayConfigOf,
  type EcosystemConfig,
  type AgencyConfig,
} from './config/ecosystem-config';
export { ConfigError } from './config/config-parts';
export {
  concurrencyPlan,
  planOfParties,
  centralParty,
  gatewayParty,
  unreservedMinimum,
  type AccountConcurrency,
  type ConcurrencyParty,
  type ConcurrencyPlanDocuments,
  type FunctionReservation,
} from './config/concurrency-plan';
export { restApiLogging, type RestApiLogging, type ApiGatewayLoggingFields } from './config/api-gateway-logging';
export { configurationDistribution, CLOUDFRONT_UNAVAILABLE_GUIDANCE, type ConfigurationDistribution } from './config/configuration-distribution';
export { validateServiceDescriptions } from './config/service-descriptions';

/** The building blocks the two constructs are made of, for apps that compose their own. */
export { SildFunction, type SildFunctionProps, type SildFunctionVpcPlacement } from './constructs/sild-function';
export { SildRestApi, type SildRestApiProps, type ApiThrottle } from './constructs/sild-rest-api';
export { SildHttpApi, type SildHttpApiProps } from './constructs/sild-http-api';
export { SildTable, type SildTableProps, type TableItemAction, type LeadingKeys } from './constructs/sild-table';
export { SigningKey, signingKeySet, type SigningKeyProps, type SigningKeySet } from './constructs/signing-key';
export { BodyStoreBucket, type BodyStoreBucketProps } from './constructs/body-store-bucket';
export { RateLimitWebAcl, type RateLimitWebAclProps } from './constructs/rate-limit-web-acl';
export { GatewayRegistration, type GatewayRegistrationProps } from './constructs/gateway-registration';
export { TableItem, type TableItemProps } from './constructs/table-item';
export { ApiGatewayCloudWatchRole } from './constructs/api-gateway-cloudwatch-role';
export { AlarmTopic, type AlarmTopicProps, type ApiMetrics } from './constructs/alarm-topic';
export { GatewayMonitoring, type GatewayMonitoringProps } from './constructs/gateway-monitoring';
export { CentralMonitoring, type CentralMonitoringProps } from './constructs/central-monitoring';
export { GlobalConfigurationCdn, type GlobalConfigurationCdnProps } from './constructs/global-configuration-cdn';
export { ROUTES, apiTypeOf, type ApiName, type ApiType, type Route } from './routes';
