/** Lambda entry: the central API (global configuration, join). Dependencies are built once per container. */
import { createAwsClients } from '../adapters/aws-clients';
import { createCentralDeps } from './central-deps';
import { createCentralHandler } from './handlers';

export const handler = createCentralHandler(createCentralDeps(process.env, createAwsClients()));
