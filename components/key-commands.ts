import type { Key } from 'ink';

export type KeyCommand =
  | 'quit'
  | 'toggle-pause'
  | 'toggle-help'
  | 'close-help'
  | 'focus-next'
  | 'focus-previous'
  | 'scroll-up'
  | 'scroll-down'
  | 'zoom-in'
  | 'zoom-out'
  | 'retry-downloads';

/** The one keymap of the monitor. */
export function keyToCommand(input: string, key: Key): KeyCommand | null {
  if (key.ctrl && input === 'c') return 'quit';
  if (key.tab) return key.shift ? 'focus-previous' : 'focus-next';
  if (key.upArrow) return 'scroll-up';
  if (key.downArrow) return 'scroll-down';
  if (key.escape) return 'close-help';
  if (key.ctrl || key.meta) return null;
  switch (input) {
    case 'q':
      return 'quit';
    case 'p':
      return 'toggle-pause';
    case '?':
      return 'toggle-help';
    // '=' and '_' are the same keys without shift.
    case '+':
    case '=':
      return 'zoom-in';
    case '-':
    case '_':
      return 'zoom-out';
    case 'r':
      return 'retry-downloads';
    default:
      return null;
  }
}

/** Shown by the help overlay; keep in step with `keyToCommand`. */
export const KEY_HELP: readonly (readonly [keys: string, action: string])[] = [
  ['q  Ctrl-C', 'quit (stops the engine first)'],
  ['p', 'pause / resume the loop'],
  ['Tab  Shift-Tab', 'focus next / previous panel'],
  ['↑  ↓', 'scroll the focused panel'],
  ['+  -', 'zoom the equity chart in / out'],
  ['r', 'retry failed downloads'],
  ['?  Esc', 'show / hide this help'],
];

/** Keys whose commands would change the bot; `watch` only reads the database, so they do nothing there. */
export const WRITE_COMMANDS: ReadonlySet<KeyCommand> = new Set<KeyCommand>(['toggle-pause', 'retry-downloads']);

/** `KEY_HELP` for `watch`: the same keys, saying which are off and that quitting leaves the bot running. */
export const WATCH_KEY_HELP: readonly (readonly [keys: string, action: string])[] = KEY_HELP.map(([keys, action]) => {
  if (keys === 'p' || keys === 'r') return [keys, `${action}: off, watch is read-only`] as const;
  if (keys.startsWith('q')) return [keys, 'quit (the bot keeps running)'] as const;
  return [keys, action] as const;
});
