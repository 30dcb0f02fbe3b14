// typescript-eslint's recommended rules (not the type-checked set: it runs in seconds). Import boundaries are
// dependency-cruiser's job (.dependency-cruiser.cjs); formatting is prettier's.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'dist/**', 'cdk.out/**', '.sild/**', 'coverage/**', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  eslint.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // `_name` marks what a destructuring leaves out on purpose (`const { secret: _secret, ...rest } = item`).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Tests walk synthesized CloudFormation templates and raw AWS answers (untyped JSON by nature), and assert that
    // no control character gets through (regexes of control characters on purpose).
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', 'no-control-regex': 'off' },
  },
);
