/** The central's Lambda handlers, built from its dependencies: the API, and the scheduled publication. */
import { handleCentralRequest } from '../core/central/router';
import type { CentralDeps } from '../core/central/ports';
import type { GlobalConfigurationPublisher } from '../core/central/publisher';
import { apiGatewayHandler } from '../adapters/api-gateway-events';

export function createCentralHandler(deps: CentralDeps & { readonly publisher: GlobalConfigurationPublisher }) {
  return apiGatewayHandler((request) => handleCentralRequest(request, deps, deps.publisher));
}

/** The schedule's target: publishes the next configuration (a fresh expiry, the registry's latest state). */
export function createPublisherHandler(deps: { readonly publisher: GlobalConfigurationPublisher }) {
  return async (): Promise<{ version: number }> => {
    const signed = await deps.publisher.publish();
    return { version: (JSON.parse(signed.document) as { version: number }).version };
  };
}
