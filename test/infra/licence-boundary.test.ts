/**
 * The local runtime evaluates IAM with `@cloud-copilot/iam-simulate` (AGPL-3.0-or-later; Sild is MIT). It stays a
 * development tool: a devDependency, imported only under `lib/local/`, which the package does not ship (ADR 0011).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const AGPL = /from ['"]@cloud-copilot\//;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sources(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

test('no file the package ships imports the AGPL evaluator: only the local runtime under lib/local/ does', () => {
  const importers = [...sources(join(ROOT, 'lambdas')), ...sources(join(ROOT, 'lib'))]
    .filter((file) => AGPL.test(readFileSync(file, 'utf8')))
    .map((file) => relative(ROOT, file));
  expect(importers.length).toBeGreaterThan(0);
  expect(importers.filter((file) => !file.startsWith('lib/local/'))).toEqual([]);
});

test('the evaluator is a devDependency, and lib/local/ is left out of the package', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  expect(Object.keys(manifest.dependencies).filter((name) => name.startsWith('@cloud-copilot/'))).toEqual([]);
  expect(Object.keys(manifest.devDependencies)).toContain('@cloud-copilot/iam-simulate');
  // What `npm pack` would put in the package (its dry run reads the files list; nothing is written).
  const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' })) as {
    files: { path: string }[];
  }[];
  const paths = packed[0].files.map((file) => file.path);
  expect(paths.some((path) => path.startsWith('dist/lib/constructs/'))).toBe(true);
  expect(paths.filter((path) => path.startsWith('dist/lib/local/') || path.startsWith('lib/local/'))).toEqual([]);
}, 60_000);
