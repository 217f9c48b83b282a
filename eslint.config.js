import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', 'tools/', 'scratch/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Handlers (queries, updates) read workflow state that is assigned once, later.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Chinese text uses the full-width space (U+3000) legitimately.
      'no-irregular-whitespace': ['error', { skipStrings: true, skipComments: true, skipRegExps: true, skipTemplates: true }],
    },
  },
  {
    // Workflow code is replayed: it must not reach for Node modules or I/O.
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['node:*', 'fs', 'path', 'pg', 'nodemailer', 'luxon', '../activities/*', '../db/*', '../stack/*'], allowTypeImports: true, message: '工作流与领域代码不得进行 I/O' }] },
      ],
    },
  },
);
