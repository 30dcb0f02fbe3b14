/**
 * The `HttpClient` contract against `NodeHttpClient` (a real HTTP server on 127.0.0.1; nothing answers on a port just
 * released) and `InProcessHttpClient` (the same far end routed to in process; nothing answers at an unrouted URL).
 */
import { NodeHttpClient } from '../../lambdas/adapters/node-http-client';
import { InProcessHttpClient } from '../support/memory-adapters';
import { closedPortUrl } from './contract-support';
import { inProcessFarEnd, startServerFarEnd } from './far-end';
import { describeHttpClientContract } from './http-client.contract';

describeHttpClientContract('NodeHttpClient', {
  make: async () => ({ client: new NodeHttpClient(), farEnd: await startServerFarEnd(), nowhere: await closedPortUrl() }),
  timesOut: true,
});

// In process, a call takes no wall-clock time of its own: the core's tests script a timeout by throwing
// `HttpClientError('timeout')` from the handler instead.
describeHttpClientContract('InProcessHttpClient', {
  make: async () => {
    const client = new InProcessHttpClient();
    return { client, farEnd: inProcessFarEnd(client, 'https://backend.test/prod'), nowhere: 'https://nothing.test' };
  },
  timesOut: false,
});
