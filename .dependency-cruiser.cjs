/**
 * Import boundaries, checked by `npm run lint` (ADR 0012): no cycles anywhere (type-only imports included), the
 * protocol core's features depend one way — kernel ← trust ← log ← exchange ← central — and the core imports nothing
 * from AWS, the adapters or the deployment code.
 */
const core = '^lambdas/core/';
/** Each layer, and the layers above it that it must not import. */
const layers = [
  ['kernel', ['trust', 'log', 'exchange', 'central']],
  ['trust', ['log', 'exchange', 'central']],
  ['log', ['exchange', 'central']],
  ['exchange', ['central']],
];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle ties modules together that should stand alone; type-only imports count too.',
      from: {},
      to: { circular: true },
    },
    ...layers.map(([layer, above]) => ({
      name: `core-${layer}-layer`,
      severity: 'error',
      comment: `lambdas/core/${layer} must not depend on ${above.join(', ')} (kernel ← trust ← log ← exchange ← central).`,
      from: { path: `${core}${layer}/` },
      to: { path: `${core}(${above.join('|')})/` },
    })),
    {
      name: 'core-knows-no-aws',
      severity: 'error',
      comment: 'The protocol core imports nothing from AWS, the adapters, the handlers or the deployment code.',
      from: { path: core },
      to: {
        path: [
          'node_modules/(@aws-sdk|@smithy|aws-cdk-lib|constructs|@aws-lambda-powertools|aws-lambda)/',
          '^lambdas/(adapters|gateway|central)/',
          '^(lib|bin|cli)/',
        ],
      },
    },
    {
      name: 'exchange-through-the-protocol-seam',
      severity: 'error',
      comment: 'The exchange reaches a message protocol only through the seam (protocols/protocol.ts, protocols/registry.ts).',
      from: { path: `${core}exchange/[^/]+$` },
      to: { path: `${core}exchange/protocols/[^/]+/` },
    },
    {
      name: 'protocols-do-not-drive-the-exchange',
      severity: 'error',
      comment: 'A protocol is driven by the two sides, never the other way round.',
      from: { path: `${core}exchange/protocols/` },
      to: { path: `${core}exchange/(consumer-side|provider-side|gateway|canary|health)\\.ts$` },
    },
    {
      name: 'functions-validate-with-zod-mini',
      severity: 'error',
      comment:
        'What runs in a function validates with zod/mini through lambdas/core/kernel/schema.ts (its English messages set once); full zod is ≈ 95 KB of every bundle.',
      from: { path: '^lambdas/', pathNot: '^lambdas/core/kernel/schema\\.ts$' },
      to: { path: 'node_modules/zod/' },
    },
    {
      name: 'functions-schema-is-zod-mini',
      severity: 'error',
      comment: "The functions' schema module re-exports zod/mini, never full zod.",
      from: { path: '^lambdas/core/kernel/schema\\.ts$' },
      to: { path: 'node_modules/zod/', pathNot: 'node_modules/zod/(mini|locales|v4/(mini|core|locales))/' },
    },
    {
      name: 'core-top-level-is-features',
      severity: 'error',
      comment: 'Every core module belongs to a feature folder.',
      from: { path: `${core}[^/]+$` },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '(^|/)(dist|cdk\\.out)/' },
  },
};
