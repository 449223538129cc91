// Lint rules: typescript-eslint's recommended set, plus the import-direction rules of DESIGN.md §2.
import tseslint from 'typescript-eslint';

const forbid = (from, paths) => ({
  files: [`src/${from}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: paths.map((p) => ({
          group: [`**/${p}/*`, `../${p}/*`],
          message: `src/${from} must not import src/${p} (DESIGN.md §2)`,
        })),
      },
    ],
  },
});

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'sandbox/**',
      'evals/**',
      '.loopwright/**',
      'coverage/**',
      'test/fixtures/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  forbid('loop', ['slack', 'forge', 'web', 'tickets', 'cli']),
  forbid('browser', ['loop', 'slack', 'forge', 'web', 'tickets', 'cli']),
  forbid('sandbox', ['loop', 'browser', 'slack', 'forge', 'web', 'tickets', 'cli']),
  forbid('config', ['loop', 'browser', 'sandbox', 'slack', 'forge', 'web', 'tickets', 'cli']),
  forbid('core', ['loop', 'browser', 'sandbox', 'slack', 'forge', 'web', 'tickets', 'cli', 'config']),
);
