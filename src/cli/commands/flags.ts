/** A small parser for the flags of the other commands (`watch`, `maintenance …`, `learn …`). */
import type { CommandHelp } from '../command-table.js';
import { unknownCommandError } from '../help.js';
import { UsageError } from '../parse-values.js';
import { didYouMean } from '../suggest.js';

export interface ParsedFlags {
  readonly values: ReadonlyMap<string, string>;
  readonly switches: ReadonlySet<string>;
}

/**
 * Parses `args` against the flags command-table.ts describes for `command` (a flag described with a value
 * takes one, the others are switches); throws a UsageError that names the offending flag and the command.
 */
export function parseFlags(command: CommandHelp, args: readonly string[]): ParsedFlags {
  const values = new Map<string, string>();
  const switches = new Set<string>();
  const names = command.flags.map((f) => f.flag);
  const accepted = names.join(', ') || 'none';
  const commandName = command.path.join(' ');
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const equals = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = equals === -1 ? arg : arg.slice(0, equals);
    const described = command.flags.find((f) => f.flag === flag);
    if (described === undefined) {
      const what = arg.startsWith('-')
        ? `unknown option ${flag}${didYouMean(flag, names)}`
        : `unexpected argument ${JSON.stringify(arg)}`;
      throw new UsageError(`${what} for "${commandName}" (options: ${accepted})`);
    }
    if (described.value === undefined) {
      if (equals !== -1) throw new UsageError(`${flag} takes no value (got ${JSON.stringify(arg)})`);
      switches.add(flag);
      continue;
    }
    let value: string | undefined;
    if (equals !== -1) value = arg.slice(equals + 1);
    else {
      value = args[i + 1];
      i++;
    }
    if (value === undefined || (equals === -1 && value.startsWith('--'))) throw new UsageError(`${flag} needs a value`);
    values.set(flag, value);
  }
  return { values, switches };
}

/** `--db PATH` (empty is refused), or null when absent. */
export function dbFlag(flags: ParsedFlags): string | null {
  const value = flags.values.get('--db');
  if (value === undefined) return null;
  if (value.trim() === '') throw new UsageError('--db expects the path of a SQLite file (got an empty path)');
  return value;
}

/**
 * Splits `learn report --json` into the subcommand and its flags; a missing or unknown one is a UsageError
 * that suggests the closest and lists them.
 */
export function subcommand<T extends string>(
  command: string,
  args: readonly string[],
  names: readonly T[],
): { name: T; rest: readonly string[] } {
  const [first, ...rest] = args;
  const name = names.find((n) => n === first);
  if (name === undefined)
    throw unknownCommandError(first === undefined || first.startsWith('-') ? '' : first, [command]);
  return { name, rest };
}
