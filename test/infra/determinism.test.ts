import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { AssetStaging } from 'aws-cdk-lib';
import { configWith, IDS, synth } from '../support/synth';

/** Every file of a cloud assembly, relative path → content. */
function filesOf(dir: string, prefix = ''): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) for (const [file, content] of filesOf(full, `${prefix}${name}/`)) files.set(file, content);
    else files.set(`${prefix}${name}`, readFileSync(full));
  }
  return files;
}

test('two synths of the same config are byte-identical, bundles and asset hashes included', () => {
  // Central configured, so the registrar is bundled too; one agency is enough to bundle every function.
  const config = configWith((raw) => {
    Object.assign(raw.central, { apiUrl: IDS.centralUrl, anchorPublicKey: IDS.anchor });
    raw.agencies = raw.agencies.slice(0, 1);
    raw.agencies[0].accessRights = [];
  });
  // Same call site for both (construct creation stacks are recorded in the assembly's metadata); the cache is
  // cleared so the second synth bundles again rather than reusing the first one's staging.
  const [first, second] = [1, 2].map(() => {
    AssetStaging.clearAssetHashCache();
    return synth(config, { bundle: true });
  });

  const a = filesOf(first.assembly.directory);
  const b = filesOf(second.assembly.directory);
  expect([...b.keys()]).toEqual([...a.keys()]);
  const different = [...a.keys()].filter((file) => !a.get(file)!.equals(b.get(file)!));
  expect(different).toEqual([]);

  // Sild's bundles (with source maps); aws-cdk-lib's prebuilt AwsCustomResource provider has none.
  const bundles = [...a.keys()].filter((file) => /^asset\.[0-9a-f]{64}\/index\.js$/.test(file) && a.has(`${file}.map`));
  expect(bundles).toHaveLength(7); // central API, publisher, consumer, provider, sealer, canary, registrar
  for (const bundle of bundles) {
    const code = a.get(bundle)!.toString('utf8');
    const map = JSON.parse(a.get(`${bundle}.map`)!.toString('utf8'));
    // Minified, with an external source map whose sources are repository paths (not the assembly's location).
    expect(code.length / code.split('\n').length).toBeGreaterThan(1000); // characters per line
    expect(code.trimEnd().endsWith('//# sourceMappingURL=index.js.map')).toBe(true);
    expect(map.sources.filter((source: string) => source.startsWith('..') || path.isAbsolute(source))).toEqual([]);
    // The AWS SDK v3 comes from the Lambda runtime: required, never bundled.
    expect(code).toMatch(/require\("@aws-sdk\/client-kms"\)/);
    expect(map.sources.filter((source: string) => source.includes('node_modules/@aws-sdk/'))).toEqual([]);
  }
});
