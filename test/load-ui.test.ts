import assert from 'node:assert/strict';
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
