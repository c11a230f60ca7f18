import type { Key } from 'ink';

export type KeyCommand =
  | 'quit'
  | 'toggle-pause'
  | 'toggle-help'
  | 'back'
  | 'focus-next'
  | 'focus-previous'
  | 'scroll-up'
  | 'scroll-down'
  | 'page-up'
  | 'page-down'
  | 'home'
  | 'end'
  | 'open-row'
  | 'filter'
  | 'sort'
  | 'zoom-in'
  | 'zoom-out'
  | 'retry-downloads'
  | 'close-all'
  | 'toggle-buys'
  | 'redraw';

type SpecialKey = 'tab' | 'upArrow' | 'downArrow' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'return' | 'escape';

/** A key: a character typed (with Ctrl, or plain: neither Ctrl nor Meta), or a special key (with Shift or without). */
type KeyMatch =
  { readonly input: string; readonly ctrl?: true } | { readonly special: SpecialKey; readonly shift?: boolean };

/** The help's groups, in the order it shows them. */
export const KEY_GROUPS = ['Trading', 'Moving around', 'Looking closer', 'The program'] as const;
export type KeyGroup = (typeof KEY_GROUPS)[number];

/** One row of the help: the keys, what they do, and whether they change the bot (off in `watch`). */
export interface KeyBinding {
  readonly group: KeyGroup;
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
    group: 'Trading',
    label: 'p',
    help: 'pause / resume the loop',
    writes: true,
    keys: [[{ input: 'p' }, 'toggle-pause']],
  },
  {
    group: 'Trading',
    label: 'x',
    help: 'close every position at market and stop new buys (asks y; any other key cancels)',
    writes: true,
    keys: [[{ input: 'x' }, 'close-all']],
  },
  {
    group: 'Trading',
    label: 'b',
    help: 'stop new buys / restart them (sells go on); BUYS OFF in the status bar',
    writes: true,
    keys: [[{ input: 'b' }, 'toggle-buys']],
  },
  {
    group: 'Trading',
    label: 'r',
    help: 'retry failed downloads',
    writes: true,
    keys: [[{ input: 'r' }, 'retry-downloads']],
  },
  {
    group: 'Moving around',
    label: 'Tab  Shift-Tab',
    help: 'focus next / previous panel',
    writes: false,
    keys: [
      [{ special: 'tab', shift: false }, 'focus-next'],
      [{ special: 'tab', shift: true }, 'focus-previous'],
    ],
  },
  {
    group: 'Moving around',
    label: '↑  ↓',
    help: 'select the row above / below in the focused list (Events reads as a log: the newest at the bottom)',
    writes: false,
    keys: [
      [{ special: 'upArrow' }, 'scroll-up'],
      [{ special: 'downArrow' }, 'scroll-down'],
    ],
  },
  {
    group: 'Moving around',
    label: 'PgUp  PgDn',
    help: 'a page up / down in the focused list',
    writes: false,
    keys: [
      [{ special: 'pageUp' }, 'page-up'],
      [{ special: 'pageDown' }, 'page-down'],
    ],
  },
  {
    group: 'Moving around',
    label: 'Home  End',
    help: 'the first / last row of the focused list (in Events the oldest / the newest)',
    writes: false,
    keys: [
      [{ special: 'home' }, 'home'],
      [{ special: 'end' }, 'end'],
    ],
  },
  {
    group: 'Looking closer',
    label: 'Enter',
    help: "open the selected row whole (an event's full text, a position's fills)",
    writes: false,
    keys: [[{ special: 'return' }, 'open-row']],
  },
  {
    group: 'Looking closer',
    label: '/',
    help: 'filter Events by type or text (Enter keeps it, Esc clears it)',
    writes: false,
    keys: [[{ input: '/' }, 'filter']],
  },
  {
    group: 'Looking closer',
    label: 's',
    help: 'sort Positions by value, P&L, weight, symbol (the header shows which)',
    writes: false,
    keys: [[{ input: 's' }, 'sort']],
  },
  {
    group: 'Looking closer',
    label: '+  -',
    help: 'equity chart: half / twice the time range',
    writes: false,
    // '=' and '_' are the same keys without shift.
    keys: [
      [{ input: '+' }, 'zoom-in'],
      [{ input: '=' }, 'zoom-in'],
      [{ input: '-' }, 'zoom-out'],
      [{ input: '_' }, 'zoom-out'],
    ],
  },
  {
    group: 'The program',
    label: '?',
    help: 'show / hide this help',
    writes: false,
    keys: [[{ input: '?' }, 'toggle-help']],
  },
  {
    group: 'The program',
    label: 'Esc',
    help: 'back: close an opened row, the help, the filter',
    writes: false,
    keys: [[{ special: 'escape' }, 'back']],
  },
  {
    group: 'The program',
    label: 'Ctrl-L',
    help: 'draw the whole screen again (after something else wrote on it)',
    writes: false,
    keys: [[{ input: 'l', ctrl: true }, 'redraw']],
  },
  {
    group: 'The program',
    label: 'q  Ctrl-C',
    help: 'quit (stops the engine first)',
    watchHelp: 'quit (the bot keeps running)',
    writes: false,
    keys: [
      [{ input: 'q' }, 'quit'],
      [{ input: 'c', ctrl: true }, 'quit'],
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

/** One row of the help: its group, the keys and what they do. */
export type KeyHelpRow = readonly [keys: string, action: string, group: KeyGroup];

/** The help's rows: the keys and what they do; read-only (`watch`) says which are off. */
export function keyHelp(readOnly: boolean): readonly KeyHelpRow[] {
  return KEY_BINDINGS.map((binding) => {
    if (!readOnly) return [binding.label, binding.help, binding.group] as const;
    if (binding.writes) return [binding.label, `${binding.help}: off, watch is read-only`, binding.group] as const;
    return [binding.label, binding.watchHelp ?? binding.help, binding.group] as const;
  });
}

/** Shown by the help overlay. */
export const KEY_HELP = keyHelp(false);

/** `KEY_HELP` for `watch`: the same keys, saying which are off and that quitting leaves the bot running. */
export const WATCH_KEY_HELP = keyHelp(true);
