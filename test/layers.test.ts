import assert from 'node:assert/strict';
import { test } from 'node:test';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ESLint } from 'eslint';

// The layer rules live in eslint.config.js; this holds them to the arrows the README draws.
const eslint = new ESLint({ cwd: new URL('..', import.meta.url).pathname });

async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId?.startsWith('no-restricted-') === true)
    .map((m) => `${m.ruleId}: ${m.message}`);
}

const importing = (from: string): string => `import type { X } from '${from}';\nexport type Y = X;\n`;

const CASES: readonly (readonly [file: string, imported: string, allowed: boolean])[] = [
  ['src/core/new.ts', './model.js', true],
  ['src/core/new.ts', '../market/types.js', false],
  ['src/core/new.ts', '../engine/snapshot.js', false],
  ['src/engine/new.ts', '../core/model.js', true],
  ['src/engine/new.ts', '../market/downloader.js', false],
  ['src/engine/new.ts', '../broker/paper-broker.js', false],
  ['src/engine/new.ts', '../store/open-store.js', false],
  ['src/engine/new.ts', 'react', false],
  ['src/engine/new.ts', 'sqlite3', false],
  ['src/market/new.ts', '../engine/bar-source.js', true],
  ['src/market/new.ts', '../broker/paper-broker.js', false],
  ['src/broker/new.ts', '../market/types.js', true],
  ['src/broker/alpaca/new.ts', '../../engine/broker.js', true],
  ['src/broker/alpaca/new.ts', '../../store/open-store.js', false],
  ['src/broker/alpaca/new.ts', '../../cli/args.js', false],
  ['src/store/new.ts', '../engine/checkpoint.js', true],
  ['src/store/new.ts', '../cli/args.js', false],
  ['src/store/new.ts', '../broker/paper-broker.js', false],
  ['src/learn/new.ts', '../store/open-store.js', true],
  ['src/learn/new.ts', '../cli/args.js', false],
  ['components/new.ts', '../src/engine/snapshot.js', true],
  ['components/new.ts', '../src/core/format.js', true],
  ['components/new.ts', '../src/store/open-store.js', false],
  ['components/new.ts', '../src/market/types.js', false],
  ['components/new.ts', '../src/cli/args.js', false],
  ['src/cli/new.ts', '../store/open-store.js', true],
];

test('the layer rules allow the arrows of the architecture and refuse the others', async () => {
  for (const [file, imported, allowed] of CASES) {
    const errors = await layerErrors(file, importing(imported));
    assert.equal(errors.length === 0, allowed, `${file} importing ${imported}: ${errors.join('; ') || 'allowed'}`);
  }
});

test('the Trader stays synchronous: no timers, no promises, no async', async () => {
  const errors = await layerErrors(
    'src/engine/trader.ts',
    'export async function f(): Promise<void> {\n  await new Promise((r) => setTimeout(r, 1));\n}\n',
  );
  assert.ok(
    errors.some((e) => e.includes('no-restricted-syntax')),
    errors.join('\n'),
  );
  assert.ok(
    errors.some((e) => e.includes("'setTimeout'")),
    errors.join('\n'),
  );
});

const ROOT = new URL('..', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** The files of src/ and components/ that `file` imports (types too), by their paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1] as string);
  return specifiers.flatMap((specifier) => {
    const base = resolve(dirname(file), specifier).replace(/\.js$/, '');
    const found = [`${base}.ts`, `${base}.tsx`].find((candidate) => existsSync(candidate));
    return found === undefined ? [] : [found];
  });
}

test('no two files import each other, directly or round a circle', () => {
  const files = [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'components'))];
  const graph = new Map(files.map((file) => [file, importsOf(file)]));
  const state = new Map<string, 'open' | 'done'>();
  const circles: string[] = [];
  const visit = (file: string, path: string[]): void => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      circles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(ROOT, f)).join(' -> '));
      return;
    }
    state.set(file, 'open');
    for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of files) visit(file, []);
  assert.ok(graph.size > 100, 'the tree was read');
  assert.deepEqual(circles, []);
});
