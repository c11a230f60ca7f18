/** The command line: `trading-tui [start] [options]`. */
import { DEFAULT_RISK_LIMITS } from '../core/risk.js';
import { DEFAULT_UNIVERSE } from '../market/universe.js';
import { barsInPeriod } from '../market/session-calendar.js';
import { checkBesidesVersion, checkOptionCombinations } from './usage-checks.js';
import { formatCount } from '../core/plural.js';
import {
  UsageError,
  parseDurationMs,
  parseFraction,
  parseInteger,
  parsePeriodDays,
  parseRate,
  parseSymbols,
  parseTimeframe,
} from './parse-values.js';
import type { StartFlag, StartFlagTakesValue } from './command-table.js';
import type { ParsedCommand, SimFaultDefaults, StartOptions } from './start-options.js';
import { didYouMean } from './suggest.js';
import {
  DEFAULT_EQUITY_POINTS,
  DEFAULT_FPS,
  MAX_EQUITY_POINTS,
  MAX_FPS,
  MIN_EQUITY_POINTS,
  MIN_FPS,
} from '../core/limits.js';

export type { ParsedCommand, SimFaultDefaults, SimFaultOptions, StartOptions } from './start-options.js';

export const SIM_FAULT_DEFAULTS: SimFaultDefaults = { latencyMs: 40, failureRate: 0.01, hangRate: 0.00002 };

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface OptionSpec {
  readonly takesValue: boolean;
  readonly apply: (options: Mutable<StartOptions>, value: string, flag: string) => void;
}

/** One parser for each flag of command-table.ts's START_FLAGS, which the help is written from. */
type OptionTable = { readonly [F in StartFlag]: OptionSpec & { readonly takesValue: StartFlagTakesValue<F> } };

const OPTIONS: OptionTable = {
  '--symbols': { takesValue: true, apply: (o, v, f) => (o.symbols = parseSymbols(f, v)) },
  '--period': {
    takesValue: true,
    apply: (o, v, f) => {
      o.periodDays = parsePeriodDays(f, v);
      o.periodText = v.trim();
    },
  },
  '--timeframe': { takesValue: true, apply: (o, v, f) => (o.timeframe = parseTimeframe(f, v)) },
  '--iterations': {
    takesValue: true,
    apply: (o, v, f) => (o.iterations = parseInteger(f, v, 1, Number.MAX_SAFE_INTEGER, 'a whole number of iterations')),
  },
  '--interval': { takesValue: true, apply: (o, v, f) => (o.intervalMs = parseDurationMs(f, v, { allowZero: true })) },
  '--seed': { takesValue: true, apply: (o, v, f) => (o.seed = parseInteger(f, v, 0, 2 ** 31 - 1)) },
  '--concurrency': {
    takesValue: true,
    apply: (o, v, f) =>
      (o.concurrency = v.trim() === 'auto' ? 'auto' : parseInteger(f, v, 1, 256, '"auto" or a whole number')),
  },
  '--timeout': { takesValue: true, apply: (o, v, f) => (o.timeoutMs = parseDurationMs(f, v, { allowZero: false })) },
  '--equity-points': {
    takesValue: true,
    apply: (o, v, f) =>
      (o.equityPoints = parseInteger(f, v, MIN_EQUITY_POINTS, MAX_EQUITY_POINTS, 'a number of points')),
  },
  '--db': {
    takesValue: true,
    apply: (o, v, f) => {
      if (v.trim() === '') throw new UsageError(`${f} expects the path of a SQLite file (got an empty path)`);
      o.dbPath = v;
    },
  },
  '--no-db': { takesValue: false, apply: (o) => (o.noDb = true) },
  '--fresh': { takesValue: false, apply: (o) => (o.fresh = true) },
  '--cache-ttl': { takesValue: true, apply: (o, v, f) => (o.cacheTtlMs = parseDurationMs(f, v, { allowZero: true })) },
  '--profile': {
    takesValue: true,
    apply: (o, v, f) => {
      if (!/^[\w.-]{1,64}$/.test(v))
        throw new UsageError(`${f} expects a profile name (letters, digits, . _ -), got ${JSON.stringify(v)}`);
      o.profile = v;
    },
  },
  '--broker': {
    takesValue: true,
    apply: (o, v, f) => {
      const broker = v.trim();
      if (broker !== 'sim' && broker !== 'alpaca')
        throw new UsageError(`${f} expects sim or alpaca, got ${JSON.stringify(v)}`);
      o.broker = broker;
    },
  },
  '--live': { takesValue: false, apply: (o) => (o.live = true) },
  '--yes-i-mean-live': { takesValue: false, apply: (o) => (o.yesIMeanLive = true) },
  '--headless': { takesValue: false, apply: (o) => (o.headless = true) },
  '--json': { takesValue: false, apply: (o) => (o.json = true) },
  '--fps': {
    takesValue: true,
    apply: (o, v, f) => (o.fps = parseInteger(f, v, MIN_FPS, MAX_FPS, 'frames per second')),
  },
  '--cash': {
    takesValue: true,
    apply: (o, v, f) => (o.cash = parseInteger(f, v, 100, 1_000_000_000_000, 'whole dollars')),
  },
  '--max-position': {
    takesValue: true,
    apply: (o, v, f) => (o.risk = { ...o.risk, maxPositionFraction: parseFraction(f, v, 1) }),
  },
  '--max-exposure': {
    takesValue: true,
    apply: (o, v, f) => (o.risk = { ...o.risk, maxGrossExposure: parseFraction(f, v, 1) }),
  },
  '--daily-loss-limit': {
    takesValue: true,
    apply: (o, v, f) => (o.risk = { ...o.risk, dailyLossLimit: parseFraction(f, v, 1) }),
  },
  '--sim-latency': {
    takesValue: true,
    apply: (o, v, f) => (o.sim = { ...o.sim, latencyMs: parseDurationMs(f, v, { allowZero: true }) }),
  },
  '--sim-failure-rate': { takesValue: true, apply: (o, v, f) => (o.sim = { ...o.sim, failureRate: parseRate(f, v) }) },
  '--sim-hang-rate': { takesValue: true, apply: (o, v, f) => (o.sim = { ...o.sim, hangRate: parseRate(f, v) }) },
};

export function defaultStartOptions(): Mutable<StartOptions> {
  return {
    command: 'start',
    symbols: DEFAULT_UNIVERSE,
    periodDays: 60,
    periodText: '60d',
    timeframe: '15Min',
    iterations: null,
    intervalMs: 1000,
    seed: 1,
    concurrency: 'auto',
    timeoutMs: 15_000,
    equityPoints: DEFAULT_EQUITY_POINTS,
    dbPath: null,
    noDb: false,
    fresh: false,
    cacheTtlMs: 60 * 60_000,
    profile: null,
    headless: false,
    json: false,
    fps: DEFAULT_FPS,
    cash: 100_000,
    risk: DEFAULT_RISK_LIMITS,
    sim: { latencyMs: null, failureRate: null, hangRate: null },
    broker: null,
    live: false,
    yesIMeanLive: false,
  };
}

const isStartFlag = (flag: string): flag is StartFlag => Object.hasOwn(OPTIONS, flag);
/** What a mistyped option is compared with. */
const KNOWN_FLAGS: readonly string[] = [...Object.keys(OPTIONS), '--help', '--version'];

/** Parses the arguments after the program name; throws `UsageError` with one line for the user. */
export function parseArgs(argv: readonly string[]): ParsedCommand {
  const options = defaultStartOptions();
  let sawCommand = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') return { command: 'help' };
    if (arg === '--version' || arg === '-v') {
      checkBesidesVersion(argv, i, (rest) => parseArgs(rest));
      return { command: 'version' };
    }
    if (!arg.startsWith('-')) {
      if (arg === 'start' && !sawCommand && i === 0) {
        sawCommand = true;
        continue;
      }
      // main.ts answers an unknown first word with the list of commands before this runs.
      const what = i === 0 ? 'unknown command' : 'unexpected argument';
      throw new UsageError(`${what} ${JSON.stringify(arg)}; see trading-tui --help`);
    }
    const equals = arg.indexOf('=');
    const flag = equals > 0 ? arg.slice(0, equals) : arg;
    const spec = isStartFlag(flag) ? OPTIONS[flag] : undefined;
    if (spec === undefined)
      throw new UsageError(
        `unknown option ${flag}${didYouMean(flag, KNOWN_FLAGS)}; see trading-tui --help for the options`,
      );
    if (!spec.takesValue) {
      if (equals > 0) throw new UsageError(`${flag} takes no value (got ${JSON.stringify(arg.slice(equals + 1))})`);
      spec.apply(options, '', flag);
      continue;
    }
    let value: string | undefined;
    if (equals > 0) value = arg.slice(equals + 1);
    else {
      value = argv[i + 1];
      i++;
    }
    if (value === undefined) throw new UsageError(`${flag} needs a value; see trading-tui --help`);
    spec.apply(options, value, flag);
  }
  checkHistorySize(options);
  if (options.broker === 'sim' && options.live)
    throw new UsageError('--live trades real money at Alpaca; it cannot go with --broker sim');
  checkOptionCombinations(options);
  return options;
}

/** Bars of history (all symbols) the backfill may hold: about 200 MB of bars at the peak. */
export const MAX_HISTORY_BARS = 2_000_000;

function checkHistorySize(options: StartOptions): void {
  const perSymbol = barsInPeriod(options.periodDays, options.timeframe);
  const total = perSymbol * options.symbols.length;
  if (total > MAX_HISTORY_BARS) {
    throw new UsageError(
      `--period ${options.periodText} of ${options.timeframe} bars for ${formatCount(options.symbols.length, 'symbol')} is ${total.toLocaleString('en-US')} bars; at most ${MAX_HISTORY_BARS.toLocaleString('en-US')} (shorten --period, use a larger --timeframe or fewer --symbols)`,
    );
  }
}
