// ESLint for SPADE Studio: run from the repository root as `npm run lint`. A small rule set that
// pays: unused code, floating promises in the extension host (an unhandled rejection there is
// lost), and long lines. Import layering and cycles are checked by test/layering.test.ts.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.vscode-test/**', '.spade-start/**', '.spade-train/**', 'test-results/**', 'out/**', 'tools/**', 'test/fixtures/**', 'test/vscode/workspace/**', '**/*.d.ts'] },
  {
    files: ['**/*.ts', '**/*.mjs'],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 2022, sourceType: 'module' },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      'max-len': ['error', { code: 130, ignoreUrls: true, ignoreRegExpLiterals: true, ignoreStrings: true, ignoreTemplateLiterals: true }],
    },
  },
  {
    files: ['src/extension/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: process.cwd() } },
    rules: { '@typescript-eslint/no-floating-promises': 'error' },
  },
);
