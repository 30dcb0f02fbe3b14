/** Lambda entry: the provider side of an agency gateway. Dependencies are built once per container. */
import { createAwsClients } from '../adapters/aws-clients';
import { EmfOperationalMonitor, lambdaOpmonSink } from '../adapters/emf-operational-monitor';
import { lambdaEvents } from '../adapters/powertools-events';
import { readGatewayDeployment } from '../deployment-contract';
import { createGatewayDeps } from './gateway-deps';
import { createProviderHandler } from './handlers';

const deployment = readGatewayDeployment(process.env);
export const handler = createProviderHandler(
  createGatewayDeps(deployment, createAwsClients(), {
    events: lambdaEvents('sild-provider'),
    monitor: new EmfOperationalMonitor(deployment.settings.gatewayId, lambdaOpmonSink),
  }),
);
