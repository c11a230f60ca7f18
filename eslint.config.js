// Lint rules for the whole tree; `npm test` runs them. Layer rules (which folder may import which)
// live here as code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

/** Modules that draw, store or talk to the network: never below the adapters. */
const IO_MODULES = ['react', 'ink', 'sqlite3', 'ws', '@alpacahq/alpaca-trade-api', 'node:fs', 'node:net', 'node:http'];

/**
 * One layer: files matching `files` may import, outside their own folder, only what `allowed` names
 * (gitignore-style groups: '../*' forbids every sibling folder, '!../core' lets core through).
 */
function layer(files, groups, message, forbiddenModules = []) {
  return {
    files: [files],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: groups, message }],
          paths: forbiddenModules.map((name) => ({ name, message })),
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { ecmaFeatures: { jsx: true } } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    files: ['components/**/*.{ts,tsx}', 'src/cli/run-tui.tsx', 'test/**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },

  // ---- Layers: the arrows allowed between folders (README, "Architecture"). ----------------------
  // core (the model, pure rules) <- engine (the Trader, its ports, the loop) <- market, broker, store
  // (adapters) <- learn <- cli (wires everything); components read the engine's snapshot only.
  layer('src/core/**/*.ts', ['../*'], 'src/core is the bottom: it imports nothing outside itself', IO_MODULES),
  // A folder inside core (src/core/hmm) may import the rest of core, nothing outside it.
  layer('src/core/*/**/*.ts', ['../../*'], 'src/core is the bottom: it imports nothing outside itself', IO_MODULES),
  layer(
    'src/engine/**/*.ts',
    ['../*', '!../core'],
    'src/engine imports only src/core: adapters come in through its ports (broker.ts, bar-source.ts, trading-record.ts)',
    IO_MODULES,
  ),
  layer('src/market/**/*.ts', ['../*', '!../core', '!../engine'], 'src/market imports only core and engine'),
  layer(
    'src/broker/*.ts',
    ['../*', '!../core', '!../engine', '!../market'],
    'src/broker imports only core, engine, market',
  ),
  layer(
    'src/broker/alpaca/**/*.ts',
    ['../../*', '!../../core', '!../../engine', '!../../market'],
    'src/broker imports only core, engine, market',
  ),
  layer(
    'src/store/**/*.ts',
    ['../*', '!../core', '!../engine', '!../market'],
    'src/store imports only core, engine, market',
  ),
  layer(
    'src/learn/**/*.ts',
    ['../*', '!../core', '!../engine', '!../market', '!../broker', '!../store'],
    'src/learn imports core, engine, the adapters and the store, never the CLI',
  ),
  layer(
    'components/**/*.{ts,tsx}',
    ['../*', '!../src', '../src/*', '!../src/core', '!../src/engine'],
    'components read the engine (snapshot, controls) and src/core only',
    ['sqlite3', 'ws', '@alpacahq/alpaca-trade-api'],
  ),
  {
    // The Trader is driven bar by bar, live and in backtests: no timers, no promises, no clock.
    files: ['src/engine/trader.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'Promise', 'process', 'performance'].map(
          (name) => ({ name, message: 'the Trader is synchronous and does no I/O' }),
        ),
      ],
      'no-restricted-syntax': [
        'error',
        { selector: ':function[async=true]', message: 'the Trader is synchronous' },
        { selector: 'AwaitExpression', message: 'the Trader is synchronous' },
      ],
    },
  },

  {
    files: ['scripts/**/*.mjs', 'eslint.config.js'],
    languageOptions: { globals: { URL: 'readonly', process: 'readonly', console: 'readonly' } },
  },
);
