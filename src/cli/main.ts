#!/usr/bin/env -S node --max-semi-space-size=8 --single-threaded
/**
 * The `trading-tui` command.
 *
 * Node's flags (taken only when it starts, hence here), for a process that wakes once a second for
 * weeks: `--max-semi-space-size=8` (MB): under the UI's allocation rate V8 grows its young generation
 * to 16 MB a half and keeps it (RSS 202 MB at 200x60 with a full chart, against 166 MB with 4 MB);
 * 8 MB collects half as often as 4 for a few MB. `--single-threaded`: V8's collector and compiler
 * work on the main thread instead of waking four helper threads for a few milliseconds a second; at
 * 120x40 side by side, the two flags together use 8% less CPU than 4 MB alone, at the same RSS, and the
 * first frame comes 20 ms later (README Figures).
 */
import { parseArgs, type StartOptions } from './args.js';
import { findCommand } from './command-table.js';
import { UsageError } from './parse-values.js';
import { StoreError, describeSqliteError } from '../store/store-error.js';
import { readVersion } from './version.js';
import { loadUi } from './load-ui.js';
import { enableCompileCache } from 'node:module';

function shouldRunHeadless(options: StartOptions): boolean {
  const env = process.env;
  return (
    options.headless ||
    options.json ||
    !process.stdout.isTTY ||
    !process.stdin.isTTY ||
    (env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0') ||
    env.TERM === 'dumb'
  );
}

/** Commands besides `start`, each in its own module: `runCommand(args)` resolves with the exit code. */
const COMMANDS = ['maintenance', 'learn', 'watch'] as const;
type CommandName = (typeof COMMANDS)[number];
const isCommand = (name: string | undefined): name is CommandName => COMMANDS.some((c) => c === name);

/** Set before any command loads the UI (start and watch both do). */
function prepareUiEnvironment(): void {
  // Ink's colours come from chalk, which reads FORCE_COLOR (not NO_COLOR) when it loads.
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') process.env.FORCE_COLOR = '0';
  // Always React's production build: the development build keeps data per render and, at --interval 0,
  // grows the heap by ~100 KB an iteration (measured); a NODE_ENV=development left in a shell must not do that.
  process.env.NODE_ENV = 'production';
}

/** Loaded only for help and unknown commands: it reads defaults from modules a run may not need. */
const loadHelp = () => import('./help.js');

async function main(argv: readonly string[]): Promise<void> {
  prepareUiEnvironment();
  // Node keeps the compiled modules (Ink, React, SQLite's bindings, the engine) in its compile cache,
  // in the system's temporary folder: later starts skip compiling them. Off with NODE_DISABLE_COMPILE_CACHE=1.
  enableCompileCache();
  try {
    const [first, ...rest] = argv;
    if (first === 'help') {
      const aboutHelp = rest[0] === '--help' || rest[0] === '-h';
      process.stdout.write((await loadHelp()).helpFor(aboutHelp ? ['help'] : rest));
      return;
    }
    if (first !== undefined && first !== 'start' && !first.startsWith('-')) {
      if (!isCommand(first)) throw (await loadHelp()).unknownCommandError(first);
      if (rest.includes('--help') || rest.includes('-h')) {
        process.stdout.write((await loadHelp()).helpFor(argv));
        return;
      }
      // A missing or mistyped subcommand is answered before the command's module (and SQLite) loads.
      const [sub] = rest;
      if (findCommand([first])?.subcommands !== undefined && findCommand([first, sub ?? '']) === undefined)
        throw (await loadHelp()).unknownCommandError(sub === undefined || sub.startsWith('-') ? '' : sub, [first]);
      const module = (await import(`./commands/${first}.js`)) as {
        runCommand(args: readonly string[]): Promise<number>;
      };
      process.exitCode = await module.runCommand(rest);
      return;
    }
    await start(argv);
  } catch (error) {
    // Errors a user can cause and fix: one line (a usage error may add what there is to choose from), exit code 2.
    // AlpacaAuthError is told by name: importing it here would load the SDK for every command.
    if (
      error instanceof UsageError ||
      error instanceof StoreError ||
      (error instanceof Error && (error.name === 'AlpacaAuthError' || error.name === 'AlpacaStartError'))
    ) {
      const details = error instanceof UsageError && error.details !== undefined ? `\n${error.details}` : '';
      process.stderr.write(`trading-tui: ${error.message}\n${details}`);
      process.exitCode = 2;
      return;
    }
    // A database that fails under a command (corrupt pages, a full disk): the same one line, exit 2.
    if (error instanceof Error && /^SQLITE_[A-Z]+/.test(error.message)) {
      process.stderr.write(`trading-tui: the database failed: ${describeSqliteError(error)}\n`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
}

async function start(argv: readonly string[]): Promise<void> {
  const parsed = parseArgs(argv);
  if (parsed.command === 'help') {
    process.stdout.write((await loadHelp()).helpFor(argv[0] === 'start' ? ['start'] : []));
    return;
  }
  if (parsed.command === 'version') {
    process.stdout.write(`${readVersion()}\n`);
    return;
  }
  // Loaded only to start: --help, --version and usage errors never load the native SQLite module.
  const { createSession, resolveBroker, runHeadless } = await import('./start.js');
  const headless = shouldRunHeadless(parsed);
  if (parsed.live && headless && !parsed.yesIMeanLive) {
    throw new UsageError('--live trades real money: without a terminal to confirm on, add --yes-i-mean-live');
  }
  // On the simulated market the UI loads while SQLite opens the database on its threads: the first
  // frame comes sooner. With Alpaca it loads after the session: loaded while the --live confirmation
  // was reading the terminal, Ink then saw no key.
  const uiLoading = !headless && resolveBroker(parsed, process.env) === 'sim' ? loadUi() : undefined;
  uiLoading?.catch(() => undefined); // a start refused meanwhile reports its own error
  const session = await createSession(parsed, {}, { env: process.env, confirmLive: confirmLiveOnTerminal });
  if (headless) {
    await runHeadless(parsed, session);
    return;
  }
  const [{ runTui, HANG_UP_EXIT_CODE }, { showSavedStateWhileCatchingUp }] = await (uiLoading ?? loadUi());
  // Ink draws the first frame as it mounts, inside runTui's first step: before the engine's backfill
  // starts (on the simulated market that makes the market's history first).
  const ending = runTui(showSavedStateWhileCatchingUp(session.engine, session.resume), { fps: parsed.fps });
  const finished = session.run();
  const end = await ending;
  session.engine.stop();
  // After a hang-up the engine still ends its iteration, settles orders and closes the run in the database.
  await finished;
  if (end === 'hang-up') process.exitCode = HANG_UP_EXIT_CODE;
}

/** Live trading is confirmed by typing the account number. */
async function confirmLiveOnTerminal(accountNumber: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const reader = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await reader.question(
      `LIVE trading with real money on Alpaca account ${accountNumber}.\nType the account number to confirm: `,
    );
    return answer.trim() === accountNumber;
  } finally {
    reader.close();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`trading-tui: unexpected error: ${message}\n`);
  if (process.env.TRADING_TUI_DEBUG && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`);
  process.exitCode = 1;
});
