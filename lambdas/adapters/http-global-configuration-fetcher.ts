/**
 * Fetches the signed global configuration: from each distribution source in order (the CDN's
 * `…/globalconf/current.json`), then from the central API (`GET {centralUrl}/globalconf`). The first answer the
 * caller accepts (signature, expiry, version) is returned: a cache serving an expired or outdated copy — a stalled
 * publication — is passed over for the central, which publishes anew.
 */
import type { SignedGlobalConfiguration } from '../core/trust/global-configuration';
import type { GlobalConfigurationFetcher } from '../core/trust/ports';
import type { HttpClient } from '../core/kernel/ports';

export interface GlobalConfigurationSources {
  /** URLs tried before the central API, in order. @default none */
  readonly sources?: readonly string[];
  /** Per attempt. @default 5000 */
  readonly timeoutMs?: number;
  /** The largest answer read (a hostile or broken source cannot exhaust the function's memory). @default 16 MiB */
  readonly maxResponseBytes?: number;
}

export class HttpGlobalConfigurationFetcher implements GlobalConfigurationFetcher {
  private readonly urls: readonly string[];

  constructor(
    private readonly http: HttpClient,
    centralUrl: string,
    private readonly options: GlobalConfigurationSources = {},
  ) {
    this.urls = [...(options.sources ?? []), `${centralUrl.replace(/\/+$/, '')}/globalconf`];
  }

  async fetch(accept: (signed: SignedGlobalConfiguration) => void = () => undefined): Promise<SignedGlobalConfiguration> {
    const failures: string[] = [];
    for (const url of this.urls) {
      try {
        const response = await this.http.send({
          method: 'GET',
          url,
          headers: { accept: ['application/json'] },
          body: Buffer.alloc(0),
          timeoutMs: this.options.timeoutMs ?? 5000,
          maxResponseBytes: this.options.maxResponseBytes ?? 16 * 1024 * 1024,
        });
        if (response.status !== 200) throw new Error(`answered ${response.status}`);
        const signed = JSON.parse(response.body.toString('utf8')) as SignedGlobalConfiguration;
        accept(signed);
        return signed;
      } catch (error) {
        failures.push(`${url}: ${(error as Error).message}`);
      }
    }
    throw new Error(`No source served the global configuration (${failures.join('; ')})`);
  }
}
