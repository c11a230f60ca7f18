import { render, type Instance } from 'ink';
import { App } from '../../components/app.js';
import type { EngineControls } from '../engine/controls.js';
import type { WatchStatus } from '../engine/watch-status.js';

// Terminal control sequences (not colours): alternate screen and cursor visibility.
const ENTER_ALTERNATE_SCREEN = '\x1b[?1049h';
const LEAVE_ALTERNATE_SCREEN = '\x1b[?1049l';
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';

/** Longest wait for the engine to reach 'stopped' after a quit before the UI goes anyway. */
const STOP_WAIT_MS = 5000;
const QUIT_SIGNALS = ['SIGTERM', 'SIGHUP', 'SIGINT'] as const;

/** Resolves when the engine's phase is 'stopped', or after `timeoutMs`. */
function waitForStopped(controls: EngineControls, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    let unsubscribe: () => void = () => {};
    const done = (): void => {
      clearTimeout(timer);
      unsubscribe();
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    const check = (): void => {
      if (controls.getSnapshot().phase === 'stopped') done();
    };
    unsubscribe = controls.subscribe(check);
    check();
  });
}

export interface RunTuiOptions {
  /** Most renders per second from engine changes. */
  readonly fps: number;
  /** The terminal; process.stdout and process.stdin unless a test passes its own. */
  readonly stdout?: NodeJS.WriteStream;
  readonly stdin?: NodeJS.ReadStream;
  /** Watching a database (`trading-tui watch`): how fresh its data is; the UI is then read-only. */
  readonly watch?: () => WatchStatus;
}

/**
 * Runs the full-screen monitor until the user quits (q, Ctrl-C) or the process is told to stop
 * (SIGTERM, SIGHUP). Stops the engine, waits for it to stop (at most 5 s), unmounts, and restores
 * the terminal on every way out; rejects with the error if an uncaught exception ends it.
 */
export async function runTui(controls: EngineControls, options: RunTuiOptions): Promise<void> {
  const stdout = options.stdout ?? process.stdout;
  const stdin = options.stdin ?? process.stdin;
  let terminalRestored = false;
  const restoreTerminal = (): void => {
    if (terminalRestored) return;
    terminalRestored = true;
    if (stdin.isTTY) {
      try {
        stdin.setRawMode(false);
      } catch {
        // stdin may already be closed; nothing left to restore on it.
      }
    }
    stdout.write(SHOW_CURSOR + LEAVE_ALTERNATE_SCREEN);
  };

  stdout.write(ENTER_ALTERNATE_SCREEN + HIDE_CURSOR);

  return new Promise<void>((resolve, reject) => {
    let finished = false;
    let quitting: Promise<void> | undefined;
    let instance: Instance | undefined;

    const finish = (error?: unknown): void => {
      if (finished) return;
      finished = true;
      removeHandlers();
      const exited = instance?.waitUntilExit().catch(() => undefined);
      try {
        instance?.unmount();
      } finally {
        restoreTerminal();
      }
      void Promise.resolve(exited).then(() => (error === undefined ? resolve() : reject(error)));
    };

    const quit = (): Promise<void> => {
      quitting ??= (async () => {
        controls.stop();
        await waitForStopped(controls, STOP_WAIT_MS);
        finish();
      })();
      return quitting;
    };

    const onSignal = (): void => {
      // A second signal while waiting for the engine means "now".
      if (quitting) finish();
      else void quit();
    };
    const onUncaughtException = (error: Error): void => {
      try {
        controls.stop();
      } finally {
        finish(error);
      }
    };
    const removeHandlers = (): void => {
      for (const signal of QUIT_SIGNALS) process.off(signal, onSignal);
      process.off('uncaughtException', onUncaughtException);
      process.off('exit', restoreTerminal);
    };

    for (const signal of QUIT_SIGNALS) process.on(signal, onSignal);
    process.on('uncaughtException', onUncaughtException);
    // Last resort if something calls process.exit() while the UI is up.
    process.on('exit', restoreTerminal);

    try {
      instance = render(
        <App controls={controls} fps={options.fps} onQuit={() => void quit()} watch={options.watch} />,
        {
          stdout,
          stdin,
          patchConsole: false,
          exitOnCtrlC: false,
          // Ink 6.8's incremental renderer moves the cursor up one row too few when the frame ends in a
          // newline (as ours does, being shorter than the terminal): the screen scrolls a row per frame.
          incrementalRendering: false,
          maxFps: Math.max(30, options.fps),
        },
      );
    } catch (error) {
      finish(error);
      return;
    }
    // Ink can also end by itself (an error thrown while rendering).
    instance.waitUntilExit().then(
      () => finish(),
      (error: unknown) => finish(error),
    );
  });
}
