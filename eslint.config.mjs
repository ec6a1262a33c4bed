// Lints the frontend (labextension/src): typescript-eslint's recommended rules with type
// information, and React's rules of hooks. `jlpm lint` runs it, then tsc over the tests too.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // the generated API types are checked by `jlpm api:check`, not edited by hand
    ignores: ['labextension/lib/**', 'labextension/src/generated/**', 'amlx_lab/**', 'node_modules/**', '.venv/**']
  },
  {
    files: ['labextension/src/**/*.{ts,tsx}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended, reactHooks.configs.flat.recommended],
    languageOptions: {
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname }
    },
    rules: {
      // a promise nobody awaits loses its error: mark deliberate fire-and-forget with `void`
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }]
    }
  }
);
