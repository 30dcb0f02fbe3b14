/** Lambda entry: the consumer side of an agency gateway. Dependencies are built once per container. */
import { createAwsClients } from '../adapters/aws-clients';
import { EmfOperationalMonitor, lambdaOpmonSink } from '../adapters/emf-operational-monitor';
import { lambdaEvents } from '../adapters/powertools-events';
import { readGatewayDeployment } from '../deployment-contract';
import { createGatewayDeps } from './gateway-deps';
import { createConsumerHandler } from './handlers';

const deployment = readGatewayDeployment(process.env);
export const handler = createConsumerHandler(
  createGatewayDeps(deployment, createAwsClients(), {
    events: lambdaEvents('sild-consumer'),
    monitor: new EmfOperationalMonitor(deployment.settings.gatewayId, lambdaOpmonSink),
  }),
);
