/** Lambda entry: the consumer side of an agency gateway. Dependencies are built once per container. */
import { createAwsClients } from '../adapters/aws-clients';
import { lambdaEvents } from '../adapters/powertools-events';
import { readGatewayDeployment } from '../deployment-contract';
import { createGatewayDeps } from './gateway-deps';
import { createConsumerHandler } from './handlers';

export const handler = createConsumerHandler(createGatewayDeps(readGatewayDeployment(process.env), createAwsClients(), { events: lambdaEvents('sild-consumer') }));
