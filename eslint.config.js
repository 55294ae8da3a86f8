// Lint: typescript-eslint's strict, type-aware rules on everything TypeScript compiles, ESLint's recommended on the .mjs scripts.
import eslint from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // What git ignores (build output, local services, scratch files), and the chart.
    ignores: [
      'dist/',
      '.scratch/',
      'reports/',
      'node_modules/',
      'coverage/',
      '.local-services/',
      'bench/.tmp-*/',
      'tmp-perf/',
      'helm/',
    ],
  },
  eslint.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Numbers and booleans read well in messages; objects, undefined and null do not.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // `() => log.warn(…)` as a callback is clear; a void value used anywhere else is still an error.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
    },
  },
  {
    // Tests and benchmarks index arrays they just built (noUncheckedIndexedAccess): `!` there is a test's assertion.
    files: ['test/**', 'bench/**', 'scripts/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // Plain JavaScript (scripts, this file): not in the TypeScript project, so no type-aware rules.
    files: ['**/*.mjs', '**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
);
