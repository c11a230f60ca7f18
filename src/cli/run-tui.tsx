import { render, type Instance, type RenderOptions } from 'ink';
import { App } from '../../components/app.js';
import type { EngineControls } from '../engine/controls.js';
import type { WatchStatus } from '../engine/watch-status.js';
import { FrameSink } from '../terminal/frame-sink.js';

// Terminal control sequences (not colours): alternate screen and cursor visibility.
const ENTER_ALTERNATE_SCREEN = '\x1b[?1049h';
const LEAVE_ALTERNATE_SCREEN = '\x1b[?1049l';
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';

/** Longest wait for the engine to reach 'stopped' after a quit before the UI goes anyway. */
const STOP_WAIT_MS = 5000;
const QUIT_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

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
  /** Sees each whole frame Ink draws, before only its changed cells go to the terminal (tests). */
  readonly onFrame?: (frame: string) => void;
}

/**
 * How the monitor ended: the user quit (q, Ctrl-C, SIGTERM, SIGINT), or the terminal hung up (SIGHUP, or
 * the terminal failed under a write or a read: EIO, EPIPE, end of input). A hang-up exits with 129.
 */
export type TuiEnd = 'quit' | 'hang-up';

/** The exit code of a process ended by a hang-up (128 + SIGHUP), as a shell reports it. */
export const HANG_UP_EXIT_CODE = 129;

const ignoreError = (): void => {};

/**
 * How the monitor has Ink draw (tests and benchmarks draw the same way): Ink renders each whole frame
 * in one write (its debug mode) to a FrameSink, which writes to the terminal only the cells that
 * changed. Ink's debug mode does not throttle: the UI's own frame rate (`fps`, see useEngineSnapshot)
 * does.
 */
export function terminalRenderOptions() {
  return {
    patchConsole: false,
    exitOnCtrlC: false,
    debug: true,
    // The sink is a terminal (its size, resizes, keys): Ink is interactive even where CI is set.
    interactive: true,
  } as const satisfies RenderOptions;
}

/**
 * Runs the full-screen monitor until the user quits (q, Ctrl-C) or the process is told to stop
 * (SIGTERM, SIGHUP). Stops the engine, waits for it to stop (at most 5 s), unmounts, and restores
 * the terminal on every way out; rejects with the error if an uncaught exception ends it.
 *
 * A hang-up (SIGHUP, or the terminal failing under a write or read) stops the engine and unmounts at
 * once, without waiting to show "stopping" on a screen that may be gone: the caller waits for the
 * engine. From then on terminal errors are swallowed, since nothing written can reach anyone.
 */
export async function runTui(controls: EngineControls, options: RunTuiOptions): Promise<TuiEnd> {
  const stdout = options.stdout ?? process.stdout;
  const stdin = options.stdin ?? process.stdin;
  let terminalRestored = false;
  /** The terminal failed (EIO, EPIPE, end of input): write nothing more to it. */
  let terminalGone = false;
  const restoreTerminal = (): void => {
    if (terminalRestored) return;
    terminalRestored = true;
    if (terminalGone) return;
    if (stdin.isTTY) {
      try {
        stdin.setRawMode(false);
      } catch {
        // stdin may already be closed; nothing left to restore on it.
      }
    }
    stdout.write(SHOW_CURSOR + LEAVE_ALTERNATE_SCREEN);
  };
  // What Ink draws goes through the sink, which writes only the changed cells to the terminal.
  const sink = new FrameSink(stdout, options.onFrame);
  const repaintSoon = (): void => {
    setImmediate(() => sink.repaint());
  };

  // Until a hang-up these only notice it; after one they stay for the life of the process, so a write
  // or setRawMode that fails on the dead terminal (Ink's teardown, ours) is never an unhandled 'error'.
  let onTerminalFailed: () => void = () => {};
  const onTerminalError = (): void => onTerminalFailed();
  const onInputEnd = (): void => onTerminalFailed();
  stdout.on('error', onTerminalError);
  stdin.on('error', onTerminalError);
  stdin.on('end', onInputEnd);
  const keepSwallowingTerminalErrors = (): void => {
    stdout.on('error', ignoreError);
    stdin.on('error', ignoreError);
  };
  const removeTerminalListeners = (): void => {
    sink.detach();
    stdout.off('error', onTerminalError);
    stdin.off('error', onTerminalError);
    stdin.off('end', onInputEnd);
  };

  stdout.write(ENTER_ALTERNATE_SCREEN + HIDE_CURSOR);

  return new Promise<TuiEnd>((resolve, reject) => {
    let finished = false;
    let hungUp = false;
    let quitting: Promise<void> | undefined;
    let instance: Instance | undefined;

    const finish = (error?: unknown): void => {
      if (finished) return;
      finished = true;
      removeHandlers();
      if (hungUp) keepSwallowingTerminalErrors();
      const exited = instance?.waitUntilExit().catch(() => undefined);
      try {
        instance?.unmount();
      } finally {
        restoreTerminal();
      }
      void Promise.resolve(exited).then(() => {
        removeTerminalListeners();
        if (error === undefined) resolve(hungUp ? 'hang-up' : 'quit');
        else reject(error);
      });
    };

    const quit = (): Promise<void> => {
      quitting ??= (async () => {
        controls.stop();
        await waitForStopped(controls, STOP_WAIT_MS);
        finish();
      })();
      return quitting;
    };

    const hangUp = (): void => {
      if (hungUp || finished) return;
      hungUp = true;
      controls.stop();
      finish();
    };
    onTerminalFailed = (): void => {
      terminalGone = true;
      sink.detach();
      hangUp();
    };

    const onQuitSignal = (): void => {
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
      for (const signal of QUIT_SIGNALS) process.off(signal, onQuitSignal);
      process.off('SIGHUP', hangUp);
      process.off('uncaughtException', onUncaughtException);
      process.off('exit', restoreTerminal);
      process.off('warning', repaintSoon);
      process.off('SIGCONT', repaintSoon);
    };

    for (const signal of QUIT_SIGNALS) process.on(signal, onQuitSignal);
    process.on('SIGHUP', hangUp);
    process.on('uncaughtException', onUncaughtException);
    // Last resort if something calls process.exit() while the UI is up.
    process.on('exit', restoreTerminal);
    // Node prints a warning on the terminal (stderr) and a shell may have drawn over a stopped process:
    // the screen no longer shows the last frame, so it is drawn again, whole.
    process.on('warning', repaintSoon);
    process.on('SIGCONT', repaintSoon);

    try {
      instance = render(
        <App
          controls={controls}
          fps={options.fps}
          onQuit={() => void quit()}
          onRedraw={repaintSoon}
          watch={options.watch}
        />,
        { stdout: sink, stdin, ...terminalRenderOptions() },
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
