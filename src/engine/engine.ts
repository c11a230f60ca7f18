/**
 * The Loop: rounds of bars, pacing, pause, market hours and publishing. Each iteration the clock
 * moves, a refresh round brings every symbol's new bars, the Trader (synchronous: fills at the open,
 * signals, regime, risk, orders, marks) processes them, one equity point goes into a fixed ring, and
 * the Recorder hands the iteration to the record. The loop publishes an immutable snapshot and one
 * typed event per happening; it never imports React.
 */
import type { RegimeDetectorConfig } from '../core/regime.js';
import type { RegimeName } from '../core/regime-types.js';
import { Ring } from '../core/ring-buffer.js';
import type { RiskLimits } from '../core/risk.js';
import { TIMEFRAME_MINUTES, type Bar, type BarColumns, type Timeframe } from '../core/model.js';
import { barsFromColumns } from '../core/bar-columns.js';
import { DAY_MS, roundToCents } from '../core/units.js';
import type { BarSource, MarketClock } from './bar-source.js';
import type { Broker, BrokerState, MarketHours, MarketHoursSource } from './broker.js';
import { assembleSnapshot, type SnapshotParts } from './build-snapshot.js';
import { EquitySeries } from './equity-series.js';
import type { Checkpoint } from './checkpoint.js';
import type { EngineControls } from './controls.js';
import type { RoundKind } from './download-status.js';
import { ringEntry } from './event-text.js';
import { isoTime, type LoopEvent, type LoopEventListener } from './loop-events.js';
import { readProcessMemory } from './process-memory.js';
import { Recorder } from './recorder.js';
import { DataOutageWatch } from './data-outage.js';
import { DetectorRecord } from './detector-record.js';
import { PublishAfterCommit } from './publish-after-commit.js';
import { BackfillWarmup } from './backfill-warmup.js';
import type { DownloadCounts } from './download-status.js';
import type { EngineEvent, EngineEventKind, EngineSnapshot, LoopPhase, MemoryView, Mode } from './snapshot.js';
import { SymbolHistory, type SymbolHistoryView } from './symbol-history.js';
import { Trader, type TraderListener } from './trader.js';
import { readLoadings } from '../core/hmm/saved-model.js';
import type { ResumeState, TradingRecord } from './trading-record.js';
import { EVENT_CAPACITY, REGIME_HISTORY_CAPACITY } from '../core/limits.js';

export interface EngineOptions {
  readonly mode: Mode;
  readonly symbols: readonly string[];
  readonly timeframe: Timeframe;
  readonly periodDays: number;
  /** Iterations to run, or null to run until stopped. */
  readonly iterations: number | null;
  readonly intervalMs: number;
  readonly equityPoints: number;
  readonly startingCash: number;
  readonly risk: RiskLimits;
  /** Events kept for the UI. */
  readonly eventCapacity?: number;
  /** Regime changes kept. */
  readonly regimeHistoryCapacity?: number;
  /** Seed of the simulated market, reported at start (null elsewhere). */
  readonly seed?: number | null;
  /** The history option as the user wrote it, for the start report. */
  readonly periodText?: string;
  /** The regime detector's settings (a tuned profile), else the defaults. */
  readonly detectorConfig?: RegimeDetectorConfig;
  /** Said as notices right after the start (a profile that could not be taken as saved). */
  readonly startNotices?: readonly string[];
  /** Start of every client order id; unique per run so ids never repeat across restarts. */
  readonly orderIdPrefix?: string;
  /** A saved state to continue from (a restart on the same database). */
  readonly resume?: ResumeState;
  /** The broker's account at start (a real broker is the source of truth); applied after any resume. */
  readonly brokerState?: BrokerState;
}

export interface EngineDependencies {
  /** Each round's new bars (the downloader over the simulated market or Alpaca). */
  readonly bars: BarSource;
  readonly clock: MarketClock;
  readonly broker: Broker;
  /** A real market's hours: while closed the loop idles (no refresh rounds). */
  readonly marketHours?: MarketHoursSource;
  readonly readMemory?: () => MemoryView;
  /** Where each iteration's history is written (the database); nothing is kept without it. */
  readonly record?: TradingRecord;
  /** The market's state for a checkpoint (the simulated market: enough to regenerate it). */
  readonly marketCheckpoint?: () => Checkpoint['market'];
  /** The simulated market's true regime of its newest bar: each iteration scores the detector against it. */
  readonly trueRegime?: () => RegimeName;
}

export interface RunSummary {
  readonly iterations: number;
  readonly equity: number;
  readonly return: number;
  readonly maxDrawdown: number;
  readonly trades: number;
  readonly equityPoints: number;
}

/** process.memoryUsage() costs ~12 µs: at thousands of iterations a second, sample it now and then. */
const MEMORY_SAMPLE_MS = 250;

export class TradingEngine implements EngineControls {
  private readonly trader: Trader;
  /** Collects each iteration's rows; null without a record (nothing is kept). */
  private readonly recorder: Recorder | null;
  /** Bars received in the current round, by symbol index; emptied after each round. */
  private readonly received: (Bar[] | undefined)[];
  private readonly indexBySymbol: ReadonlyMap<string, number>;
  private market: MarketHours | null = null;
  /** The equity chart's points and the sides of the fills in each point's span. */
  private readonly equity: EquitySeries;
  private readonly events: Ring<EngineEvent>;
  /** The events as the last snapshot took them (frozen), until the next event: null when it must be made. */
  private eventsTaken: readonly EngineEvent[] | null = null;
  /** Each symbol's recent closes and fills, for the drill-down. */
  private readonly history: SymbolHistory;
  private readonly listeners = new Set<() => void>();
  private readonly loopListeners = new Set<LoopEventListener>();
  private readonly readMemory: () => MemoryView;
  /** Ends the current sleep early (stop, pause, retry). */
  private wakeSleeper: (() => void) | null = null;
  private roundKind: RoundKind = 'backfill';

  private phase: LoopPhase = 'starting';
  private iteration = 0;
  private eventSeq = 0;
  private memory: MemoryView = { rss: 0, heapUsed: 0 };
  private memorySampledAt = Number.NEGATIVE_INFINITY;
  /** Resolves when stop() is called, to end any wait early. */
  private readonly stopped: Promise<void>;
  private resolveStopped: () => void = () => {};
  private recordFailure: unknown = null;
  private paused = false;
  private stopRequested = false;
  private version = 0;
  private snapshotCache: { version: number; snapshot: EngineSnapshot } | null = null;
  private flowControl: () => Promise<void> | undefined = () => undefined;
  /** Regime (issue 9): the detector's fits told and saved, its bars' features saved, put back on resume. */
  private readonly detectorRecord: DetectorRecord;
  // ---- issue 11 (reliability) ----
  /** Market-data outages: said as notices; rounds back off while one lasts. */
  private readonly dataWatch = new DataOutageWatch();
  /** An iteration's events and snapshot are published only once its rows are committed. */
  private readonly publishing = new PublishAfterCommit((event) => this.deliver(event));
  /** The backfill's returns per time, while it downloads (its bars go to the Trader symbol by symbol). */
  private warmup: BackfillWarmup | null = null;

  constructor(
    readonly options: EngineOptions,
    private readonly deps: EngineDependencies,
  ) {
    this.indexBySymbol = new Map(options.symbols.map((symbol, index) => [symbol, index]));
    this.received = new Array<Bar[] | undefined>(options.symbols.length).fill(undefined);
    const recorder = deps.record === undefined ? null : new Recorder(deps.record, deps.marketCheckpoint);
    this.recorder = recorder;
    const history = new SymbolHistory(options.symbols);
    this.history = history;
    const equity = new EquitySeries(options.equityPoints);
    this.equity = equity;
    const listener: TraderListener = {
      event: (event) => this.publish(event),
      order: (order) => recorder?.order(order),
      fill: (fill) => {
        recorder?.fill(fill);
        history.fill(fill);
        equity.noteFill(fill.time, fill.side);
      },
      regimeChange: (change) => recorder?.regimeChange(change),
    };
    this.trader = new Trader(
      {
        symbols: options.symbols,
        startingCash: options.startingCash,
        risk: options.risk,
        regimeHistoryCapacity: options.regimeHistoryCapacity ?? REGIME_HISTORY_CAPACITY,
        detectorConfig: options.detectorConfig,
        orderIdPrefix: options.orderIdPrefix,
      },
      deps.broker,
      listener,
    );
    this.detectorRecord = new DetectorRecord(this.trader.regime);
    this.events = new Ring(options.eventCapacity ?? EVENT_CAPACITY);
    this.readMemory = deps.readMemory ?? readProcessMemory;
    this.stopped = new Promise((resolve) => {
      this.resolveStopped = resolve;
    });
  }

  // ---- EngineControls -------------------------------------------------------------------------

  getSnapshot(): EngineSnapshot {
    // While an iteration is being committed, the screen keeps showing the last stored state.
    if (this.publishing.isHolding && this.snapshotCache !== null) return this.snapshotCache.snapshot;
    if (this.snapshotCache?.version !== this.version) {
      const trader = this.trader;
      const regime = trader.regime;
      this.snapshotCache = {
        version: this.version,
        snapshot: assembleSnapshot({
          mode: this.options.mode,
          phase: this.phase,
          iteration: this.iteration,
          iterations: this.options.iterations,
          intervalMs: this.options.intervalMs,
          barMinutes: TIMEFRAME_MINUTES[this.options.timeframe],
          marketTime: trader.marketTime,
          cash: trader.portfolio.cash,
          equity: trader.portfolio.equity(),
          positions: trader.portfolio.positions(),
          ...equityParts(this.equity),
          startingCash: this.options.startingCash,
          maxDrawdown: trader.maxDrawdown,
          regime: {
            current: regime.regime,
            confidence: regime.confidence,
            since: regime.since,
            bars: regime.bars,
            history: regime.history(),
            params: regime.params,
            posterior: regime.posterior(),
            learning: regime.learning,
            expectedRemainingBars: regime.expectedRemainingBars,
            ...(regime.truth === null ? {} : { truth: regime.truth }),
          },
          downloads: this.deps.bars.view(),
          events: (this.eventsTaken ??= Object.freeze(this.events.toArray())),
          memory: this.memory,
          trades: trader.trades,
          realizedPnl: trader.portfolio.realizedPnl,
          haltReason: trader.haltReason,
          buysOff: trader.buysOff,
          market: this.market,
        }),
      };
    }
    return this.snapshotCache.snapshot;
  }

  subscribe(onChange: () => void): () => void {
    this.listeners.add(onChange);
    return () => this.listeners.delete(onChange);
  }

  symbolHistory(symbol: string): SymbolHistoryView | null {
    return this.history.view(symbol);
  }

  /** Lets a slow consumer of loop events (a piped stdout) hold the loop between iterations. */
  setFlowControl(wait: () => Promise<void> | undefined): void {
    this.flowControl = wait;
  }

  onLoopEvent(listener: LoopEventListener): () => void {
    this.loopListeners.add(listener);
    return () => this.loopListeners.delete(listener);
  }

  togglePause(): void {
    if (this.ended()) return;
    this.paused = !this.paused;
    if (this.phase === 'running' || this.phase === 'paused') this.setPhase(this.paused ? 'paused' : 'running');
    this.publish({ type: 'user', command: this.paused ? 'pause' : 'resume' });
    this.wake();
  }

  retryFailedDownloads(): void {
    if (this.ended()) return;
    // Every round asks each symbol for all bars since the last it has, so the next round is the retry.
    this.publish({ type: 'user', command: 'retry' });
    this.wake();
  }

  closeAllPositions(): void {
    if (!this.trading()) return;
    const sells = this.trader.closeAllPositions();
    this.publish({ type: 'close-all', time: isoTime(this.trader.marketTime), sells });
  }

  toggleBuys(): void {
    if (!this.trading()) return;
    const off = !this.trader.buysOff;
    this.trader.setBuysOff(off);
    this.publish({ type: 'user', command: off ? 'buys-off' : 'buys-on' });
  }

  /** The run has ended or is ending: commands that would change it do nothing. */
  private ended(): boolean {
    return this.stopRequested || this.phase === 'stopping' || this.phase === 'stopped';
  }

  /** Trading has begun (the backfill and any resume are done) and the run has not ended. */
  private trading(): boolean {
    return !this.ended() && (this.phase === 'running' || this.phase === 'paused');
  }

  stop(): void {
    if (this.stopRequested) return;
    this.stopRequested = true;
    if (this.phase !== 'stopped') this.setPhase('stopping');
    this.deps.bars.cancel();
    this.resolveStopped();
    this.wake();
  }

  /** Notified when a download changes state; the engine forwards it as a loop event. */
  reportDownload(event: Omit<Extract<LoopEvent, { type: 'download' }>, 'type' | 'round'>): void {
    this.publish({ type: 'download', round: this.roundKind, ...event });
    this.changed();
  }

  // ---- The loop -------------------------------------------------------------------------------

  async run(): Promise<RunSummary> {
    this.publish({
      type: 'start',
      mode: this.options.mode,
      symbols: this.options.symbols.length,
      timeframe: this.options.timeframe,
      period: this.options.periodText ?? `${this.options.periodDays}d`,
      seed: this.options.seed ?? null,
      equity: this.options.startingCash,
    });
    for (const message of this.options.startNotices ?? []) this.publish({ type: 'notice', kind: 'info', message });
    this.setPhase('backfill');
    const backfilled = await this.downloadRound('backfill');
    if (backfilled) this.finishBackfill();
    if (backfilled && this.options.resume !== undefined) this.applyResume(this.options.resume);
    if (backfilled && this.options.brokerState !== undefined) this.trader.applyBrokerState(this.options.brokerState);
    // Regime (issue 9): fit the model on the backfill, unless a resume put the saved one in force.
    if (backfilled && !this.detectorRecord.detectorRestored) this.trader.regime.fitOnHistory(this.trader.marketTime);
    if (!this.stopRequested) this.setPhase(this.paused ? 'paused' : 'running');

    // --iterations counts this run's iterations; the iteration number goes on from a resumed run.
    const firstIteration = this.iteration;
    const done = (): boolean =>
      this.options.iterations !== null && this.iteration - firstIteration >= this.options.iterations;
    while (!this.stopRequested && !done()) {
      if (this.paused) {
        await this.sleep(Number.POSITIVE_INFINITY);
        continue;
      }
      this.trader.takeNotices();
      if (!(await this.marketIsOpen())) {
        this.trader.settleFills();
        await this.sleep(Math.max(this.options.intervalMs, 1000));
        continue;
      }
      this.deps.clock.advance();
      const complete = await this.downloadRound('refresh');
      if (!complete) break;
      this.publishing.hold();
      this.processReceived(true);
      const committed = this.finishIteration();
      if (committed !== undefined) {
        try {
          await committed;
        } catch (error) {
          // The record cannot be kept: stop rather than trade on without it, and say why.
          this.publishing.discard();
          this.recordFailure = error;
          this.publish({ type: 'record-failed', message: error instanceof Error ? error.message : String(error) });
          this.stop();
        }
      }
      this.publishing.release();
      this.changed();
      const backpressure = this.flowControl();
      if (backpressure !== undefined) await Promise.race([backpressure, this.stopped]);
      if (done()) break;
      const wait = Math.max(this.options.intervalMs, this.dataWatch.retryDelayMs());
      if (wait > 0) await this.sleep(wait);
      // Instant downloads settle as microtasks only: without this, timers, signals and keys would starve.
      else await yieldToEventLoop();
    }
    this.trader.takeNotices();
    this.setPhase('stopped');
    this.recorder?.recordTail();
    const summary = this.summary(this.iteration - firstIteration);
    this.publish({ type: 'summary', ...summary });
    if (this.recordFailure !== null) throw this.recordFailure;
    return summary;
  }

  summary(iterations: number): RunSummary {
    const equity = this.trader.portfolio.equity();
    return {
      iterations,
      equity: roundToCents(equity),
      return: equity / this.options.startingCash - 1,
      maxDrawdown: this.trader.maxDrawdown,
      trades: this.trader.trades,
      equityPoints: this.equity.length,
    };
  }

  /** Downloads new bars for every symbol; false when the round was cancelled (the iteration is dropped). */
  private async downloadRound(kind: RoundKind): Promise<boolean> {
    if (this.stopRequested) return false;
    this.roundKind = kind;
    const historyStart = this.deps.clock.now() - this.options.periodDays * DAY_MS;
    const result = await this.deps.bars.fetchRound(
      kind,
      this.options.symbols,
      (symbol) => Math.max(this.trader.lastSeenOf(symbol), historyStart),
      (symbol, bars) => {
        // The backfill goes to the Trader symbol by symbol as it arrives (never all bars held at once).
        if (kind === 'backfill') this.takeBackfill(symbol, bars);
        else if (bars.length > 0) this.received[this.indexBySymbol.get(symbol) as number] = barsFromColumns(bars);
      },
    );
    this.publish({
      type: 'round',
      kind,
      total: result.total,
      counts: result.counts,
      bars: result.bars,
      elapsedMs: result.elapsedMs,
      barsPerSecond: result.elapsedMs > 0 ? (result.bars * 1000) / result.elapsedMs : 0,
      concurrency: result.concurrency,
    });
    this.noteDataRound(result.counts, result.total);
    if (result.cancelled) {
      this.warmup = null;
      this.received.fill(undefined);
      return false;
    }
    return true;
  }

  private processReceived(trading: boolean): void {
    for (let s = 0; s < this.received.length; s++) {
      const bars = this.received[s];
      if (bars !== undefined) this.history.bars(this.options.symbols[s] as string, bars);
    }
    this.trader.processRound(this.received, trading);
    this.received.fill(undefined);
  }

  // ---- issue 11: the streamed backfill and data outages ----

  private takeBackfill(symbol: string, bars: BarColumns): void {
    if (bars.length === 0) return;
    this.warmup ??= new BackfillWarmup(this.options.symbols.length);
    this.trader.takeHistory(symbol, bars, this.warmup);
  }

  private finishBackfill(): void {
    const warmup = this.warmup;
    this.warmup = null;
    // A resumed run goes on with its own loadings (those of its model, or of its checkpoint while it was
    // learning; none: the plain features), a fresh one estimates them.
    const resume = this.options.resume;
    if (warmup !== null)
      this.trader.finishHistory(
        warmup,
        resume === undefined
          ? 'estimate'
          : readLoadings(
              resume.checkpoint.regime.loadings ?? (resume.regimeModel as { loadings?: unknown } | undefined)?.loadings,
              this.options.symbols.length,
            ),
      );
  }

  /** Says when market data stops arriving (an outage) and when it is back. */
  private noteDataRound(counts: DownloadCounts, total: number): void {
    const notice = this.dataWatch.afterRound(counts, total);
    if (notice !== null) this.publish({ type: 'notice', kind: notice.kind, message: notice.message });
  }

  /** True without market hours (the simulated market); reports each change of open/closed. */
  private async marketIsOpen(): Promise<boolean> {
    if (this.deps.marketHours === undefined) return true;
    const hours = await this.deps.marketHours.check();
    if (this.market?.open !== hours.open || this.market.nextOpen !== hours.nextOpen) {
      const changed = this.market?.open !== hours.open;
      this.market = hours;
      if (changed) this.publish({ type: 'market', open: hours.open, nextOpen: isoTime(hours.nextOpen) });
      this.changed();
    }
    return hours.open;
  }

  /** Continues a saved run: the Trader's state, the iteration count, equity history and events. */
  private applyResume(resume: ResumeState): void {
    const saved = resume.checkpoint;
    // Regime (issue 9): the saved model first; the Trader then restores the regime in force.
    if (this.detectorRecord.restoreModel(resume))
      this.publish({ type: 'notice', kind: 'info', message: 'regime model restored from the saved run' });
    this.trader.restore(saved, resume.regimeHistory);
    this.detectorRecord.restoreDetector(resume, this.trader.marketTime);
    this.iteration = saved.iteration;
    for (let i = 0; i < resume.equityValues.length; i++)
      this.equity.push(resume.equityTimes[i] as number, resume.equityValues[i] as number, resume.equityFillSides?.[i]);
    for (const event of resume.events) this.events.push(event);
    this.eventsTaken = null;
    this.eventSeq = resume.events.at(-1)?.seq ?? 0;
    this.publish({
      type: 'resumed',
      iteration: saved.iteration,
      equity: roundToCents(this.trader.portfolio.equity()),
      positions: saved.positions.length,
      workingOrders: saved.workingOrders.length,
    });
  }

  /** Ends the iteration; a returned promise resolves when its rows are committed (rejects if they cannot be). */
  private finishIteration(): Promise<void> | undefined {
    this.iteration++;
    const trader = this.trader;
    const equity = trader.closeIteration();
    const marketTime = trader.marketTime;
    // No market time yet (no bar ever arrived): no equity point, in memory or in the record.
    if (Number.isFinite(marketTime)) this.equity.push(marketTime, equity);
    const now = performance.now();
    if (now - this.memorySampledAt >= MEMORY_SAMPLE_MS) {
      this.memory = this.readMemory();
      this.memorySampledAt = now;
    }
    const regime = trader.regime;
    // Regime (issue 9): say when a (re)fitted model is put in force; score against the simulator's truth.
    const fitNotice = this.detectorRecord.fitNotice();
    if (fitNotice !== null) this.publish({ type: 'notice', kind: 'info', message: fitNotice });
    const trueRegime = this.deps.trueRegime?.();
    if (trueRegime !== undefined) regime.scoreTruth(trueRegime);
    this.publish({
      type: 'iteration',
      i: this.iteration,
      time: isoTime(marketTime),
      equity: roundToCents(equity),
      cash: roundToCents(trader.portfolio.cash),
      regime: regime.regime,
      confidence: round3(regime.confidence),
      ...(trueRegime === undefined ? {} : { trueRegime }),
      positions: trader.portfolio.positionCount,
      exposureCap: trader.exposureCap(),
      closes: trader.closesInUse(),
      heapUsed: this.memory.heapUsed,
      rss: this.memory.rss,
    });
    this.changed();
    return this.recorder?.recordIteration(
      {
        iteration: this.iteration,
        time: marketTime,
        equity,
        cash: trader.portfolio.cash,
        regime: regime.regime,
      },
      () => trader.state(),
      this.detectorRecord.newModel(),
      this.detectorRecord.newFeatures(),
    );
  }

  /** Waits `ms` (Infinity: until woken); stop, pause and retry wake it early. */
  private sleep(ms: number): Promise<void> {
    if (this.stopRequested) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        this.wakeSleeper = null;
        resolve();
      };
      const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
      this.wakeSleeper = done;
    });
  }

  private wake(): void {
    this.wakeSleeper?.();
  }

  private setPhase(phase: LoopPhase): void {
    this.phase = phase;
    this.changed();
  }

  /** One happening: to the loop's listeners (the headless printer), then, with its text, to the events ring. */
  private publish(event: LoopEvent): void {
    // To the listeners once the iteration is committed (issue 11); to the ring and the record now.
    this.publishing.emit(event);
    const entry = ringEntry(event);
    if (entry !== null) this.addEvent(entry.kind, entry.message);
  }

  private deliver(event: LoopEvent): void {
    for (const listener of this.loopListeners) listener(event);
  }

  private addEvent(kind: EngineEventKind, message: string): void {
    const event = { seq: ++this.eventSeq, time: this.trader.marketTime, kind, message };
    this.events.push(event);
    this.eventsTaken = null;
    this.recorder?.event(event);
    this.changed();
  }

  private changed(): void {
    this.version++;
    for (const listener of this.listeners) listener();
  }
}

/** The chart's series as the snapshot takes it: copies, oldest first (the same ones until the series changes). */
function equityParts(
  series: EquitySeries,
): Pick<SnapshotParts, 'equityTimes' | 'equityValues' | 'equityFillSides' | 'equityCapacity'> {
  const { times, values, fillSides } = series.toArrays();
  return { equityTimes: times, equityValues: values, equityFillSides: fillSides, equityCapacity: series.capacity };
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const round3 = (value: number): number => Math.round(value * 1000) / 1000;
