#!/usr/bin/env node
// `npx sild …`: runs the TypeScript CLI through tsx (a dev dependency of this repository).
require('tsx/cjs');
require('./sild.ts');
