/** Lambda entry: the scheduled publication of the global configuration (EventBridge). */
import { createAwsClients } from '../adapters/aws-clients';
import { readCentralDeployment } from '../deployment-contract';
import { createCentralDeps } from './central-deps';
import { createPublisherHandler } from './handlers';

export const handler = createPublisherHandler(createCentralDeps(readCentralDeployment(process.env), createAwsClients()));
