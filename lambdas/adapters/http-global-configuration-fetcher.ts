/** Fetches the signed global configuration from the central API (`GET {centralUrl}/globalconf`). */
import type { SignedGlobalConfiguration } from '../core/global-configuration';
import type { GlobalConfigurationFetcher, HttpClient } from '../core/ports';

export class HttpGlobalConfigurationFetcher implements GlobalConfigurationFetcher {
  constructor(
    private readonly http: HttpClient,
    private readonly centralUrl: string,
    private readonly timeoutMs = 5000,
  ) {}

  async fetch(): Promise<SignedGlobalConfiguration> {
    const response = await this.http.send({ method: 'GET', url: `${this.centralUrl.replace(/\/+$/, '')}/globalconf`, headers: { accept: ['application/json'] }, body: Buffer.alloc(0), timeoutMs: this.timeoutMs });
    if (response.status !== 200) throw new Error(`The central server answered ${response.status}`);
    return JSON.parse(response.body.toString('utf8')) as SignedGlobalConfiguration;
  }
}
