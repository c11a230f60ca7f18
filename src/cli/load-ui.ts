/**
 * Loads the terminal UI (Ink, React, the panels): the largest part of the time to the first frame.
 *
 * Ink's layout engine (yoga's WebAssembly build) asks `typeof fetch` while it loads, and in Node that
 * first look at `fetch` loads Node's whole HTTP client (undici), about 40 ms of CPU here and more on a
 * loaded machine, for a module that then builds itself from bytes it carries anyway. `fetch` is hidden
 * while the UI loads and put back untouched (still the lazy original) right after.
 */
import type * as RunTui from './run-tui.js';
import type * as SavedStateView from './saved-state-view.js';

export type UiModules = readonly [typeof RunTui, typeof SavedStateView];

export async function loadUi(): Promise<UiModules> {
  const fetchProperty = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  if (fetchProperty?.configurable === true)
    Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
  try {
    return await Promise.all([import('./run-tui.js'), import('./saved-state-view.js')]);
  } finally {
    if (fetchProperty?.configurable === true) Object.defineProperty(globalThis, 'fetch', fetchProperty);
  }
}
