import type { RegimeName } from '../src/core/regime-types.js';
import type { EngineEventKind, Mode } from '../src/engine/snapshot.js';
import type { DownloadState } from '../src/engine/download-status.js';

// Colour names only: Ink/chalk turn them into escapes, or into nothing when colour is off.

export const FOCUS_COLOR = 'cyan';
export const FRAME_COLOR = 'gray';
export const GAIN_COLOR = 'green';
export const LOSS_COLOR = 'red';

export function signColor(value: number): string | undefined {
  if (value > 0) return GAIN_COLOR;
  if (value < 0) return LOSS_COLOR;
  return undefined;
}

export const REGIME_COLORS: Readonly<Record<RegimeName, string>> = {
  'trend-up': 'green',
  'trend-down': 'red',
  range: 'blue',
  volatile: 'yellow',
};

/** One letter per regime, so the history strip reads without colour too. */
export const REGIME_LETTERS: Readonly<Record<RegimeName, string>> = {
  'trend-up': 'U',
  'trend-down': 'D',
  range: 'R',
  volatile: 'V',
};

export const MODE_COLORS: Readonly<Record<Mode, string>> = {
  SIM: 'green',
  PAPER: 'yellow',
  LIVE: 'red',
};

export const EVENT_COLORS: Readonly<Record<EngineEventKind, string | undefined>> = {
  fill: 'green',
  regime: 'blue',
  risk: 'yellow',
  download: 'cyan',
  error: 'red',
  info: undefined,
};

export const DOWNLOAD_STATE_COLORS: Readonly<Record<DownloadState, string | undefined>> = {
  queued: undefined,
  running: 'cyan',
  retrying: 'yellow',
  done: 'green',
  failed: 'red',
  'timed-out': 'red',
  cancelled: 'gray',
};
