import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const LIBS = ['common', 'database', 'tenancy', 'channels', 'lanes', 'conversations', 'inbound', 'outbound'];
/** The two libs at the top: siblings, which never import each other. */
const SIBLINGS = { inbound: 'outbound', outbound: 'inbound' };
/** For each lib, the libs it may not import: those above it, and its sibling (inbound and outbound never import each other). */
const LAYERS = Object.fromEntries(
  LIBS.map((lib, index) => {
    const above = LIBS.slice(index + 1);
    const forbidden = lib in SIBLINGS ? [SIBLINGS[lib]] : above;
    return [lib, forbidden];
  }),
);

export default tseslint.config(
  { ignores: ['dist/', '.examples/', 'node_modules/', '.data/', 'coverage/', 'bench/.dbg/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        Buffer: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        performance: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read configuration through AppConfig (libs/common/src/config), not process.env.',
        },
      ],
    },
  },
  // A promise nobody awaits, returns or marks `void` loses its rejection: an unhandled rejection ends the process.
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: { '@typescript-eslint/no-floating-promises': 'error' },
  },
  // Dependencies point one way: common ← database ← tenancy ← channels ← lanes ← conversations ← inbound, outbound ← app.
  // A lib imports only the libs below it, and only through their index (`#name`).
  ...Object.entries(LAYERS).map(([lib, forbidden]) => ({
    files: [`libs/${lib}/src/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...(forbidden.length > 0
              ? [
                  {
                    regex: `^#(${forbidden.join('|')})$`,
                    message: `libs/${lib} must not depend on ${forbidden.join(', ')} (see docs/architecture.md, Layout).`,
                  },
                ]
              : []),
            { regex: '^\\.\\./\\.\\./', message: "Import another lib through its index ('#name'), never its files." },
          ],
        },
      ],
    },
  })),
  {
    files: [
      'libs/common/src/config/environment.ts',
      'test/**/*.ts',
      'test/**/*.js',
      'bench/**',
      'examples/**',
      'scripts/**',
      'jest.config.js',
    ],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
