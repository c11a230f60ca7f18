/**
 * Usage errors that no single option shows: options that contradict each other, and Alpaca keys that
 * cannot be what the user meant. Each throws a UsageError (one line, exit code 2) before anything starts.
 */
import { UsageError } from './parse-values.js';
import type { StartOptions } from './start-options.js';

/** Options that cannot go together. */
export function checkOptionCombinations(options: StartOptions): void {
  if (options.noDb && options.dbPath !== null)
    throw new UsageError('--no-db keeps nothing on disk and --db names the file to keep it in: give one of them');
  if (options.noDb && options.fresh)
    throw new UsageError('--fresh starts a new portfolio in the database, and --no-db has none: give one of them');
}

const KEY_NAMES = ['APCA_API_KEY_ID', 'APCA_API_SECRET_KEY'] as const;

/**
 * Alpaca's keys are both set or both unset (empty counts as unset). A key of only blanks, or one key
 * without the other, is a mistake: refused rather than silently trading the simulation.
 */
export function checkAlpacaKeys(env: NodeJS.ProcessEnv, options: Pick<StartOptions, 'broker'>): void {
  const present = KEY_NAMES.filter((name) => (env[name] ?? '') !== '');
  for (const name of present) {
    if ((env[name] ?? '').trim() === '')
      throw new UsageError(`${name} is set but blank; set the key, or unset the variable for the simulated market`);
  }
  if (present.length === 1 && options.broker !== 'sim') {
    const missing = KEY_NAMES.find((name) => !present.includes(name)) ?? '';
    throw new UsageError(
      `${present[0] ?? ''} is set but ${missing} is not: set both to trade on Alpaca, or neither (or --broker sim) for the simulated market`,
    );
  }
}

/**
 * `--version` prints the version; anything else on the line must still be a valid option (a typo there
 * is as much a mistake as anywhere). `check` parses the rest and throws on the first bad one.
 */
export function checkBesidesVersion(argv: readonly string[], at: number, check: (rest: string[]) => void): void {
  const rest = argv.filter((_, i) => i !== at);
  if (rest.length > 0) check(rest);
}
