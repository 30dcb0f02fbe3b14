/** Lambda entry: the gateway's canary (EventBridge schedule); its figures go to CloudWatch as an EMF line. */
import { createAwsClients } from '../adapters/aws-clients';
import { canaryLine, EmfOperationalMonitor, lambdaOpmonSink } from '../adapters/emf-operational-monitor';
import { lambdaEvents } from '../adapters/powertools-events';
import { readGatewayDeployment } from '../deployment-contract';
import { createGatewayDeps } from './gateway-deps';
import { createCanaryHandler } from './handlers';

const deployment = readGatewayDeployment(process.env);
const deps = createGatewayDeps(deployment, createAwsClients(), {
  events: lambdaEvents('sild-canary'),
  monitor: new EmfOperationalMonitor(deployment.settings.gatewayId, lambdaOpmonSink),
});
export const handler = createCanaryHandler(deps, (result) => lambdaOpmonSink(canaryLine(deployment.settings.gatewayId, result, Date.now())));
