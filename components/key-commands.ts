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

/** A key: a character typed (with Ctrl, or plain: neither Ctrl nor Meta), or a special key (with Shift or without). */
type KeyMatch =
  | { readonly input: string; readonly ctrl?: true }
  | { readonly special: 'tab' | 'upArrow' | 'downArrow' | 'escape'; readonly shift?: boolean };

/** One row of the help: the keys, what they do, and whether they change the bot (off in `watch`). */
export interface KeyBinding {
  /** The keys as the help shows them. */
  readonly label: string;
  readonly help: string;
  /** What `watch` says instead, where it differs for another reason than being read-only. */
  readonly watchHelp?: string;
  /** The command changes the bot; `watch` only reads the database, so it does nothing there. */
  readonly writes: boolean;
  readonly keys: readonly (readonly [KeyMatch, KeyCommand])[];
}

/** The one keymap of the monitor: input handling, the help overlay and watch's help all derive from it. */
export const KEY_BINDINGS: readonly KeyBinding[] = [
  {
    label: 'q  Ctrl-C',
    help: 'quit (stops the engine first)',
    watchHelp: 'quit (the bot keeps running)',
    writes: false,
    keys: [
      [{ input: 'q' }, 'quit'],
      [{ input: 'c', ctrl: true }, 'quit'],
    ],
  },
  { label: 'p', help: 'pause / resume the loop', writes: true, keys: [[{ input: 'p' }, 'toggle-pause']] },
  {
    label: 'Tab  Shift-Tab',
    help: 'focus next / previous panel',
    writes: false,
    keys: [
      [{ special: 'tab', shift: false }, 'focus-next'],
      [{ special: 'tab', shift: true }, 'focus-previous'],
    ],
  },
  {
    label: '↑  ↓',
    help: 'scroll the focused panel',
    writes: false,
    keys: [
      [{ special: 'upArrow' }, 'scroll-up'],
      [{ special: 'downArrow' }, 'scroll-down'],
    ],
  },
  {
    label: '+  -',
    help: 'zoom the equity chart in / out',
    writes: false,
    // '=' and '_' are the same keys without shift.
    keys: [
      [{ input: '+' }, 'zoom-in'],
      [{ input: '=' }, 'zoom-in'],
      [{ input: '-' }, 'zoom-out'],
      [{ input: '_' }, 'zoom-out'],
    ],
  },
  { label: 'r', help: 'retry failed downloads', writes: true, keys: [[{ input: 'r' }, 'retry-downloads']] },
  {
    label: '?  Esc',
    help: 'show / hide this help',
    writes: false,
    keys: [
      [{ input: '?' }, 'toggle-help'],
      [{ special: 'escape' }, 'close-help'],
    ],
  },
];

const ALL_KEYS = KEY_BINDINGS.flatMap((binding) => binding.keys);
/** Special keys and Ctrl combinations win over typed characters. */
const SPECIAL_KEYS = ALL_KEYS.filter(([match]) => 'special' in match || match.ctrl === true);
const TYPED_KEYS: ReadonlyMap<string, KeyCommand> = new Map(
  ALL_KEYS.flatMap(([match, command]) => ('input' in match && match.ctrl !== true ? [[match.input, command]] : [])),
);

function matchesSpecial(match: KeyMatch, input: string, key: Key): boolean {
  if ('special' in match) return key[match.special] && (match.shift === undefined || key.shift === match.shift);
  return key.ctrl && input === match.input;
}

export function keyToCommand(input: string, key: Key): KeyCommand | null {
  for (const [match, command] of SPECIAL_KEYS) if (matchesSpecial(match, input, key)) return command;
  if (key.ctrl || key.meta) return null;
  return TYPED_KEYS.get(input) ?? null;
}

/** Keys whose commands would change the bot; `watch` only reads the database, so they do nothing there. */
export const WRITE_COMMANDS: ReadonlySet<KeyCommand> = new Set(
  KEY_BINDINGS.filter((binding) => binding.writes).flatMap((binding) => binding.keys.map(([, command]) => command)),
);

/** The help's rows: the keys and what they do; read-only (`watch`) says which are off. */
export function keyHelp(readOnly: boolean): readonly (readonly [keys: string, action: string])[] {
  return KEY_BINDINGS.map((binding) => {
    if (!readOnly) return [binding.label, binding.help] as const;
    if (binding.writes) return [binding.label, `${binding.help}: off, watch is read-only`] as const;
    return [binding.label, binding.watchHelp ?? binding.help] as const;
  });
}

/** Shown by the help overlay. */
export const KEY_HELP = keyHelp(false);

/** `KEY_HELP` for `watch`: the same keys, saying which are off and that quitting leaves the bot running. */
export const WATCH_KEY_HELP = keyHelp(true);
