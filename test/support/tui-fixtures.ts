import { EventEmitter } from 'node:events';
import type { ReactElement } from 'react';
import { render } from 'ink';
import type { EngineControls } from '../../src/engine/controls.js';
import type { SymbolHistoryView } from '../../src/engine/symbol-history.js';
import type { EngineEvent, EngineSnapshot, PositionView } from '../../src/engine/snapshot.js';
import { emptyCounts } from '../../src/engine/download-status.js';
import { TerminalScreen } from './terminal-screen.js';

const MINUTE = 60_000;
export const FIXTURE_TIME = Date.UTC(2025, 2, 4, 15, 45);

/** A gentle wave with one spike up and one down, so charts have something to keep. */
export function equitySeries(points: number): { times: Float64Array; values: Float64Array } {
  const times = new Float64Array(points);
  const values = new Float64Array(points);
  for (let i = 0; i < points; i++) {
    times[i] = FIXTURE_TIME - (points - 1 - i) * MINUTE;
    values[i] = 100_000 + 500 * Math.sin(i / 40) + i * 2;
  }
  if (points > 100) {
    values[Math.floor(points / 3)] = 104_000;
    values[Math.floor((2 * points) / 3)] = 96_000;
  }
  return { times, values };
}

function position(symbol: string, qty: number, avgPrice: number, lastPrice: number): PositionView {
  const marketValue = qty * lastPrice;
  return {
    symbol,
    qty,
    avgPrice,
    lastPrice,
    marketValue,
    unrealizedPnl: qty * (lastPrice - avgPrice),
    weight: marketValue / 101_000,
  };
}

function events(count: number): EngineEvent[] {
  const kinds = ['fill', 'regime', 'risk', 'download', 'error', 'info'] as const;
  return Array.from({ length: count }, (_, i) => ({
    seq: i + 1,
    time: FIXTURE_TIME - (count - i) * MINUTE,
    kind: kinds[i % kinds.length] ?? 'info',
    message: `event number ${i + 1} with a message long enough to need truncating on a narrow terminal`,
  }));
}

export function makeSnapshot(overrides: Partial<EngineSnapshot> = {}): EngineSnapshot {
  const { times, values } = equitySeries(1440);
  const counts = { ...emptyCounts(), queued: 12, running: 4, retrying: 1, done: 80, failed: 2, 'timed-out': 1 };
  return {
    mode: 'SIM',
    phase: 'running',
    iteration: 123,
    iterations: 500,
    intervalMs: MINUTE,
    marketTime: FIXTURE_TIME,
    cash: 45_678.9,
    equity: {
      times,
      values,
      capacity: 1440,
      start: 100_000,
      current: values[values.length - 1] ?? 100_000,
      maxDrawdown: 0.0412,
    },
    positions: [
      position('AAPL', 100, 180.25, 185.5),
      position('MSFT', 40, 410, 402.1),
      position('NVDA', 25, 880, 912.75),
      position('SPY', 10, 510.5, 512),
    ],
    regime: {
      current: 'trend-up',
      confidence: 0.87,
      since: FIXTURE_TIME - 85 * MINUTE,
      bars: 85,
      history: [
        { time: FIXTURE_TIME - 400 * MINUTE, from: 'range', to: 'volatile', confidence: 0.6 },
        { time: FIXTURE_TIME - 300 * MINUTE, from: 'volatile', to: 'trend-down', confidence: 0.7 },
        { time: FIXTURE_TIME - 200 * MINUTE, from: 'trend-down', to: 'range', confidence: 0.65 },
        { time: FIXTURE_TIME - 85 * MINUTE, from: 'range', to: 'trend-up', confidence: 0.81 },
      ],
      params: { style: 'momentum', maxGrossExposure: 0.8, entryThreshold: 1.5, exitThreshold: 0.5 },
    },
    downloads: {
      round: {
        kind: 'backfill',
        round: 1,
        total: 100,
        counts,
        bars: 123_456,
        elapsedMs: 12_345,
        barsPerSecond: 10_000,
        concurrency: 8,
        finished: false,
      },
      rows: [
        { symbol: 'AMD', state: 'running', attempt: 1, bars: 0, ms: 1234 },
        { symbol: 'TSLA', state: 'retrying', attempt: 2, bars: 0, ms: 2500, error: 'HTTP 429 Too Many Requests' },
        { symbol: 'META', state: 'failed', attempt: 3, bars: 0, ms: 9000, error: 'socket hang up' },
        { symbol: 'GOOG', state: 'timed-out', attempt: 3, bars: 0, ms: 30000, error: 'timed out after 10s' },
      ],
    },
    events: events(30),
    memory: { rss: 150 * 1024 * 1024, heapUsed: 48 * 1024 * 1024 },
    trades: 42,
    realizedPnl: 321.5,
    haltReason: null,
    ...overrides,
  };
}

/** Controls over a snapshot the test replaces at will; counts the commands it receives. */
export class FakeControls implements EngineControls {
  readonly calls = { togglePause: 0, retryFailedDownloads: 0, closeAllPositions: 0, toggleBuys: 0, stop: 0 };
  private readonly listeners = new Set<() => void>();
  snapshotReads = 0;

  constructor(private snapshot: EngineSnapshot = makeSnapshot()) {}

  getSnapshot(): EngineSnapshot {
    this.snapshotReads++;
    return this.snapshot;
  }

  subscribe(onChange: () => void): () => void {
    this.listeners.add(onChange);
    return () => {
      this.listeners.delete(onChange);
    };
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Replaces the snapshot and tells subscribers, as the engine does. */
  publish(snapshot: EngineSnapshot): void {
    this.snapshot = snapshot;
    for (const listener of this.listeners) listener();
  }

  togglePause(): void {
    this.calls.togglePause++;
  }

  retryFailedDownloads(): void {
    this.calls.retryFailedDownloads++;
  }

  closeAllPositions(): void {
    this.calls.closeAllPositions++;
  }

  /** Each symbol's history a test hands over (none by default). */
  readonly histories = new Map<string, SymbolHistoryView>();

  symbolHistory(symbol: string): SymbolHistoryView | null {
    return this.histories.get(symbol) ?? null;
  }

  toggleBuys(): void {
    this.calls.toggleBuys++;
  }

  stop(): void {
    this.calls.stop++;
    this.publish({ ...this.snapshot, phase: 'stopped' });
  }
}

/** Lets React and Ink flush pending work. */
export async function flush(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 0));
}

// eslint-disable-next-line no-control-regex -- ANSI sequences start with ESC
const ANSI_PATTERN = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI_PATTERN, '');
}

/** The frame's lines without colour codes. */
export function frameLines(frame: string | undefined): string[] {
  return stripAnsi(frame ?? '').split('\n');
}

type WriteCallback = (error?: Error | null) => void;

/** The error a write to a terminal that has gone away (closed pane, dropped SSH session) fails with. */
function terminalGoneError(syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${syscall} EIO`), { code: 'EIO', errno: -5, syscall });
}

/** A terminal of a chosen size for Ink: keeps every frame written and can be resized. */
export class FakeTerminalOutput extends EventEmitter {
  readonly isTTY = true;
  readonly writes: string[] = [];
  /** Writes tried after `hangUp()`: each failed with EIO, as on a real terminal that is gone. */
  readonly writesAfterHangUp: string[] = [];
  destroyed = false;
  writable = true;
  /** What the writes leave on the screen (incremental frames rewrite only the lines that changed). */
  readonly screen: TerminalScreen;

  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
    this.screen = new TerminalScreen(columns, rows);
  }

  /** Calls back at once, as a terminal does once it has taken the bytes: Ink 8 waits for that before it exits. */
  write = (chunk: string, encodingOrCallback?: BufferEncoding | WriteCallback, callback?: WriteCallback): boolean => {
    const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    if (this.destroyed) {
      // As a destroyed net.Socket does: the callback gets the error, and 'error' is emitted (unhandled, it throws).
      this.writesAfterHangUp.push(chunk);
      const error = terminalGoneError('write');
      process.nextTick(() => {
        done?.(error);
        this.emit('error', error);
      });
      return false;
    }
    this.writes.push(chunk);
    this.screen.write(chunk);
    if (done) queueMicrotask(() => done());
    return true;
  };

  /** The terminal goes away: the next write fails with EIO, and the stream is destroyed from then on. */
  hangUp(): void {
    this.destroyed = true;
    this.writable = false;
    this.emit('error', terminalGoneError('write'));
  }

  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.screen.resize(columns, rows);
    this.emit('resize');
  }

  get all(): string {
    return this.writes.join('');
  }
}

/** Keyboard input for Ink, as ink-testing-library's stdin does it. */
export class FakeTerminalInput extends EventEmitter {
  readonly isTTY = true;
  rawMode = false;
  private pending: string | null = null;

  type(data: string): void {
    this.pending = data;
    this.emit('readable');
    this.emit('data', data);
  }

  read = (): string | null => {
    const data = this.pending;
    this.pending = null;
    return data;
  };

  private gone = false;

  /** The terminal goes away under a read: end of input. Raw mode can no longer be set (tty emits 'error'). */
  hangUp(): void {
    this.gone = true;
    this.emit('end');
  }

  setRawMode(mode: boolean): void {
    if (this.gone) {
      this.emit('error', terminalGoneError('setRawMode'));
      return;
    }
    this.rawMode = mode;
  }
  setEncoding(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}

export function asWriteStream(output: FakeTerminalOutput): NodeJS.WriteStream {
  return output as unknown as NodeJS.WriteStream;
}

export function asReadStream(input: FakeTerminalInput): NodeJS.ReadStream {
  return input as unknown as NodeJS.ReadStream;
}

/** Renders with Ink on a fake terminal of the given size (ink-testing-library's is fixed at 100 columns). */
export function renderOnTerminal(element: ReactElement, columns: number, rows: number) {
  const stdout = new FakeTerminalOutput(columns, rows);
  const stdin = new FakeTerminalInput();
  const instance = render(element, {
    stdout: asWriteStream(stdout),
    stdin: asReadStream(stdin),
    debug: true,
    patchConsole: false,
    exitOnCtrlC: false,
  });
  const lines = (): string[] => frameLines(stdout.writes.at(-1));
  return {
    stdout,
    stdin,
    unmount: instance.unmount,
    waitUntilExit: instance.waitUntilExit,
    lines,
    text: (): string => lines().join('\n'),
    press: async (input: string): Promise<void> => {
      stdin.type(input);
      await flush();
    },
  };
}
