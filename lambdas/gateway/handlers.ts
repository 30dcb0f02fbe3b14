/** The gateway's Lambda handlers, built from their dependencies (factories, so one process can host several). */
import { handleConsumerRequest } from '../core/exchange/consumer-side';
import type { GatewayDeps } from '../core/exchange/gateway';
import { handleProviderRequest } from '../core/exchange/provider-side';
import { runCanary, type CanaryResult } from '../core/exchange/canary';
import { apiGatewayHandler } from '../adapters/api-gateway-events';

export const createConsumerHandler = (deps: GatewayDeps) => apiGatewayHandler((request) => handleConsumerRequest(request, deps));
/** The scheduled canary: runs one synthetic exchange and reports it (an EMF line in AWS); fails the invocation if it failed. */
export const createCanaryHandler = (deps: GatewayDeps, report: (result: CanaryResult) => void) => async (): Promise<CanaryResult> => {
  const result = await runCanary(deps);
  report(result);
  return result;
};
export const createProviderHandler = (deps: GatewayDeps) => apiGatewayHandler((request) => handleProviderRequest(request, deps));
