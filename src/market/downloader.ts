import {
  DOWNLOAD_STATES,
  emptyCounts,
  type DownloadCounts,
  type DownloadState,
  type DownloadStatusView,
  type RoundKind,
  type RoundStatus,
  type SymbolDownloadStatus,
} from '../engine/download-status.js';
import { getEventListeners } from 'node:events';
import { TransientError } from './types.js';

export interface DownloaderOptions {
  /** A fixed number of parallel requests, or `auto` to adapt it (AIMD). */
  concurrency: 'auto' | number;
  /** Lower bound of the adaptive limit; default 2. */
  minConcurrency?: number;
  /** Upper bound of the adaptive limit; default 32. */
  maxConcurrency?: number;
  /** Where the adaptive limit starts; default 8. */
  initialConcurrency?: number;
  /** Per attempt. */
  timeoutMs: number;
  /** Retries after the first attempt; default 3. */
  maxRetries?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Jitter source in [0, 1); default Math.random. */
  random?: () => number;
  /** Clock in ms; default performance.now. */
  now?: () => number;
  /** Rows in view(); default 20. */
  maxStatusRows?: number;
  /** Called on each change to running, retrying, done, failed, timed-out or cancelled (never for queued). */
  onStateChange?: (change: DownloadStateChange) => void;
}

export interface DownloadStateChange {
  symbol: string;
  state: DownloadState;
  attempt: number;
  bars: number;
  ms: number;
  error?: string;
}

/**
 * Fetches one symbol. `signal` aborts on timeout or cancel. It concerns this request only until
 * the returned promise settles: a signal that was never aborted and has no 'abort' listener left
 * may be handed to a later request.
 */
export type FetchSymbol<T> = (symbol: string, signal: AbortSignal, attempt: number) => Promise<T>;

export interface RoundResult {
  kind: RoundKind;
  total: number;
  counts: DownloadCounts;
  bars: number;
  elapsedMs: number;
  cancelled: boolean;
  /** Symbols that failed or timed out. */
  failedSymbols: string[];
}

// State codes index DOWNLOAD_STATES, so per-symbol state fits in a Uint8Array.
const QUEUED = 0;
const RUNNING = 1;
const RETRYING = 2;
const DONE = 3;
const FAILED = 4;
const TIMED_OUT = 5;
const CANCELLED = 6;
type StateCode = 0 | 1 | 2 | 3 | 4 | 5 | 6;

function stateName(code: number): DownloadState {
  const name = DOWNLOAD_STATES[code];
  if (name === undefined) throw new Error(`unknown download state code ${code}`);
  return name;
}

function isTerminal(code: number): boolean {
  return code >= DONE;
}

/** setTimeout refuses longer delays (it fires at once instead). */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** A server asking for a longer wait than this (Retry-After) fails the symbol instead of stalling the round. */
export const MAX_RETRY_AFTER_MS = 60_000;

/** Latency below this is noise: it never counts as "latency went up". */
const LATENCY_SLACK_MS = 2;
const LATENCY_EWMA_WEIGHT = 0.1;
/** How fast the best-seen latency forgives, so a lasting shift in baseline latency does not freeze growth forever. */
const BEST_LATENCY_DRIFT = 1e-4;

/**
 * The limit on parallel requests. Adaptive mode is AIMD: +1 per window of successes
 * (`limit += 1/limit`) while latency stays near its best, ×0.5 on congestion
 * (timeout, transient error, 429), but only once per round trip: a failure of a
 * request that started before the last decrease belongs to the wave already punished.
 */
class ConcurrencyLimit {
  private value: number;
  private latencyEwma = -1;
  private bestLatency = Number.POSITIVE_INFINITY;
  private lastDecreaseAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly adaptive: boolean,
    readonly min: number,
    readonly max: number,
    initial: number,
  ) {
    this.value = Math.min(max, Math.max(min, initial));
  }

  get current(): number {
    return Math.floor(this.value);
  }

  onSuccess(latencyMs: number, limitWasFull: boolean): void {
    if (!this.adaptive) return;
    const ewma =
      this.latencyEwma < 0 ? latencyMs : this.latencyEwma + (latencyMs - this.latencyEwma) * LATENCY_EWMA_WEIGHT;
    this.latencyEwma = ewma;
    if (ewma < this.bestLatency) this.bestLatency = ewma;
    else this.bestLatency += (ewma - this.bestLatency) * BEST_LATENCY_DRIFT;
    // Growing a limit the round is not even using would only inflate it without evidence.
    if (limitWasFull && ewma <= 2 * this.bestLatency + LATENCY_SLACK_MS) {
      this.value = Math.min(this.max, this.value + 1 / this.value);
    }
  }

  onCongestion(attemptStartedAt: number, now: number): void {
    if (!this.adaptive || attemptStartedAt < this.lastDecreaseAt) return;
    this.value = Math.max(this.min, this.value / 2);
    this.lastDecreaseAt = now;
  }
}

const CONTROLLER_POOL_SIZE = 64;

/**
 * Controllers whose signal was never aborted and is left without listeners, for reuse:
 * creating an AbortSignal is the largest single cost of a request in Node 20 (about 2 µs).
 */
class ControllerPool {
  private readonly free: AbortController[] = [];

  take(): AbortController {
    return this.free.pop() ?? new AbortController();
  }

  giveBack(controller: AbortController): void {
    const { signal } = controller;
    if (signal.aborted || this.free.length >= CONTROLLER_POOL_SIZE) return;
    if (getEventListeners(signal, 'abort').length > 0) return;
    this.free.push(controller);
  }
}

interface DownloaderConfig {
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly random: () => number;
  readonly now: () => number;
  readonly onStateChange: ((change: DownloadStateChange) => void) | undefined;
  readonly controllers: ControllerPool;
}

/** What the Downloader needs of a round, whatever its result type. */
interface ActiveRound {
  readonly finished: boolean;
  cancel(): void;
  status(now: number, concurrency: number): RoundStatus;
  rows(maxRows: number, now: number): SymbolDownloadStatus[];
}

/** Timer callbacks take their round as an argument, so no closure is made per timer. */
interface TimerTarget {
  attemptTimedOut(index: number, controller: AbortController): void;
  backoffEnded(index: number): void;
}

function onAttemptTimeout(round: TimerTarget, index: number, controller: AbortController): void {
  round.attemptTimedOut(index, controller);
}

function onBackoffEnd(round: TimerTarget, index: number): void {
  round.backoffEnded(index);
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

/** Errors thrown by an observer must not corrupt the round's bookkeeping, nor vanish. */
function rethrowLater(err: unknown): void {
  queueMicrotask(() => {
    throw err;
  });
}

const NO_ROWS: readonly SymbolDownloadStatus[] = Object.freeze([]);

/** One round's state: flat arrays sized to its symbols, dropped when the next round starts. */
class RoundRun<T> implements ActiveRound, TimerTarget {
  readonly promise: Promise<RoundResult>;
  finished = false;

  private readonly n: number;
  private readonly states: Uint8Array;
  /** Attempts started so far. */
  private readonly attempts: Uint32Array;
  private readonly firstStartedAt: Float64Array;
  private readonly attemptStartedAt: Float64Array;
  /** Time spent, set when the symbol ends. */
  private readonly spentMs: Float64Array;
  private readonly bars: Float64Array;
  private readonly errors: (string | undefined)[];
  /** The controller of the attempt in flight; also how a late answer of an abandoned attempt is recognised. */
  private readonly controllers: (AbortController | undefined)[];
  /** Attempt timeout or backoff wait (never both at once). */
  private readonly timers: (NodeJS.Timeout | undefined)[];
  /** Symbols whose backoff ended, waiting for a free slot; taken before fresh ones. */
  private readyRetries: number[] = [];
  private readyHead = 0;
  private next = 0;
  private inFlight = 0;
  private settled = 0;
  private barsTotal = 0;
  /** Symbols per state code. */
  private readonly counts = new Uint32Array(DOWNLOAD_STATES.length);
  private readonly startedAt: number;
  private endedAt = 0;
  private resolve!: (result: RoundResult) => void;

  constructor(
    private readonly kind: RoundKind,
    private readonly roundNumber: number,
    private readonly symbols: readonly string[],
    private readonly fetch: FetchSymbol<T>,
    private readonly onResult: (symbol: string, value: T) => void,
    private readonly countBars: (value: T) => number,
    private readonly config: DownloaderConfig,
    private readonly limit: ConcurrencyLimit,
  ) {
    const n = symbols.length;
    this.n = n;
    this.states = new Uint8Array(n);
    this.attempts = new Uint32Array(n);
    this.firstStartedAt = new Float64Array(n);
    this.attemptStartedAt = new Float64Array(n);
    this.spentMs = new Float64Array(n);
    this.bars = new Float64Array(n);
    this.errors = new Array<string | undefined>(n);
    this.controllers = new Array<AbortController | undefined>(n);
    this.timers = new Array<NodeJS.Timeout | undefined>(n);
    this.counts[QUEUED] = n;
    this.startedAt = config.now();
    this.promise = new Promise<RoundResult>((resolve) => {
      this.resolve = resolve;
    });
  }

  start(): void {
    if (this.n === 0) this.finish(false);
    else this.pump();
  }

  private pump(): void {
    while (!this.finished && this.inFlight < this.limit.current) {
      let index: number;
      if (this.readyHead < this.readyRetries.length) {
        index = this.readyRetries[this.readyHead++] ?? 0;
        if (this.readyHead === this.readyRetries.length) {
          this.readyRetries.length = 0;
          this.readyHead = 0;
        }
      } else if (this.next < this.n) {
        index = this.next++;
      } else {
        return;
      }
      this.startAttempt(index);
    }
  }

  private startAttempt(index: number): void {
    const now = this.config.now();
    const attempt = ++this.attempts[index]!;
    if (attempt === 1) this.firstStartedAt[index] = now;
    this.attemptStartedAt[index] = now;
    this.setState(index, RUNNING);
    this.inFlight++;
    const controller = this.config.controllers.take();
    this.controllers[index] = controller;
    this.timers[index] = setTimeout(onAttemptTimeout, this.config.timeoutMs, this, index, controller);
    this.notify(index, now);
    if (this.finished) return; // the observer cancelled the round

    let answer: Promise<T>;
    try {
      answer = this.fetch(this.symbols[index] ?? '', controller.signal, attempt);
    } catch (err) {
      // Handled on the async path like any rejection, to keep pump() from recursing.
      answer = Promise.reject(err);
    }
    answer.then(
      (value) => this.attemptSucceeded(index, controller, value),
      (err: unknown) => this.attemptFailed(index, controller, err),
    );
  }

  /** Frees the slot of the attempt in flight; false when that attempt was already abandoned. */
  private endAttempt(index: number, controller: AbortController): boolean {
    if (this.controllers[index] !== controller) return false;
    this.controllers[index] = undefined;
    const timer = this.timers[index];
    if (timer !== undefined) {
      clearTimeout(timer);
      this.timers[index] = undefined;
    }
    this.inFlight--;
    this.config.controllers.giveBack(controller);
    return true;
  }

  private attemptSucceeded(index: number, controller: AbortController, value: T): void {
    const limitWasFull = this.inFlight >= this.limit.current;
    if (!this.endAttempt(index, controller)) return;
    const now = this.config.now();
    this.limit.onSuccess(now - (this.attemptStartedAt[index] ?? 0), limitWasFull);
    let bars: number;
    try {
      bars = this.countBars(value);
      this.onResult(this.symbols[index] ?? '', value);
    } catch (err) {
      if (!this.finished) this.settleAs(index, FAILED, `result handler failed: ${errorText(err)}`, now);
      return;
    }
    if (this.finished) return; // onResult cancelled the round
    this.bars[index] = bars;
    this.barsTotal += bars;
    this.settleAs(index, DONE, undefined, now);
  }

  private attemptFailed(index: number, controller: AbortController, err: unknown): void {
    if (!this.endAttempt(index, controller)) return;
    if (err instanceof TransientError) {
      const wait = err.retryAfterMs;
      if (wait !== undefined && !(wait <= MAX_RETRY_AFTER_MS)) {
        this.failedAttempt(
          index,
          false,
          false,
          `${errorText(err)} (the server asks to wait ${Number.isFinite(wait) ? `${Math.round(wait / 1000)} s` : 'forever'}; more than ${MAX_RETRY_AFTER_MS / 1000} s)`,
          undefined,
        );
      } else {
        this.failedAttempt(index, true, false, errorText(err), wait);
      }
    } else this.failedAttempt(index, false, false, errorText(err), undefined);
  }

  attemptTimedOut(index: number, controller: AbortController): void {
    if (this.controllers[index] !== controller) return;
    this.controllers[index] = undefined;
    this.timers[index] = undefined; // it is the one firing
    this.inFlight--;
    const message = `timed out after ${this.config.timeoutMs} ms`;
    controller.abort(new DOMException(message, 'TimeoutError'));
    this.failedAttempt(index, true, true, message, undefined);
  }

  private failedAttempt(
    index: number,
    retryable: boolean,
    timedOut: boolean,
    message: string,
    retryAfterMs: number | undefined,
  ): void {
    this.errors[index] = message;
    const now = this.config.now();
    if (retryable) this.limit.onCongestion(this.attemptStartedAt[index] ?? 0, now);
    const attemptsMade = this.attempts[index] ?? 0;
    if (!retryable || attemptsMade > this.config.maxRetries) {
      this.settleAs(index, timedOut ? TIMED_OUT : FAILED, message, now);
      return;
    }
    this.timers[index] = setTimeout(onBackoffEnd, this.backoffMs(attemptsMade, retryAfterMs), this, index);
    this.setState(index, RETRYING);
    this.notify(index, now);
    this.pump();
  }

  /** Full jitter: uniform in [0, min(max, base·2^(n-1))), but never under the server's Retry-After. */
  private backoffMs(attemptsMade: number, retryAfterMs: number | undefined): number {
    const { backoffBaseMs, backoffMaxMs, random } = this.config;
    const ceiling = Math.min(backoffMaxMs, backoffBaseMs * 2 ** (attemptsMade - 1));
    let delay = random() * ceiling;
    if (retryAfterMs !== undefined && retryAfterMs > delay) delay = retryAfterMs;
    return Math.min(MAX_TIMER_MS, delay);
  }

  backoffEnded(index: number): void {
    if (this.finished) return;
    this.timers[index] = undefined;
    this.readyRetries.push(index);
    this.pump();
  }

  private settleAs(index: number, state: StateCode, error: string | undefined, now: number): void {
    if (error !== undefined) this.errors[index] = error;
    this.spentMs[index] = now - (this.firstStartedAt[index] ?? now);
    this.setState(index, state);
    this.settled++;
    this.notify(index, now);
    if (this.finished) return;
    if (this.settled === this.n) this.finish(false);
    else this.pump();
  }

  private setState(index: number, state: StateCode): void {
    const { counts } = this;
    const previous = this.states[index] ?? QUEUED;
    counts[previous] = (counts[previous] ?? 0) - 1;
    counts[state] = (counts[state] ?? 0) + 1;
    this.states[index] = state;
  }

  private countsByName(): DownloadCounts {
    const counts = emptyCounts();
    for (let code = 0; code < DOWNLOAD_STATES.length; code++) counts[stateName(code)] = this.counts[code] ?? 0;
    return counts;
  }

  cancel(): void {
    if (this.finished) return;
    const now = this.config.now();
    for (let i = 0; i < this.n; i++) {
      const state = this.states[i] ?? QUEUED;
      if (isTerminal(state)) continue;
      const timer = this.timers[i];
      if (timer !== undefined) {
        clearTimeout(timer);
        this.timers[i] = undefined;
      }
      const controller = this.controllers[i];
      if (controller !== undefined) {
        this.controllers[i] = undefined;
        controller.abort();
      }
      if (state !== QUEUED) this.spentMs[i] = now - (this.firstStartedAt[i] ?? now);
      this.setState(i, CANCELLED);
      this.settled++;
    }
    this.inFlight = 0;
    this.readyRetries = [];
    this.readyHead = 0;
    this.finish(true);
    // Only symbols that had started get an event: queued ones never appeared in the stream.
    if (this.config.onStateChange === undefined) return;
    for (let i = 0; i < this.n; i++) {
      if (this.states[i] === CANCELLED && (this.attempts[i] ?? 0) > 0) this.notify(i, now);
    }
  }

  private finish(cancelled: boolean): void {
    this.finished = true;
    this.endedAt = this.config.now();
    const failedSymbols: string[] = [];
    for (let i = 0; i < this.n; i++) {
      const state = this.states[i];
      if (state === FAILED || state === TIMED_OUT) failedSymbols.push(this.symbols[i] ?? '');
    }
    this.resolve({
      kind: this.kind,
      total: this.n,
      counts: this.countsByName(),
      bars: this.barsTotal,
      elapsedMs: this.endedAt - this.startedAt,
      cancelled,
      failedSymbols,
    });
  }

  /** `attempt` of a retrying symbol is the attempt it waits to make. */
  private shownAttempt(index: number, state: number): number {
    const made = this.attempts[index] ?? 0;
    return state === RETRYING ? made + 1 : made;
  }

  private spentSoFar(index: number, state: number, now: number): number {
    if (state === QUEUED) return 0;
    if (isTerminal(state)) return this.spentMs[index] ?? 0;
    return now - (this.firstStartedAt[index] ?? now);
  }

  private describe(index: number, now: number): SymbolDownloadStatus {
    const state = this.states[index] ?? QUEUED;
    const error = state === RETRYING || state === FAILED || state === TIMED_OUT ? this.errors[index] : undefined;
    const status: SymbolDownloadStatus = {
      symbol: this.symbols[index] ?? '',
      state: stateName(state),
      attempt: this.shownAttempt(index, state),
      bars: this.bars[index] ?? 0,
      ms: this.spentSoFar(index, state, now),
      ...(error === undefined ? {} : { error }),
    };
    return status;
  }

  private notify(index: number, now: number): void {
    const observer = this.config.onStateChange;
    if (observer === undefined) return;
    try {
      observer(this.describe(index, now));
    } catch (err) {
      rethrowLater(err);
    }
  }

  status(now: number, concurrency: number): RoundStatus {
    const elapsedMs = (this.finished ? this.endedAt : now) - this.startedAt;
    return {
      kind: this.kind,
      round: this.roundNumber,
      total: this.n,
      counts: this.countsByName(),
      bars: this.barsTotal,
      elapsedMs,
      barsPerSecond: elapsedMs > 0 ? (this.barsTotal * 1000) / elapsedMs : 0,
      concurrency,
      finished: this.finished,
    };
  }

  /** Failed and timed-out first, then retrying, then running. */
  rows(maxRows: number, now: number): SymbolDownloadStatus[] {
    const rows: SymbolDownloadStatus[] = [];
    const c = this.counts;
    const wanted = (c[FAILED] ?? 0) + (c[TIMED_OUT] ?? 0) + (c[RETRYING] ?? 0) + (c[RUNNING] ?? 0);
    if (wanted === 0 || maxRows <= 0) return rows;
    const passes: readonly (readonly number[])[] = [[FAILED, TIMED_OUT], [RETRYING], [RUNNING]];
    for (const pass of passes) {
      for (let i = 0; i < this.n && rows.length < maxRows; i++) {
        const state = this.states[i] ?? QUEUED;
        if (pass.includes(state)) rows.push(this.describe(i, now));
      }
      if (rows.length >= maxRows) break;
    }
    return rows;
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a finite number ≥ 0, got ${value}`);
  return value;
}

/** Runs rounds of per-symbol downloads in parallel, with a per-attempt timeout, retries and an (optionally adaptive) limit. */
export class Downloader {
  private readonly config: DownloaderConfig;
  private readonly limit: ConcurrencyLimit;
  private readonly maxStatusRows: number;
  private current: ActiveRound | null = null;
  private roundsStarted = 0;
  private closed = false;

  constructor(options: DownloaderOptions) {
    if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) {
      throw new RangeError(`timeoutMs must be a positive number, got ${options.timeoutMs}`);
    }
    const backoffBaseMs = nonNegative('backoffBaseMs', options.backoffBaseMs ?? 200);
    this.config = {
      timeoutMs: Math.min(MAX_TIMER_MS, options.timeoutMs),
      maxRetries: Math.floor(nonNegative('maxRetries', options.maxRetries ?? 3)),
      backoffBaseMs,
      backoffMaxMs: Math.max(backoffBaseMs, nonNegative('backoffMaxMs', options.backoffMaxMs ?? 5000)),
      random: options.random ?? Math.random,
      now: options.now ?? (() => performance.now()),
      onStateChange: options.onStateChange,
      controllers: new ControllerPool(),
    };
    this.maxStatusRows = Math.floor(nonNegative('maxStatusRows', options.maxStatusRows ?? 20));
    if (options.concurrency === 'auto') {
      const min = positiveInteger('minConcurrency', options.minConcurrency ?? 2);
      const max = positiveInteger('maxConcurrency', options.maxConcurrency ?? 32);
      if (max < min) throw new RangeError(`maxConcurrency (${max}) is below minConcurrency (${min})`);
      const initial = positiveInteger('initialConcurrency', options.initialConcurrency ?? 8);
      this.limit = new ConcurrencyLimit(true, min, max, initial);
    } else {
      const fixed = positiveInteger('concurrency', options.concurrency);
      this.limit = new ConcurrencyLimit(false, fixed, fixed, fixed);
    }
  }

  /** Parallel requests allowed right now. */
  get concurrency(): number {
    return this.limit.current;
  }

  /**
   * Runs one round; `onResult` is called once per symbol that succeeded, as soon as it does.
   * Resolves when every symbol is done, failed, timed out or cancelled; never rejects because
   * a symbol failed (only when a round is already running).
   */
  runRound<T>(
    kind: RoundKind,
    symbols: readonly string[],
    fetch: FetchSymbol<T>,
    onResult: (symbol: string, value: T) => void,
    countBars: (value: T) => number,
  ): Promise<RoundResult> {
    if (this.current !== null && !this.current.finished) {
      return Promise.reject(new Error('a download round is already running'));
    }
    this.roundsStarted++;
    const round = new RoundRun(kind, this.roundsStarted, symbols, fetch, onResult, countBars, this.config, this.limit);
    this.current = round;
    if (this.closed) round.cancel();
    else round.start();
    return round.promise;
  }

  /** Aborts the requests in flight and drops the queue; the running round resolves as cancelled. */
  cancel(): void {
    this.current?.cancel();
  }

  /** cancel() and refuse further rounds (they resolve at once as cancelled). */
  close(): void {
    this.closed = true;
    this.cancel();
  }

  /** Status of the current (or last) round. */
  view(): DownloadStatusView {
    const round = this.current;
    if (round === null) return { round: null, rows: NO_ROWS };
    const now = this.config.now();
    return { round: round.status(now, this.limit.current), rows: round.rows(this.maxStatusRows, now) };
  }
}
