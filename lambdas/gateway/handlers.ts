/** The gateway's Lambda handlers, built from their dependencies (factories, so one process can host several). */
import { handleConsumerRequest } from '../core/consumer-side';
import type { GatewayDeps } from '../core/gateway';
import { handleProviderRequest } from '../core/provider-side';
import { apiGatewayHandler } from '../adapters/api-gateway-events';

export const createConsumerHandler = (deps: GatewayDeps) => apiGatewayHandler((request) => handleConsumerRequest(request, deps));
export const createProviderHandler = (deps: GatewayDeps) => apiGatewayHandler((request) => handleProviderRequest(request, deps));
