/**
 * Every command and its flags, described once: the parsers take the flags they accept from here and the
 * help is written from here (src/cli/help.ts), so the two cannot drift. Defaults are read where they live
 * (`HelpDefaults`, gathered in help.ts), never copied into the text. Kept free of heavy imports:
 * `--help` must not load SQLite or the UI.
 */
import { MAX_FPS, MIN_FPS } from '../core/limits.js';
import type { SimFaultDefaults, StartOptions } from './start-options.js';

/** The defaults the help shows, gathered from their homes by help.ts. */
export interface HelpDefaults {
  readonly start: StartOptions;
  readonly simFaults: SimFaultDefaults;
  readonly watchPollMs: number;
  readonly tuneMaxSets: number;
  readonly tuneProfile: string;
}

export interface FlagHelp {
  readonly flag: `--${string}`;
  /** What the value looks like (`PATH`, `N`); absent for a switch, which takes no value. */
  readonly value?: string;
  readonly about: string;
  readonly default?: string | ((defaults: HelpDefaults) => string);
  /** The command cannot run without it. */
  readonly required?: boolean;
  /** Heading the flag is listed under (start's many flags). */
  readonly group?: string;
}

export interface CommandHelp {
  /** `['maintenance', 'stats']`. */
  readonly path: readonly string[];
  /** One line, for lists of commands. */
  readonly summary: string;
  /** More, for the command's own help. */
  readonly about?: string;
  readonly flags: readonly FlagHelp[];
  /** Words after the command that are not flags (`help`'s COMMAND). */
  readonly operands?: string;
  readonly subcommands?: readonly CommandHelp[];
  readonly examples?: readonly string[];
}

/** `1000` → `1s`, `3600000` → `1h`, `250` → `250ms`. */
export function durationText(ms: number): string {
  if (ms === 0) return '0';
  const units: [number, string][] = [
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
  ];
  for (const [size, unit] of units) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

const percentText = (fraction: number): string => `${Number((fraction * 100).toFixed(4))}%`;

const DB_DEFAULT =
  '$TRADING_TUI_DB, else $XDG_DATA_HOME/trading-tui/trading.db, else ~/.local/share/trading-tui/trading.db';
const DB_FLAG = {
  flag: '--db',
  value: 'PATH',
  about: 'the SQLite database',
  default: DB_DEFAULT,
} as const satisfies FlagHelp;

/** The flags of `start`, the default command. Typed by name so args.ts must parse each one (and only these). */
export const START_FLAGS = [
  {
    flag: '--broker',
    value: 'sim|alpaca',
    about: 'where orders go; Alpaca trades the paper account',
    default: 'alpaca when APCA_API_KEY_ID and APCA_API_SECRET_KEY are set, else sim',
    group: 'Broker',
  },
  {
    flag: '--live',
    about: "Alpaca's live account (real money): type the account number to confirm",
    group: 'Broker',
  },
  { flag: '--yes-i-mean-live', about: 'with --live, skip the typed confirmation (needed headless)', group: 'Broker' },
  {
    flag: '--symbols',
    value: 'A,B,C',
    about: 'symbols to trade',
    default: (d) => `${d.start.symbols.length} liquid US stocks and ETFs`,
    group: 'Market data and loop',
  },
  {
    flag: '--period',
    value: 'SPAN',
    about: 'history to backfill: Nd, Nw, Nmo (30 days) or Ny (365 days), at most 10 years',
    default: (d) => d.start.periodText,
    group: 'Market data and loop',
  },
  {
    flag: '--timeframe',
    value: 'BAR',
    about: 'bar size: 1Min, 5Min, 15Min, 30Min, 1Hour or 1Day',
    default: (d) => d.start.timeframe,
    group: 'Market data and loop',
  },
  {
    flag: '--iterations',
    value: 'N',
    about: 'stop after N iterations',
    default: 'run until stopped',
    group: 'Market data and loop',
  },
  {
    flag: '--interval',
    value: 'TIME',
    about: 'wait between iterations: 500ms, 1s, 2m, or 0 for as fast as possible',
    default: (d) => durationText(d.start.intervalMs),
    group: 'Market data and loop',
  },
  {
    flag: '--seed',
    value: 'N',
    about: 'seed of the simulated market; same seed and options, same run',
    default: (d) => String(d.start.seed),
    group: 'Market data and loop',
  },
  {
    flag: '--concurrency',
    value: 'auto|N',
    about: 'parallel downloads; auto adapts between 2 and 32',
    default: (d) => `${d.start.concurrency}; 50 on Alpaca`,
    group: 'Market data and loop',
  },
  {
    flag: '--timeout',
    value: 'TIME',
    about: 'timeout of each download request',
    default: (d) => durationText(d.start.timeoutMs),
    group: 'Market data and loop',
  },
  {
    flag: '--equity-points',
    value: 'N',
    about: 'equity points held in memory for the chart',
    default: (d) => String(d.start.equityPoints),
    group: 'Market data and loop',
  },
  { ...DB_FLAG, group: 'Database (everything the bot does is kept; a restart continues the saved portfolio)' },
  {
    flag: '--fresh',
    about: 'start a new portfolio (earlier runs stay in the database)',
    group: 'Database (everything the bot does is kept; a restart continues the saved portfolio)',
  },
  {
    flag: '--cache-ttl',
    value: 'TIME',
    about: 'how long downloaded bars are reused from the database; 0 = never',
    default: (d) => durationText(d.start.cacheTtlMs),
    group: 'Database (everything the bot does is kept; a restart continues the saved portfolio)',
  },
  {
    flag: '--profile',
    value: 'NAME',
    about: 'regime detector settings saved by learn tune',
    group: 'Database (everything the bot does is kept; a restart continues the saved portfolio)',
  },
  {
    flag: '--no-db',
    about: 'keep nothing on disk',
    group: 'Database (everything the bot does is kept; a restart continues the saved portfolio)',
  },
  {
    flag: '--cash',
    value: 'DOLLARS',
    about: 'starting cash, whole dollars',
    default: (d) => String(d.start.cash),
    group: 'Money and risk',
  },
  {
    flag: '--max-position',
    value: 'PCT',
    about: 'largest position as a share of equity: 10% or 0.1',
    default: (d) => percentText(d.start.risk.maxPositionFraction),
    group: 'Money and risk',
  },
  {
    flag: '--max-exposure',
    value: 'PCT',
    about: 'largest sum of positions as a share of equity',
    default: (d) => percentText(d.start.risk.maxGrossExposure),
    group: 'Money and risk',
  },
  {
    flag: '--daily-loss-limit',
    value: 'PCT',
    about: "loss from the previous session's close at which everything is sold until the next session",
    default: (d) => percentText(d.start.risk.dailyLossLimit),
    group: 'Money and risk',
  },
  {
    flag: '--sim-latency',
    value: 'TIME',
    about: 'largest latency of a simulated request (each takes between half of it and all of it)',
    default: (d) => `${d.simFaults.latencyMs}ms; 0 with --interval 0`,
    group: 'Simulated market faults',
  },
  {
    flag: '--sim-failure-rate',
    value: 'RATE',
    about: 'share of simulated requests that fail with a transient error, 0 to 1',
    default: (d) => `${d.simFaults.failureRate}; 0 with --interval 0`,
    group: 'Simulated market faults',
  },
  {
    flag: '--sim-hang-rate',
    value: 'RATE',
    about: 'share of simulated requests that never answer (they time out), 0 to 1',
    default: (d) => `${d.simFaults.hangRate}; 0 with --interval 0`,
    group: 'Simulated market faults',
  },
  { flag: '--headless', about: 'plain output instead of the terminal UI', group: 'Output' },
  { flag: '--json', about: 'headless output as NDJSON, one object per line', group: 'Output' },
  {
    flag: '--fps',
    value: 'N',
    about: `terminal UI frames per second at most, ${MIN_FPS} to ${MAX_FPS}`,
    default: (d) => String(d.start.fps),
    group: 'Output',
  },
] as const satisfies readonly FlagHelp[];

export type StartFlag = (typeof START_FLAGS)[number]['flag'];
/** True for the flags described with a value, false for switches: args.ts's `takesValue` must say the same. */
export type StartFlagTakesValue<F extends StartFlag> =
  Extract<(typeof START_FLAGS)[number], { flag: F }> extends { value: string } ? true : false;

const START: CommandHelp = {
  path: ['start'],
  summary: 'the trading loop and its terminal UI (the default command)',
  about:
    'Runs the trading loop and shows it in a full-screen terminal UI. With APCA_API_KEY_ID and APCA_API_SECRET_KEY set it trades that Alpaca paper account; without them, an embedded simulated market (seeded, deterministic). Output is plain text instead of the UI with --headless, or when stdout or stdin is not a terminal, TERM is dumb, or CI is set.',
  flags: START_FLAGS,
  examples: [
    'trading-tui                                   the monitor on the simulated market (or Alpaca paper with its keys set)',
    'trading-tui --broker alpaca --symbols AAPL,MSFT,SPY   an Alpaca paper account',
    'trading-tui --headless --iterations 100 --interval 0',
    'trading-tui --json --symbols AAPL,MSFT,SPY --timeframe 5Min --period 2w',
    'trading-tui --seed 7 --interval 250ms --concurrency 16 --timeout 5s',
    'trading-tui --headless --db /srv/bot/trading.db &   then, from any SSH session:   trading-tui watch --db /srv/bot/trading.db',
  ],
};

const WATCH: CommandHelp = {
  path: ['watch'],
  summary: 'the same screen, read-only, attached to a database a headless bot is writing',
  about:
    'Shows the monitor over the database a bot is writing (trading-tui start --headless --db PATH), read-only: it never writes and never blocks the bot. Keys that would change the bot are off.',
  flags: [
    DB_FLAG,
    {
      flag: '--fps',
      value: 'N',
      about: `most redraws per second, ${MIN_FPS} to ${MAX_FPS}`,
      default: (d) => String(d.start.fps),
    },
    {
      flag: '--poll',
      value: 'TIME',
      about: 'how often to look for new data, 100ms to 1m',
      default: (d) => durationText(d.watchPollMs),
    },
  ],
};

const MAINTENANCE: CommandHelp = {
  path: ['maintenance'],
  summary: 'look after the database file',
  about: 'Looks after the database file. stats and check only read: they never hold up a running bot.',
  flags: [],
  subcommands: [
    {
      path: ['maintenance', 'stats'],
      summary: 'file size, rows per table, oldest and newest record, runs',
      about: 'File size (with the WAL), rows per table, oldest and newest record, runs. Read-only.',
      flags: [DB_FLAG, { flag: '--json', about: 'one JSON object instead of tables' }],
    },
    {
      path: ['maintenance', 'cleanup'],
      summary: 'delete old events, equity points and cached bars',
      about:
        'Deletes events, equity points and cached bars older than --older-than, in batches so a running bot is not held up, and reclaims the space. Orders and fills are kept unless --include-trades; the checkpoints, runs, working orders and the newest equity points of the newest run always stay.',
      flags: [
        {
          flag: '--older-than',
          value: 'SPAN',
          about: 'age of the rows to delete: Nd, Nw, Nmo or Ny',
          required: true,
        },
        { flag: '--dry-run', about: 'count what would be deleted, change nothing' },
        { flag: '--include-trades', about: 'delete old fills and orders too' },
        { flag: '--vacuum', about: 'rewrite the whole file (a full VACUUM) instead of an incremental vacuum' },
        DB_FLAG,
      ],
      examples: ['trading-tui maintenance cleanup --older-than 30d --dry-run'],
    },
    {
      path: ['maintenance', 'check'],
      summary: 'integrity, schema version, WAL size, foreign keys (exit 1 if unhealthy)',
      about: 'Integrity check, schema version, WAL size and foreign keys; exit code 1 if unhealthy.',
      flags: [DB_FLAG],
    },
  ],
};

const LEARN: CommandHelp = {
  path: ['learn'],
  summary: 'what the record says about each regime; tune the regime detector',
  about: 'Reads what the bot recorded: performance by regime, and tuning the regime detector on the stored bars.',
  flags: [],
  subcommands: [
    {
      path: ['learn', 'report'],
      summary: 'performance by regime',
      about:
        'Performance by regime: time in the regime, bars, trades, round trips and hit rate, return and max drawdown while it was in force.',
      flags: [
        { flag: '--run', value: 'ID', about: 'one run only', default: 'all runs' },
        { flag: '--json', about: 'one JSON object instead of a table' },
        DB_FLAG,
      ],
    },
    {
      path: ['learn', 'tune'],
      summary: "search the regime detector's settings on the stored bars",
      about:
        "Searches the regime detector's settings on the stored bars, running the real engine over a replay of them, and saves the best as a profile for start --profile NAME. The score is in-sample: a hint, not a forecast.",
      flags: [
        { flag: '--symbols', value: 'A,B,C', about: 'tune on these symbols only', default: 'all stored' },
        {
          flag: '--max-sets',
          value: 'N',
          about: 'settings to try',
          default: (d) => String(d.tuneMaxSets),
        },
        { flag: '--save', value: 'NAME', about: 'profile name to save as', default: (d) => d.tuneProfile },
        DB_FLAG,
      ],
      examples: ['trading-tui learn tune --save calm && trading-tui --profile calm'],
    },
  ],
};

const HELP: CommandHelp = {
  path: ['help'],
  summary: "this help, or a command's: trading-tui help maintenance stats",
  about: 'Prints the help of trading-tui, or of the command named: trading-tui help maintenance stats.',
  flags: [],
  operands: '[COMMAND]',
};

/** Every command, in the order the help lists them. */
export const COMMAND_TABLE: readonly CommandHelp[] = [START, WATCH, MAINTENANCE, LEARN, HELP];

/** The command at `path` (`['learn', 'tune']`), or undefined. */
export function findCommand(path: readonly string[]): CommandHelp | undefined {
  let level: readonly CommandHelp[] = COMMAND_TABLE;
  let found: CommandHelp | undefined;
  for (const word of path) {
    found = level.find((c) => c.path.at(-1) === word);
    if (found === undefined) return undefined;
    level = found.subcommands ?? [];
  }
  return found;
}

/** `findCommand` for a path known to be in the table (the commands' own modules). */
export function commandAt(...path: string[]): CommandHelp {
  const found = findCommand(path);
  if (found === undefined) throw new Error(`no command ${path.join(' ')} in the command table`);
  return found;
}

/** Commands that run (leaves of the tree), in help order. */
export function runnableCommands(): CommandHelp[] {
  const out: CommandHelp[] = [];
  const visit = (command: CommandHelp): void => {
    if (command.subcommands === undefined) out.push(command);
    else command.subcommands.forEach(visit);
  };
  COMMAND_TABLE.forEach(visit);
  return out;
}
