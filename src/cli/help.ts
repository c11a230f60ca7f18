/**
 * The help, written from command-table.ts: `trading-tui --help`, `trading-tui help [COMMAND]`,
 * `trading-tui COMMAND --help`, and the list of commands that answers an unknown one.
 */
import { DEFAULT_MAX_SETS } from '../learn/tune.js';
import { SIM_FAULT_DEFAULTS, defaultStartOptions } from './args.js';
import {
  COMMAND_TABLE,
  findCommand,
  runnableCommands,
  type CommandHelp,
  type FlagHelp,
  type HelpDefaults,
} from './command-table.js';
import { UsageError } from './parse-values.js';
import { didYouMean } from './suggest.js';

/**
 * Defaults whose home module loads SQLite (help must not): the same values as `DEFAULT_POLL_MS` in
 * store/database-snapshot-source.ts and `DEFAULT_PROFILE_NAME` in learn/profiles.ts; a test holds them equal.
 */
export const WATCH_POLL_MS_SHOWN = 1000;
export const TUNE_PROFILE_SHOWN = 'tuned';

/** Where the help reads each default from: the one place to re-point when defaults move. */
export function helpDefaults(): HelpDefaults {
  return {
    start: defaultStartOptions(),
    simFaults: SIM_FAULT_DEFAULTS,
    watchPollMs: WATCH_POLL_MS_SHOWN,
    tuneMaxSets: DEFAULT_MAX_SETS,
    tuneProfile: TUNE_PROFILE_SHOWN,
  };
}

const EXIT_CODES = 'Exit codes: 0 done or stopped (Ctrl-C, SIGTERM), 2 bad usage, 1 unexpected error.';

/** Help lines are wrapped to the terminal, between 60 and 100 columns. */
function helpWidth(): number {
  const columns = process.stdout.isTTY ? process.stdout.columns : undefined;
  return Math.min(100, Math.max(60, columns ?? 100));
}

/** Words of `text` (or the given pieces) in lines of at most `width`, all after the first indented by `indent`. */
function wrap(text: string | readonly string[], width: number, indent = 0): string {
  const words = typeof text === 'string' ? text.split(/\s+/).filter((w) => w !== '') : text;
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    const room = width - (lines.length === 0 ? 0 : indent);
    if (line !== '' && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines.map((l, i) => (i === 0 ? l : ' '.repeat(indent) + l)).join('\n');
}

type Row = readonly [term: string, text: string];

/** Terms this long or shorter get the text beside them; longer ones, below. */
const MAX_TERM_WIDTH = 26;
const termWidthOf = (rows: readonly Row[]): number =>
  Math.min(MAX_TERM_WIDTH, Math.max(...rows.map(([t]) => t.length)));

/** Two columns: terms padded to `termWidth`, descriptions wrapped under themselves. */
function twoColumns(rows: readonly Row[], width: number, termWidth = termWidthOf(rows), margin = 2): string {
  const indent = margin + termWidth + 2;
  return rows
    .map(([term, text]) => {
      const head = ' '.repeat(margin) + term;
      if (term.length > termWidth) return `${head}\n${' '.repeat(indent)}${wrap(text, width - indent, 0)}`;
      return head.padEnd(indent) + wrap(text, width - indent, 0).replaceAll('\n', `\n${' '.repeat(indent)}`);
    })
    .join('\n');
}

const flagTerm = (flag: FlagHelp): string => (flag.value === undefined ? flag.flag : `${flag.flag} ${flag.value}`);

function flagText(flag: FlagHelp, defaults: HelpDefaults): string {
  const shown = typeof flag.default === 'function' ? flag.default(defaults) : flag.default;
  const required = flag.required === true ? ' (required)' : '';
  return shown === undefined ? `${flag.about}${required}` : `${flag.about} (default: ${shown})${required}`;
}

const name = (command: CommandHelp): string => command.path.join(' ');

/**
 * `trading-tui maintenance stats [--db PATH] [--json]`, as pieces a line may break between; `[options]`
 * when there are too many flags to list.
 */
function usagePieces(command: CommandHelp): string[] {
  if (command.subcommands !== undefined)
    return ['trading-tui', name(command), command.subcommands.map((c) => c.path.at(-1)).join('|'), '[options]'];
  const head = command.path[0] === 'start' ? ['trading-tui', '[start]'] : ['trading-tui', name(command)];
  const operands = command.operands === undefined ? [] : [command.operands];
  if (command.flags.length > 6) return [...head, '[options]', ...operands];
  const flags = command.flags.map((f) => (f.required === true ? flagTerm(f) : `[${flagTerm(f)}]`));
  return [...head, ...flags, ...operands];
}

export const usageLine = (command: CommandHelp): string => usagePieces(command).join(' ');

function flagsSection(command: CommandHelp, defaults: HelpDefaults, width: number): string {
  const groups = new Map<string, Row[]>();
  for (const flag of command.flags) {
    const group = flag.group ?? 'Options';
    groups.set(group, [...(groups.get(group) ?? []), [flagTerm(flag), flagText(flag, defaults)]]);
  }
  const general: Row[] = command.path[0] === 'start' ? [['-v, --version', 'print the version']] : [];
  general.push(['-h, --help', 'this help']);
  const last = groups.has('Output') ? 'Output' : 'Options';
  groups.set(last, [...(groups.get(last) ?? []), ...general]);
  const termWidth = termWidthOf([...groups.values()].flat());
  return [...groups].map(([group, rows]) => `${group}:\n${twoColumns(rows, width, termWidth)}`).join('\n\n');
}

function examplesSection(examples: readonly string[] | undefined): string[] {
  return examples === undefined ? [] : [`Examples:\n${examples.map((e) => `  ${e}`).join('\n')}`];
}

/** The list of commands with what each does. */
export function commandList(width = helpWidth()): string {
  const rows = runnableCommands().map((c): [string, string] => [
    c.operands === undefined ? name(c) : `${name(c)} ${c.operands}`,
    c.summary,
  ]);
  return `Commands:\n${twoColumns(rows, width)}`;
}

/** `trading-tui --help` and `trading-tui help`: every command, then start's options. */
export function overviewHelp(): string {
  const width = helpWidth();
  const start = COMMAND_TABLE[0] as CommandHelp;
  const usage = runnableCommands().map((c) => `  ${wrap(usagePieces(c), width - 2, 6)}`);
  return (
    [
      'trading-tui — a terminal live trading monitor',
      `Usage:\n${usage.join('\n')}`,
      wrap(start.about ?? '', width),
      commandList(width),
      `Options of start (the default command):\n\n${flagsSection(start, helpDefaults(), width)}`,
      ...examplesSection(runnableCommands().flatMap((c) => c.examples ?? [])),
      'Run trading-tui COMMAND --help, or trading-tui help COMMAND, for a command and its options.',
      EXIT_CODES,
    ].join('\n\n') + '\n'
  );
}

/** The help of one command (`maintenance`, `maintenance stats`, …). */
export function commandHelp(command: CommandHelp): string {
  const width = helpWidth();
  const parts = [`Usage: ${wrap(usagePieces(command), width - 7, 7)}`];
  if (command.about !== undefined) parts.push(wrap(command.about, width));
  if (command.subcommands !== undefined) {
    const entries = command.subcommands.map(
      (c) => `  ${wrap(usagePieces(c), width - 2, 6)}\n      ${wrap(c.summary, width - 6, 6)}`,
    );
    parts.push(`Commands:\n${entries.join('\n')}`);
    parts.push(`Run trading-tui ${name(command)} COMMAND --help for a command's options.`);
  } else if (command.path[0] === 'help') {
    parts.push(commandList(width));
  } else {
    parts.push(flagsSection(command, helpDefaults(), width));
  }
  parts.push(...examplesSection(command.examples));
  if (command.path[0] === 'start') parts.push(EXIT_CODES);
  return parts.join('\n\n') + '\n';
}

/**
 * A usage error for a word that is not a command: one line naming it, with the closest commands when one is
 * close, then (below the line) the commands there are.
 */
export function unknownCommandError(word: string, parent: readonly string[] = []): UsageError {
  const level = parent.length === 0 ? null : findCommand(parent);
  if (level?.subcommands !== undefined) {
    const names = level.subcommands.map((c) => c.path.at(-1) as string);
    const what =
      word === '' ? `${name(level)} needs a command` : `unknown ${name(level)} command ${JSON.stringify(word)}`;
    return new UsageError(`${what}${didYouMean(word, names)}: ${names.join(', ')}`, commandHelp(level));
  }
  // Besides the commands, the subcommands: `trading-tui stat` may well mean `maintenance stats`.
  const candidates = [...COMMAND_TABLE.map(name), ...runnableCommands().map(name)];
  return new UsageError(
    `unknown command ${JSON.stringify(word)}${didYouMean(word, candidates, (c) => c.split(' ').at(-1) as string)}`,
    `${commandList()}\n\nRun trading-tui help for all the options.\n`,
  );
}

/**
 * The command the words after `help` (or before `--help`) name: `['maintenance', 'stats']`. The words end at
 * the first flag; a word that names no command is a usage error.
 */
export function helpTopic(words: readonly string[]): CommandHelp | null {
  const path: string[] = [];
  let found: CommandHelp | null = null;
  for (const word of words) {
    if (word.startsWith('-')) break;
    if (found !== null && found.subcommands === undefined) break;
    const next = findCommand([...path, word]);
    if (next === undefined) throw unknownCommandError(word, path);
    path.push(word);
    found = next;
  }
  return found;
}

/** The help of the command `words` name (`['learn', 'tune']`), or the overview when they name none. */
export function helpFor(words: readonly string[]): string {
  const topic = helpTopic(words);
  return topic === null ? overviewHelp() : commandHelp(topic);
}
