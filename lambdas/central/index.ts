/** Lambda entry: the central API (global configuration, join). Dependencies are built once per container. */
import { createAwsClients } from '../adapters/aws-clients';
import { readCentralDeployment } from '../deployment-contract';
import { createCentralDeps } from './central-deps';
import { createCentralHandler } from './handlers';

export const handler = createCentralHandler(createCentralDeps(readCentralDeployment(process.env), createAwsClients()));
