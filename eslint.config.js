import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

// Which folders a folder may import. A workflow is replayed, so it reaches nothing but the pure
// domain and the SDK; the client speaks to the engine through Temporal and to the record through
// db/, never by calling activities as a library.
const SDK_AND_DOMAIN_ONLY = ['node:*', 'fs', 'path', 'pg', 'nodemailer', 'luxon', '**/activities/**', '**/db/**', '**/stack/**', '**/client/**', '**/worker/**', '**/plan/**', '**/test/**', '**/bench/**', '**/demo/**'];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', 'tools/', 'scratch/', 'test-results/', 'test/fixtures/lint/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Handlers (queries, updates) read workflow state that is assigned once, later.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Chinese text uses the full-width space (U+3000) legitimately.
      'no-irregular-whitespace': ['error', { skipStrings: true, skipComments: true, skipRegExps: true, skipTemplates: true }],
      // Each folder is a room with one door: a cycle means two rooms that are really one.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    // Product code is type-checked by the linter too: a promise nobody awaits is a lost error.
    files: ['domain/**/*.ts', 'workflows/**/*.ts', 'activities/**/*.ts', 'worker/**/*.ts', 'client/**/*.ts', 'db/**/*.ts', 'stack/**/*.ts', 'plan/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  {
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: SDK_AND_DOMAIN_ONLY, allowTypeImports: true, message: '工作流与领域代码只能引用 domain/ 与 Temporal SDK，不得进行 I/O' }] },
      ],
    },
  },
  {
    files: ['client/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/activities/**'], allowTypeImports: false, message: 'client/ 不得引用 activities/：共用的纯函数放在 domain/，查询放在 db/' }] },
      ],
    },
  },
);
