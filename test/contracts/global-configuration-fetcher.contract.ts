/**
 * The `GlobalConfigurationFetcher` contract (`lambdas/core/ports.ts`): the signed global configuration from the first
 * source whose answer `accept` takes — the distribution sources in order, the central API (`GET {central}/globalconf`)
 * last. A source that cannot be reached, answers other than 200, answers what is not a configuration or more than the
 * size limit, or serves one `accept` refuses (unsigned, expired, older than the one held) is passed over; when none
 * serves one, the error names every source and why.
 */
import { gzipSync } from 'node:zlib';
import type { SignedGlobalConfiguration } from '../../lambdas/core/trust/global-configuration';
import type { GlobalConfigurationFetcher } from '../../lambdas/core/trust/ports';
import type { GlobalConfigurationSources } from '../../lambdas/adapters/http-global-configuration-fetcher';
import { rejectionOf } from '../support/assertions';
import { configuration } from './configuration-archive.contract';
import type { Answer, FarEnd } from './far-end';

export interface GlobalConfigurationFetcherSubject {
  /** A far end the sources are on, a URL where nothing answers, and fetchers for a central and its sources. */
  make(): Promise<{ farEnd: FarEnd; nowhere: string; fetcher(centralUrl: string, sources?: GlobalConfigurationSources): GlobalConfigurationFetcher }>;
}

const served = (signed: SignedGlobalConfiguration): Answer => ({
  status: 200,
  headers: [['Content-Type', 'application/json']],
  body: JSON.stringify(signed),
});
const versionOf = (signed: SignedGlobalConfiguration) => (JSON.parse(signed.document) as { version: number }).version;

export function describeGlobalConfigurationFetcherContract(name: string, subject: GlobalConfigurationFetcherSubject): void {
  describe(`GlobalConfigurationFetcher contract: ${name}`, () => {
    let made: Awaited<ReturnType<GlobalConfigurationFetcherSubject['make']>>;
    /** The far end's answers by path. */
    let answers: Record<string, Answer>;
    const asked = () => made.farEnd.received.map((received) => received.target);
    beforeAll(async () => {
      made = await subject.make();
    });
    afterAll(() => made?.farEnd.stop());
    beforeEach(() => {
      made.farEnd.received.length = 0;
      answers = {};
      made.farEnd.answer((received) => answers[received.target] ?? { status: 404 });
    });

    test('without distribution sources: GET {central}/globalconf asking for JSON, the configuration exactly as served', async () => {
      answers['/central/globalconf'] = served(configuration(4));
      expect(await made.fetcher(`${made.farEnd.url}/central/`).fetch()).toEqual(configuration(4));
      expect(asked()).toEqual(['/central/globalconf']);
      const [received] = made.farEnd.received;
      expect(received.method).toBe('GET');
      expect(received.headers.filter(([header]) => header === 'accept')).toEqual([['accept', 'application/json']]);
    });

    test('the first source that serves one is used; later sources and the central are not asked', async () => {
      answers['/cdn-a/current.json'] = served(configuration(5));
      answers['/cdn-b/current.json'] = served(configuration(6));
      answers['/central/globalconf'] = served(configuration(7));
      const sources = [`${made.farEnd.url}/cdn-a/current.json`, `${made.farEnd.url}/cdn-b/current.json`];
      const fetcher = made.fetcher(`${made.farEnd.url}/central`, { sources });
      expect(versionOf(await fetcher.fetch())).toBe(5);
      expect(asked()).toEqual(['/cdn-a/current.json']);
    });

    test('sources that are unreachable, answer an error or not a configuration are passed over, in order, to the central', async () => {
      answers['/cdn-b/current.json'] = { status: 503, body: 'Service Unavailable' };
      answers['/cdn-c/current.json'] = { status: 200, body: '<html>captive portal</html>' };
      answers['/central/globalconf'] = served(configuration(7));
      const sources = [`${made.nowhere}/cdn-a/current.json`, `${made.farEnd.url}/cdn-b/current.json`, `${made.farEnd.url}/cdn-c/current.json`];
      expect(versionOf(await made.fetcher(`${made.farEnd.url}/central`, { sources }).fetch())).toBe(7);
      expect(asked()).toEqual(['/cdn-b/current.json', '/cdn-c/current.json', '/central/globalconf']);
    });

    test('an answer accept refuses (a stalled cache’s old copy) is passed over for the next source', async () => {
      answers['/cdn-a/current.json'] = served(configuration(3));
      answers['/central/globalconf'] = served(configuration(8));
      const seen: number[] = [];
      const fetcher = made.fetcher(`${made.farEnd.url}/central`, { sources: [`${made.farEnd.url}/cdn-a/current.json`] });
      const fetched = await fetcher.fetch((signed) => {
        seen.push(versionOf(signed));
        if (versionOf(signed) < 5) throw new Error('older than the one held');
      });
      expect(versionOf(fetched)).toBe(8);
      expect(seen).toEqual([3, 8]);
    });

    test('an answer above the size limit is passed over', async () => {
      answers['/cdn-a/current.json'] = served(configuration(9, 4096));
      answers['/central/globalconf'] = served(configuration(10));
      const fetcher = made.fetcher(`${made.farEnd.url}/central`, { sources: [`${made.farEnd.url}/cdn-a/current.json`], maxResponseBytes: 2048 });
      expect(versionOf(await fetcher.fetch())).toBe(10);
    });

    test('when no source serves one, the error names every source and why', async () => {
      answers['/cdn-b/current.json'] = { status: 500 };
      answers['/central/globalconf'] = served(configuration(2));
      const fetcher = made.fetcher(`${made.farEnd.url}/central`, {
        sources: [`${made.nowhere}/cdn-a/current.json`, `${made.farEnd.url}/cdn-b/current.json`],
      });
      const error = (await rejectionOf(
        fetcher.fetch(() => {
          throw new Error('expired');
        }),
      )) as Error;
      expect(error).toBeInstanceOf(Error);
      expect(error.message).toContain(`${made.nowhere}/cdn-a/current.json: `);
      expect(error.message).toContain(`${made.farEnd.url}/cdn-b/current.json: answered 500`);
      expect(error.message).toContain(`${made.farEnd.url}/central/globalconf: expired`);
    });

    test('conditional: the entity tag of an accepted answer goes back as If-None-Match; a 304 offers the same object again, nothing parsed (issue 25)', async () => {
      const fetcher = made.fetcher(`${made.farEnd.url}/central`);
      answers['/central/globalconf'] = {
        status: 200,
        headers: [
          ['Content-Type', 'application/json'],
          ['ETag', '"v4"'],
        ],
        body: JSON.stringify(configuration(4)),
      };
      const first = await fetcher.fetch();
      answers['/central/globalconf'] = { status: 304, headers: [['ETag', '"v4"']] };
      const offered: SignedGlobalConfiguration[] = [];
      expect(await fetcher.fetch((signed) => void offered.push(signed))).toBe(first);
      expect(offered).toEqual([first]);
      expect(made.farEnd.received.map((received) => received.headers.find(([name]) => name === 'if-none-match')?.[1])).toEqual([undefined, '"v4"']);
    });

    test('a 304 without an answer held from that source, or one accept refuses (it expired), is passed over', async () => {
      answers['/central/globalconf'] = { status: 304 };
      expect(((await rejectionOf(made.fetcher(`${made.farEnd.url}/central`).fetch())) as Error).message).toContain('answered 304');
      const fetcher = made.fetcher(`${made.farEnd.url}/central`, { sources: [`${made.farEnd.url}/cdn/current.json`] });
      answers['/cdn/current.json'] = { status: 200, headers: [['ETag', '"old"']], body: JSON.stringify(configuration(4)) };
      await fetcher.fetch();
      answers['/cdn/current.json'] = { status: 304 };
      answers['/central/globalconf'] = served(configuration(5));
      const refuseHeld = (signed: SignedGlobalConfiguration) => {
        if (versionOf(signed) === 4) throw new Error('expired');
      };
      expect(versionOf(await fetcher.fetch(refuseHeld))).toBe(5);
    });

    test('asks for gzip and reads a gzipped answer (CloudFront compresses JSON for viewers that accept it)', async () => {
      answers['/central/globalconf'] = {
        status: 200,
        headers: [
          ['Content-Type', 'application/json'],
          ['Content-Encoding', 'gzip'],
        ],
        body: gzipSync(JSON.stringify(configuration(4))),
      };
      expect(await made.fetcher(`${made.farEnd.url}/central`).fetch()).toEqual(configuration(4));
      expect(made.farEnd.received[0].headers).toContainEqual(['accept-encoding', 'gzip']);
    });
  });
}
