/** Lambda entry: the provider side of an agency gateway. Dependencies are built once per container. */
import { createAwsClients } from '../adapters/aws-clients';
import { lambdaEvents } from '../adapters/powertools-events';
import { readGatewayDeployment } from '../deployment-contract';
import { createGatewayDeps } from './gateway-deps';
import { createProviderHandler } from './handlers';

export const handler = createProviderHandler(createGatewayDeps(readGatewayDeployment(process.env), createAwsClients(), { events: lambdaEvents('sild-provider') }));
