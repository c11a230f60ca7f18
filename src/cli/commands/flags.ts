/** A small parser for the flags of the subcommands (`maintenance …`, `learn …`). */
import { UsageError } from '../parse-values.js';

/** Each accepted flag: 'value' takes the next argument (or `--flag=value`), 'switch' takes none. */
export type FlagSpec = Readonly<Record<string, 'value' | 'switch'>>;

export interface ParsedFlags {
  readonly values: ReadonlyMap<string, string>;
  readonly switches: ReadonlySet<string>;
}

/** Parses `args` against `spec`; throws a UsageError that names the offending flag and the command. */
export function parseFlags(command: string, args: readonly string[], spec: FlagSpec): ParsedFlags {
  const values = new Map<string, string>();
  const switches = new Set<string>();
  const accepted = Object.keys(spec).join(', ') || 'none';
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const equals = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = equals === -1 ? arg : arg.slice(0, equals);
    const kind = spec[flag];
    if (kind === undefined) {
      const what = arg.startsWith('-') ? `unknown option ${flag}` : `unexpected argument ${JSON.stringify(arg)}`;
      throw new UsageError(`${what} for "${command}" (options: ${accepted})`);
    }
    if (kind === 'switch') {
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

/** Splits `learn report --json` into the subcommand and its flags; a missing or unknown one is a UsageError. */
export function subcommand<T extends string>(
  command: string,
  args: readonly string[],
  names: readonly T[],
): { name: T; rest: readonly string[] } {
  const [first, ...rest] = args;
  const name = names.find((n) => n === first);
  if (name === undefined) {
    const got = first === undefined ? 'nothing' : JSON.stringify(first);
    throw new UsageError(`"${command}" expects one of ${names.join(', ')} (got ${got})`);
  }
  return { name, rest };
}
