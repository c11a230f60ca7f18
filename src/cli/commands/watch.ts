/** `trading-tui watch`: the monitor, read-only, over a database a running bot writes. */
import { DatabaseSnapshotSource, DEFAULT_POLL_MS } from '../../store/database-snapshot-source.js';
import { openStore, resolveDatabasePath } from '../../store/open-store.js';
import { parseDurationMs, parseInteger, UsageError } from '../parse-values.js';
import { dbFlag, parseFlags } from './flags.js';
import { commandAt } from '../command-table.js';
import { DEFAULT_FPS, MAX_FPS, MIN_FPS } from '../../core/limits.js';
import { helpFor } from '../help.js';

export interface WatchOptions {
  readonly dbPath: string | null;
  readonly fps: number;
  readonly pollMs: number;
  readonly help: boolean;
}

const MIN_POLL_MS = 100;
const MAX_POLL_MS = 60_000;

export function parseWatchArgs(args: readonly string[]): WatchOptions {
  if (args.includes('--help') || args.includes('-h'))
    return { dbPath: null, fps: DEFAULT_FPS, pollMs: DEFAULT_POLL_MS, help: true };
  const flags = parseFlags(commandAt('watch'), args);
  const fpsText = flags.values.get('--fps');
  const pollText = flags.values.get('--poll');
  const pollMs = pollText === undefined ? DEFAULT_POLL_MS : parseDurationMs('--poll', pollText, { allowZero: false });
  if (pollMs < MIN_POLL_MS || pollMs > MAX_POLL_MS)
    throw new UsageError(`--poll expects a duration from 100ms to 1m (got ${JSON.stringify(pollText)})`);
  return {
    dbPath: dbFlag(flags),
    fps: fpsText === undefined ? DEFAULT_FPS : parseInteger('--fps', fpsText, MIN_FPS, MAX_FPS, 'frames per second'),
    pollMs,
    help: false,
  };
}

export interface WatchTerminal {
  readonly stdout: NodeJS.WriteStream;
  readonly stdin: NodeJS.ReadStream;
}

/** Runs the read-only monitor until the user quits; resolves with the exit code. */
export async function runWatch(
  options: WatchOptions,
  terminal: WatchTerminal = { stdout: process.stdout, stdin: process.stdin },
): Promise<number> {
  const path = resolveDatabasePath(options.dbPath);
  const connection = await openStore(path, { readonly: true });
  if (!terminal.stdout.isTTY || !terminal.stdin.isTTY) {
    await connection.close();
    throw new UsageError('watch needs a terminal; use trading-tui maintenance stats for a one-shot view');
  }
  const source = new DatabaseSnapshotSource(connection, path, { pollMs: options.pollMs });
  try {
    // Ink's colours come from chalk, which reads FORCE_COLOR (not NO_COLOR) when it loads.
    if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') process.env.FORCE_COLOR = '0';
    process.env.NODE_ENV ??= 'production';
    const { runTui, HANG_UP_EXIT_CODE } = await import('../run-tui.js');
    source.start();
    const end = await runTui(source, {
      fps: options.fps,
      stdout: terminal.stdout,
      stdin: terminal.stdin,
      watch: () => source.getWatchStatus(),
    });
    return end === 'hang-up' ? HANG_UP_EXIT_CODE : 0;
  } finally {
    await source.close();
  }
}

export async function runCommand(args: readonly string[]): Promise<number> {
  const options = parseWatchArgs(args);
  if (options.help) {
    process.stdout.write(helpFor(['watch']));
    return 0;
  }
  return runWatch(options);
}
