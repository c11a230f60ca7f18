import { DEFAULT_EQUITY_POINTS, DEFAULT_FPS } from '../core/limits.js';

export const HELP_TEXT = `trading-tui — a terminal live trading monitor

Usage:
  trading-tui [start] [options]
  trading-tui watch [--db PATH] [--poll 1s]
  trading-tui maintenance stats|cleanup|check [options]
  trading-tui learn report|tune [options]

Runs the trading loop and shows it in a full-screen terminal UI. With APCA_API_KEY_ID and
APCA_API_SECRET_KEY set it trades that Alpaca paper account; without them, an embedded simulated
market (seeded, deterministic). Output is plain text instead of the UI
with --headless, or when stdout or stdin is not a terminal, TERM is dumb, or CI is set.

Broker:
  --broker sim|alpaca    where orders go (default: alpaca when APCA_API_KEY_ID and APCA_API_SECRET_KEY
                         are set, else sim); Alpaca trades the paper account
  --live                 Alpaca's live account (real money): type the account number to confirm
  --yes-i-mean-live      with --live, skip the typed confirmation (needed headless)

Market data and loop:
  --symbols A,B,C        symbols to trade (default: 60 liquid US stocks and ETFs)
  --period 60d           history to backfill: Nd, Nw, Nmo or Ny (default 60d)
  --timeframe 15Min      bar size: 1Min, 5Min, 15Min, 30Min, 1Hour, 1Day (default 15Min)
  --iterations N         stop after N iterations (default: run until stopped)
  --interval 1s          wait between iterations: 500ms, 1s, 2m, or 0 for as fast as possible (default 1s)
  --seed N               seed of the simulated market; same seed and options, same run (default 1)
  --concurrency auto|N   parallel downloads; auto adapts between 2 and 32 (default auto; 50 on Alpaca)
  --timeout 15s          timeout of each download request (default 15s)
  --equity-points ${DEFAULT_EQUITY_POINTS}   equity points held in memory for the chart (default ${DEFAULT_EQUITY_POINTS})

Database (everything the bot does is kept; a restart continues the saved portfolio):
  --db PATH              SQLite file (default: $TRADING_TUI_DB, else $XDG_DATA_HOME/trading-tui/trading.db,
                         else ~/.local/share/trading-tui/trading.db)
  --fresh                start a new portfolio (earlier runs stay in the database)
  --cache-ttl 60m        how long downloaded bars are reused from the database (default 60m; 0 = never)
  --profile NAME         regime detector settings saved by learn tune
  --no-db                keep nothing on disk

Money and risk:
  --cash 100000          starting cash in dollars (default 100000)
  --max-position 10%     largest position as a share of equity (default 10%)
  --max-exposure 100%    largest sum of positions as a share of equity (default 100%)
  --daily-loss-limit 3%  loss in a day at which everything is sold and trading stops until the next day (default 3%)

Simulated market faults (defaults: 20-40ms latency, 1% failures, 0.002% hangs; all 0 with --interval 0):
  --sim-latency 40ms     largest latency of a request (each takes between half of it and all of it)
  --sim-failure-rate 0.01  share of requests that fail with a transient error
  --sim-hang-rate 0.00002  share of requests that never answer (they time out)

Output:
  --headless             plain output instead of the terminal UI
  --json                 headless output as NDJSON, one object per line
  --fps ${DEFAULT_FPS}               terminal UI frames per second at most (default ${DEFAULT_FPS})
  --version              print the version
  --help                 print this help

Commands:
  watch                  the same screen, read-only, attached to a database a headless bot is writing
  maintenance stats      file size, rows per table, oldest and newest record, runs  [--json]
  maintenance cleanup    --older-than 30d [--dry-run] [--include-trades] [--vacuum]
  maintenance check      integrity, schema version, WAL size (exit 1 if unhealthy)
  learn report           performance by regime  [--run ID] [--json]
  learn tune             search the regime detector's settings on the stored bars  [--max-sets N] [--save NAME]

Examples:
  trading-tui                                   the monitor on the simulated market (or Alpaca paper with its keys set)
  trading-tui --broker alpaca --symbols AAPL,MSFT,SPY   an Alpaca paper account
  trading-tui --headless --iterations 100 --interval 0
  trading-tui --json --symbols AAPL,MSFT,SPY --timeframe 5Min --period 2w
  trading-tui --seed 7 --interval 250ms --concurrency 16 --timeout 5s
  trading-tui --headless --db /srv/bot/trading.db &   then, from any SSH session:   trading-tui watch --db /srv/bot/trading.db
  trading-tui maintenance cleanup --older-than 30d --dry-run
  trading-tui learn tune --save calm && trading-tui --profile calm

Exit codes: 0 done or stopped (Ctrl-C, SIGTERM), 2 bad usage, 1 unexpected error.
`;
