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

test("loading the UI gives Ink's string-width a memory: Ink's width questions are answered by remembered-string-width", () => {
  const script = `
    import { registerHooks } from 'node:module';
    import { EventEmitter } from 'node:events';
    const loaded = [];
    registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
    const { loadUi } = await import(${JSON.stringify(new URL('../src/cli/load-ui.ts', import.meta.url).href)});
    await loadUi();
    const { render, Text } = await import('ink');
    const { createElement } = await import('react');
    const remembered = await import(loaded.find((url) => url.includes('/remembered-string-width.')));
    const before = remembered.rememberedWidthCount();
    const stdout = Object.assign(new EventEmitter(), { columns: 40, rows: 5, isTTY: true, write: () => true });
    const app = render(createElement(Text, null, 'équité ▲ 1,234.56 · ok'), { stdout, patchConsole: false, debug: true });
    app.unmount();
    process.stdout.write(JSON.stringify({ before, after: remembered.rememberedWidthCount(), loaded: loaded.filter((url) => url.includes('string-width')) }));
  `;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  assert.equal(run.status, 0, run.stderr);
  const seen = JSON.parse(run.stdout) as { before: number; after: number; loaded: string[] };
  // One module of string-width, loaded by the remembering one, which names it.
  assert.equal(seen.loaded.filter((url) => url.endsWith('/string-width/index.js')).length, 1, run.stdout);
  assert.ok(
    seen.loaded.some((url) => url.includes('/remembered-string-width.') && url.includes('string-width%2Findex.js')),
    run.stdout,
  );
  assert.ok(seen.after > seen.before, `Ink measured through it: ${run.stdout}`);
});

test("loading the UI gives Ink's Output a memory across frames, drawing what Ink's own draws", () => {
  const script = `
    import { registerHooks } from 'node:module';
    import { EventEmitter } from 'node:events';
    const loaded = [];
    registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
    const { loadUi } = await import(${JSON.stringify(new URL('../src/cli/load-ui.ts', import.meta.url).href)});
    await loadUi();
    const { render, Box, Text } = await import('ink');
    const { createElement } = await import('react');
    const frames = [];
    const stdout = Object.assign(new EventEmitter(), { columns: 30, rows: 6, isTTY: true, write: (frame) => (frames.push(frame), true) });
    const screen = (price) => createElement(Box, { borderStyle: 'round', width: 24 }, createElement(Text, { color: 'green' }, 'AAPL ▲ ' + price));
    const app = render(screen('187.20'), { stdout, patchConsole: false, debug: true });
    app.rerender(screen('187.31'));
    app.rerender(screen('187.20'));
    app.unmount();
    process.stdout.write(JSON.stringify({ frames, loaded: loaded.filter((url) => /output|ansi-tokenize/.test(url)) }));
  `;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: 'production', FORCE_COLOR: '1' },
  });
  assert.equal(run.status, 0, run.stderr);
  const seen = JSON.parse(run.stdout) as { frames: string[]; loaded: string[] };
  assert.ok(
    seen.loaded.some((url) => url.includes('/remembering-ink-output.') && url.includes('ink%2Fbuild%2Foutput.js')),
    run.stdout,
  );
  // Ink's tokenizer, loaded once: the remembering Output uses the very module Ink's does.
  assert.equal(seen.loaded.filter((url) => url.endsWith('/ansi-tokenize/build/index.js')).length, 1, run.stdout);
  // Three renders (the unmount draws the last frame once more).
  const drawn = seen.frames.filter((frame) => frame.includes('AAPL'));
  assert.equal(drawn.length, 4, run.stdout);
  const [top, middle, bottom] = (drawn[0] as string).split('\n');
  assert.match(top as string, /^╭─+╮$/);
  assert.ok(middle?.startsWith('│\u001b[32mAAPL ▲ 187.20\u001b[39m ') && middle.endsWith('│'), middle);
  assert.match(bottom as string, /^╰─+╯$/);
  assert.equal(drawn[2], drawn[0]);
  assert.equal(drawn[1], (drawn[0] as string).replace('187.20', '187.31'));
});
