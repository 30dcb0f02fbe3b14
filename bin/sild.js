#!/usr/bin/env node
// `npx sild …`: runs the TypeScript CLI through tsx (a dev dependency of this repository). The CLI is repository
// tooling: the construct library's package does not ship it.
try {
  require.resolve('tsx/cjs');
  require.resolve('./sild.ts');
} catch {
  process.stderr.write('The sild CLI runs from a clone of the Sild repository (after `npm ci` there); the construct library package does not include it.\n');
  process.exit(2);
}
require('tsx/cjs');
require('./sild.ts');
