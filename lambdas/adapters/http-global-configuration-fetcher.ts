/**
 * Fetches the signed global configuration: from each distribution source in order (the CDN's
 * `…/globalconf/current.json`), then from the central API (`GET {centralUrl}/globalconf`). The first answer the
 * caller accepts (signature, expiry, version) is returned: a cache serving an expired or outdated copy — a stalled
 * publication — is passed over for the central, which publishes anew.
 *
 * Each fetch is conditional (RFC 9110 §13.1.2): with the `ETag` of the last answer a source gave that was accepted,
 * as `If-None-Match`. A source whose document did not change answers `304 Not Modified` without it — S3
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, `If-None-Match`), CloudFront for an object it
 * caches (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorS3Origin.html),
 * the central's `/globalconf` and the local CDN alike — and the same object, already verified, is offered to the
 * caller again: nothing downloaded, nothing verified twice. Answers may come gzip-compressed (`Accept-Encoding: gzip`:
 * CloudFront compresses JSON for viewers that accept it, https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/ServingCompressedFiles.html
 * — about an eighth of the bytes).
 */
import { gunzipSync } from 'node:zlib';
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
  /** Per source, the last answer accepted and its entity tag. */
  private readonly accepted = new Map<string, { etag: string; signed: SignedGlobalConfiguration }>();

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
        const known = this.accepted.get(url);
        const response = await this.http.send({
          method: 'GET',
          url,
          headers: { accept: ['application/json'], 'accept-encoding': ['gzip'], ...(known ? { 'if-none-match': [known.etag] } : {}) },
          body: Buffer.alloc(0),
          timeoutMs: this.options.timeoutMs ?? 5000,
          maxResponseBytes: this.options.maxResponseBytes ?? 16 * 1024 * 1024,
        });
        if (response.status === 304 && known) {
          accept(known.signed);
          return known.signed;
        }
        if (response.status !== 200) throw new Error(`answered ${response.status}`);
        const maxOutputLength = this.options.maxResponseBytes ?? 16 * 1024 * 1024;
        const body = response.headers['content-encoding']?.[0] === 'gzip' ? gunzipSync(response.body, { maxOutputLength }) : response.body;
        const signed = JSON.parse(body.toString('utf8')) as SignedGlobalConfiguration;
        accept(signed);
        const etag = response.headers['etag']?.[0];
        if (etag) this.accepted.set(url, { etag, signed });
        else this.accepted.delete(url);
        return signed;
      } catch (error) {
        failures.push(`${url}: ${(error as Error).message}`);
      }
    }
    throw new Error(`No source served the global configuration (${failures.join('; ')})`);
  }
}
