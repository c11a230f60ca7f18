/**
 * Loads the terminal UI (Ink, React, the panels): the largest part of the time to the first frame.
 *
 * Ink's layout engine (yoga's WebAssembly build) asks `typeof fetch` while it loads, and in Node that
 * first look at `fetch` loads Node's whole HTTP client (undici), about 40 ms of CPU here and more on a
 * loaded machine, for a module that then builds itself from bytes it carries anyway. `fetch` is hidden
 * while the UI loads and put back untouched (still the lazy original) right after.
 *
 * Ink imports one function, `throttle`, from `es-toolkit/compat`, whose index loads all 415 of that
 * package's compat modules: about 80 ms of CPU before the first frame here. While the UI loads, that
 * import resolves to the one module that defines the function (when it is where this expects it;
 * otherwise it is left alone). Ink's `string-width` gets a memory of the widths it measured
 * (remembered-string-width.ts: a quarter of what a frame allocates), and Ink's `Output`, the grid
 * each frame is drawn into, a memory of the lines it tokenized (remembering-ink-output.ts: half of
 * what is left). Node 22.15 and later have the hook; before, the UI loads as it is.
 */
import { existsSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as RunTui from './run-tui.js';
import type * as SavedStateView from './saved-state-view.js';

export type UiModules = readonly [typeof RunTui, typeof SavedStateView];

const COMPAT_INDEX = /\/dist\/compat\/index\.mjs$/;
const COMPAT_THROTTLE = '/dist/compat/function/throttle.mjs';
const INK_RENDERER = /\/ink\/build\/renderer\.js$/;

/**
 * Points Ink's `es-toolkit/compat` at its throttle module, every `string-width` the UI loads at
 * remembered-string-width.ts and Ink's `./output.js` at remembering-ink-output.ts (each wrapping the
 * module it stands for); returns the undo.
 */
function redirectUiImports(): () => void {
  const { registerHooks } = nodeModule as Partial<typeof nodeModule>;
  if (registerHooks === undefined) return () => {};
  const rememberedWidth = import.meta.resolve('./remembered-string-width.js');
  const rememberingOutput = import.meta.resolve('./remembering-ink-output.js');
  const hooks = registerHooks({
    resolve(specifier, context, nextResolve) {
      const parent = context.parentURL ?? '';
      if (specifier === '@alcalzone/ansi-tokenize' && parent.startsWith(`${rememberingOutput}?of=`)) {
        // The tokenizer Ink's Output uses, wherever the package manager put it.
        const inkOutput = new URL(parent).searchParams.get('of') as string;
        return nextResolve(specifier, { ...context, parentURL: inkOutput });
      }
      const resolved = nextResolve(specifier, context);
      if (specifier === 'string-width')
        return { url: `${rememberedWidth}?of=${encodeURIComponent(resolved.url)}`, shortCircuit: true };
      if (specifier === './output.js' && INK_RENDERER.test(parent))
        return { url: `${rememberingOutput}?of=${encodeURIComponent(resolved.url)}`, shortCircuit: true };
      if (specifier !== 'es-toolkit/compat' || !parent.includes('/ink/')) return resolved;
      const throttle = resolved.url.replace(COMPAT_INDEX, COMPAT_THROTTLE);
      return throttle !== resolved.url && existsSync(fileURLToPath(throttle))
        ? { ...resolved, url: throttle }
        : resolved;
    },
  });
  return () => hooks.deregister();
}

export async function loadUi(): Promise<UiModules> {
  const undoRedirects = redirectUiImports();
  const fetchProperty = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  if (fetchProperty?.configurable === true)
    Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
  try {
    return await Promise.all([import('./run-tui.js'), import('./saved-state-view.js')]);
  } finally {
    undoRedirects();
    if (fetchProperty?.configurable === true) Object.defineProperty(globalThis, 'fetch', fetchProperty);
  }
}
