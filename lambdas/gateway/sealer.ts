/** Lambda entry: the scheduled sealer of an agency gateway's message log (EventBridge, every interval). */
import { createAwsClients } from '../adapters/aws-clients';
import { runSealer } from '../core/log/sealer';
import { lambdaEvents } from '../adapters/powertools-events';
import { readGatewayDeployment } from '../deployment-contract';
import { createGatewayDeps } from './gateway-deps';

const events = lambdaEvents('sild-sealer');
const runtime = createGatewayDeps(readGatewayDeployment(process.env), createAwsClients(), { events });

export const handler = async (): Promise<{ seals: number }> => {
  const seals = await runSealer(runtime.sealer);
  for (const seal of seals) events('sealed', { fromWindow: seal.fromWindow, toWindow: seal.toWindow, records: seal.recordCount });
  return { seals: seals.length };
};
