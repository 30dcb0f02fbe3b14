/** The central API's Lambda handler, built from its dependencies. */
import { GlobalConfigurationPublisher, handleCentralRequest, type CentralDeps } from '../core/central';
import { apiGatewayHandler } from '../adapters/api-gateway-events';

export function createCentralHandler(deps: CentralDeps) {
  const publisher = new GlobalConfigurationPublisher(deps);
  return apiGatewayHandler((request) => handleCentralRequest(request, deps, publisher));
}
