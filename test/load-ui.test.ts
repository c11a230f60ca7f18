import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { loadUi } from '../src/cli/load-ui.js';

test('loading the UI leaves fetch as it was (it is hidden only while Ink loads)', async () => {
  const before = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  const loading = loadUi();
  // The modules load after this tick: fetch is hidden meanwhile.
  const seenWhileLoading = (globalThis as { fetch?: unknown }).fetch;
  const [runTuiModule, savedStateModule] = await loading;
  assert.equal(seenWhileLoading, undefined);
  assert.deepEqual(Object.getOwnPropertyDescriptor(globalThis, 'fetch'), before);
  assert.equal(typeof fetch, 'function');
  assert.equal(typeof runTuiModule.runTui, 'function');
  assert.equal(typeof savedStateModule.showSavedStateWhileCatchingUp, 'function');
});

test("loading the UI loads Ink's throttle alone, not the 415 modules of es-toolkit's compat index", () => {
  const script = `
    import { registerHooks } from 'node:module';
    const loaded = [];
    registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
    const { loadUi } = await import(${JSON.stringify(new URL('../src/cli/load-ui.ts', import.meta.url).href)});
    await loadUi();
    const toolkit = loaded.filter((url) => url.includes('/es-toolkit/'));
    process.stdout.write(JSON.stringify(toolkit.map((url) => url.slice(url.indexOf('/es-toolkit/')))));
  `;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  assert.equal(run.status, 0, run.stderr);
  const toolkit = JSON.parse(run.stdout) as string[];
  assert.ok(toolkit.includes('/es-toolkit/dist/compat/function/throttle.mjs'), run.stdout);
  assert.ok(!toolkit.includes('/es-toolkit/dist/compat/index.mjs'), run.stdout);
  assert.ok(toolkit.length < 10, `${toolkit.length} modules of es-toolkit`);
});
