// eslint for the project's JavaScript (`make lint`, part of `make test`): the recommended rules plus a
// few that catch real mistakes here; errors fail the build. Formatting is not linted.
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['build/**', 'site/dist/**', 'node_modules/**', 'tests/fuzz/**', 'bench/results*'] },
  js.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: 'module',
      globals: { ...globals.browser, ...globals.node },
    },
    rules: {
      'no-unused-vars': ['error', { args: 'none', caughtErrors: 'none', ignoreRestSiblings: true }],
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      'no-eval': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-var': 'error',
      'prefer-const': ['error', { destructuring: 'all' }],
    },
  },
  {
    // Playwright's waitForFunction takes a returned promise for a truthy value at once: a predicate
    // that is async, or returns a .then(...) chain, never waits (three waits in the suite did not)
    files: ['tests/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='waitForFunction'] > :function[async=true]",
          message: 'waitForFunction does not await a promise: write a synchronous predicate, or poll from node.',
        },
        {
          selector: "CallExpression[callee.property.name='waitForFunction'] > ArrowFunctionExpression > CallExpression[callee.property.name='then']",
          message: 'waitForFunction does not await a promise: write a synchronous predicate, or poll from node.',
        },
      ],
    },
  },
  {
    // the engine's worker and the service worker run in worker globals
    files: ['site/src/engine-worker.mjs', 'site/src/engine-host.mjs', 'site/tools/sw-template.js'],
    languageOptions: { globals: { ...globals.worker, ...globals.serviceworker } },
  },
  {
    files: ['site/tools/sw-template.js'],
    languageOptions: { sourceType: 'script', globals: { __ASSETS__: 'readonly' } },
  },
];
