/**
 * The `GlobalConfigurationFetcher` contract against `HttpGlobalConfigurationFetcher` as deployed (on `NodeHttpClient`,
 * sources on a real HTTP server on 127.0.0.1) and as the in-memory ecosystem of the unit tests composes it (on
 * `InProcessHttpClient`) — the one in-memory equivalent there is (`test/support/memory-ecosystem.ts`).
 */
import { HttpGlobalConfigurationFetcher, type GlobalConfigurationSources } from '../../lambdas/adapters/http-global-configuration-fetcher';
import { NodeHttpClient } from '../../lambdas/adapters/node-http-client';
import { InProcessHttpClient } from '../support/memory-adapters';
import { closedPortUrl } from './contract-support';
import { inProcessFarEnd, startServerFarEnd } from './far-end';
import { describeGlobalConfigurationFetcherContract } from './global-configuration-fetcher.contract';

describeGlobalConfigurationFetcherContract('HttpGlobalConfigurationFetcher on NodeHttpClient', {
  make: async () => {
    const http = new NodeHttpClient();
    const fetcher = (centralUrl: string, sources?: GlobalConfigurationSources) => new HttpGlobalConfigurationFetcher(http, centralUrl, sources);
    return { farEnd: await startServerFarEnd(), nowhere: await closedPortUrl(), fetcher };
  },
});

describeGlobalConfigurationFetcherContract('HttpGlobalConfigurationFetcher on InProcessHttpClient', {
  make: async () => {
    const http = new InProcessHttpClient();
    const fetcher = (centralUrl: string, sources?: GlobalConfigurationSources) => new HttpGlobalConfigurationFetcher(http, centralUrl, sources);
    return { farEnd: inProcessFarEnd(http, 'https://central.test'), nowhere: 'https://nothing.test', fetcher };
  },
});
