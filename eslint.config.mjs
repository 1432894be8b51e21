// ESLint (flat config) with typescript-eslint; Prettier owns formatting.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'public/**', 'coverage/**', 'bench/results/**', 'sdk/dist/**', '*.js', '*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['warn', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // SQL lives in repositories: each table family's statements in one `*.repository.ts` of the
    // folder that owns it (docs/architecture.md). `src/database/` is the infrastructure under them.
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.repository.ts', 'src/database/**', 'src/**/*.spec.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='query'], CallExpression[callee.name='runPrepared']",
          message: 'SQL belongs in the owning *.repository.ts (docs/architecture.md, "Where code goes").',
        },
      ],
    },
  },
);
