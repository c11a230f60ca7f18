/**
 * The trading loop. Each iteration: the clock moves, a refresh round downloads every symbol's new
 * bars, and the bars are processed in time order: fills at the open, signals, regime, risk, orders,
 * marks. One equity point per iteration goes into a fixed ring. The engine publishes an immutable
 * snapshot and a stream of loop events; it never imports React.
 */
import { PaperBroker } from '../broker/paper-broker.js';
import { Portfolio } from '../core/portfolio.js';
import type { Broker, BrokerFill, BrokerState, MarketHours, MarketHoursSource } from './broker.js';
import { RegimeController, type RegimeChangeRecord, type RegimeDetectorConfig } from '../core/regime.js';
import type { RegimeName } from '../core/regime-types.js';
import { FEATURE_COUNT, UniverseFeatures } from '../core/hmm/features.js';
import { Float64Ring, Ring } from '../core/ring-buffer.js';
import { RiskManager, type RiskLimits } from '../core/risk.js';
import { SymbolSignals, wantsToHold } from '../core/strategy.js';
import { DAY_MS, roundToCents } from '../core/units.js';
import type { Downloader } from '../market/downloader.js';
import type { RoundKind } from '../market/download-status.js';
import type { Bar, MarketClock, MarketDataSource, Timeframe } from '../market/types.js';
import type { EngineControls } from './controls.js';
import type { LoopEvent, LoopEventListener } from './loop-events.js';
import type { EngineEvent, EngineEventKind, EngineSnapshot, LoopPhase, MemoryView, Mode } from './snapshot.js';
import { buildSnapshot } from './build-snapshot.js';
import { readProcessMemory } from './position-views.js';
import type { Checkpoint } from './checkpoint.js';
import type { FillRecord, OrderRecord, OrderStatus, ResumeState, TradingRecord } from './trading-record.js';
import type { MarketOrder } from '../broker/paper-broker.js';

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
  /** Start of every client order id; unique per run so ids never repeat across restarts. */
  readonly orderIdPrefix?: string;
  /** A saved state to continue from (a restart on the same database). */
  readonly resume?: ResumeState;
  /** The broker's account at start (a real broker is the source of truth); applied after any resume. */
  readonly brokerState?: BrokerState;
}

export interface EngineDependencies {
  readonly market: MarketDataSource;
  readonly clock: MarketClock;
  readonly downloader: Downloader;
  readonly broker?: Broker;
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

/** A held position is trimmed only when it is above its target by more than this share of the target. */
const REBALANCE_TOLERANCE = 0.25;
/** Cash kept back from buys for slippage and fees. */
const CASH_BUFFER = 0.005;

/** process.memoryUsage() costs ~12 µs: at thousands of iterations a second, sample it now and then. */
const MEMORY_SAMPLE_MS = 250;

export const isoTime = (time: number): string => (Number.isFinite(time) ? new Date(time).toISOString() : '');

export class TradingEngine implements EngineControls {
  private readonly symbols: readonly string[];
  private readonly signals: SymbolSignals[];
  private readonly lastSeen: Float64Array;
  /** Bars received in the current round, by symbol index; emptied after each round. */
  private readonly received: (Bar[] | undefined)[];
  private readonly cursor: Int32Array;
  private readonly holdFlags: Uint8Array;
  private readonly portfolio: Portfolio;
  private readonly broker: Broker;
  private market: MarketHours | null = null;
  private readonly regime: RegimeController;
  // Regime (issue 9): the universe's per-bar features, reused every bar.
  private readonly universe = new UniverseFeatures();
  private readonly regimeFeatures = new Float64Array(FEATURE_COUNT);
  private regimeFitsRecorded = 0;
  private regimeFitsAnnounced = 0;
  private readonly risk: RiskManager;
  private readonly equityTimes: Float64Ring;
  private readonly equityValues: Float64Ring;
  private readonly events: Ring<EngineEvent>;
  private readonly listeners = new Set<() => void>();
  private readonly loopListeners = new Set<LoopEventListener>();
  private readonly readMemory: () => MemoryView;
  private readonly indexBySymbol: ReadonlyMap<string, number>;
  /** Ends the current sleep early (stop, pause, retry). */
  private wakeSleeper: (() => void) | null = null;
  private roundKind: RoundKind = 'backfill';

  private phase: LoopPhase = 'starting';
  private iteration = 0;
  private marketTime = Number.NaN;
  private trades = 0;
  private eventSeq = 0;
  private peakEquity: number;
  private maxDrawdown = 0;
  private memory: MemoryView = { rss: 0, heapUsed: 0 };
  private memorySampledAt = Number.NEGATIVE_INFINITY;
  /** Fills of the current time step, applied sells first so their cash pays for the buys. */
  private readonly stepFills: BrokerFill[] = [];
  /** Resolves when stop() is called, to end any wait early. */
  private readonly stopped: Promise<void>;
  private resolveStopped: () => void = () => {};
  private orderSeq = 0;
  private recordFailure: unknown = null;
  /** What this iteration adds to the record; only collected when there is a record to write to. */
  private readonly pending = {
    events: [] as EngineEvent[],
    orders: [] as OrderRecord[],
    fills: [] as FillRecord[],
    regimeChanges: [] as RegimeChangeRecord[],
  };
  private paused = false;
  private stopRequested = false;
  private version = 0;
  private snapshotCache: { version: number; snapshot: EngineSnapshot } | null = null;
  private flowControl: () => Promise<void> | undefined = () => undefined;

  constructor(
    readonly options: EngineOptions,
    private readonly deps: EngineDependencies,
  ) {
    this.symbols = options.symbols;
    this.indexBySymbol = new Map(options.symbols.map((symbol, index) => [symbol, index]));
    const count = options.symbols.length;
    this.signals = options.symbols.map(() => new SymbolSignals());
    this.lastSeen = new Float64Array(count).fill(Number.NEGATIVE_INFINITY);
    this.received = new Array<Bar[] | undefined>(count).fill(undefined);
    this.cursor = new Int32Array(count);
    this.holdFlags = new Uint8Array(count);
    this.portfolio = new Portfolio(options.startingCash);
    this.broker = deps.broker ?? new PaperBroker();
    this.regime = new RegimeController(options.regimeHistoryCapacity ?? 256, options.detectorConfig);
    this.risk = new RiskManager(options.risk);
    this.equityTimes = new Float64Ring(options.equityPoints);
    this.equityValues = new Float64Ring(options.equityPoints);
    this.events = new Ring(options.eventCapacity ?? 200);
    this.readMemory = deps.readMemory ?? readProcessMemory;
    this.peakEquity = options.startingCash;
    this.stopped = new Promise((resolve) => {
      this.resolveStopped = resolve;
    });
  }

  // ---- EngineControls -------------------------------------------------------------------------

  getSnapshot(): EngineSnapshot {
    if (this.snapshotCache?.version !== this.version) {
      this.snapshotCache = {
        version: this.version,
        snapshot: buildSnapshot({
          mode: this.options.mode,
          phase: this.phase,
          iteration: this.iteration,
          iterations: this.options.iterations,
          intervalMs: this.options.intervalMs,
          marketTime: this.marketTime,
          portfolio: this.portfolio,
          equityTimes: this.equityTimes,
          equityValues: this.equityValues,
          startingCash: this.options.startingCash,
          maxDrawdown: this.maxDrawdown,
          regime: this.regime,
          downloads: this.deps.downloader.view(),
          events: this.events.toArray(),
          memory: this.memory,
          trades: this.trades,
          haltReason: this.risk.haltReason,
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

  /** Lets a slow consumer of loop events (a piped stdout) hold the loop between iterations. */
  setFlowControl(wait: () => Promise<void> | undefined): void {
    this.flowControl = wait;
  }

  onLoopEvent(listener: LoopEventListener): () => void {
    this.loopListeners.add(listener);
    return () => this.loopListeners.delete(listener);
  }

  togglePause(): void {
    this.paused = !this.paused;
    if (this.phase === 'running' || this.phase === 'paused') this.setPhase(this.paused ? 'paused' : 'running');
    this.addEvent('info', this.paused ? 'paused by the user' : 'resumed by the user');
    this.wake();
  }

  retryFailedDownloads(): void {
    // Every round asks each symbol for all bars since the last it has, so the next round is the retry.
    this.addEvent('info', 'retrying failed downloads now');
    this.wake();
  }

  stop(): void {
    if (this.stopRequested) return;
    this.stopRequested = true;
    if (this.phase !== 'stopped') this.setPhase('stopping');
    this.deps.downloader.cancel();
    this.resolveStopped();
    this.wake();
  }

  /** Notified when a download changes state; the engine forwards it as a loop event. */
  reportDownload(event: Omit<Extract<LoopEvent, { type: 'download' }>, 'type' | 'round'>): void {
    this.emit({ type: 'download', round: this.roundKind, ...event });
    if (event.state === 'failed' || event.state === 'timed-out') {
      this.addEvent(
        'download',
        `${event.symbol} ${event.state} after ${event.attempt} attempt(s): ${event.error ?? ''}`.trim(),
      );
    }
    this.changed();
  }

  // ---- The loop -------------------------------------------------------------------------------

  async run(): Promise<RunSummary> {
    this.emit({
      type: 'start',
      mode: this.options.mode,
      symbols: this.symbols.length,
      timeframe: this.options.timeframe,
      period: this.options.periodText ?? `${this.options.periodDays}d`,
      seed: this.options.seed ?? null,
      equity: this.options.startingCash,
    });
    this.setPhase('backfill');
    const backfilled = await this.downloadRound('backfill');
    if (backfilled) this.processReceived(false);
    if (backfilled && this.options.resume !== undefined) this.applyResume(this.options.resume);
    if (backfilled && this.options.brokerState !== undefined) this.applyBrokerState(this.options.brokerState);
    // Regime (issue 9): fit the model on the backfill, unless a resume put the saved one in force.
    if (backfilled) this.regime.fitOnHistory(this.marketTime);
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
      this.takeNotices();
      if (!(await this.marketIsOpen())) {
        this.takeBrokerFills();
        this.applyStepFills();
        await this.sleep(Math.max(this.options.intervalMs, 1000));
        continue;
      }
      this.deps.clock.advance();
      const complete = await this.downloadRound('refresh');
      if (!complete) break;
      this.processReceived(true);
      const writerBehind = this.finishIteration();
      if (writerBehind !== undefined) {
        try {
          await writerBehind;
        } catch (error) {
          // The record cannot be kept: stop rather than trade on without it, and say why.
          this.recordFailure = error;
          this.addEvent('error', error instanceof Error ? error.message : String(error));
          this.stop();
        }
      }
      const backpressure = this.flowControl();
      if (backpressure !== undefined) await Promise.race([backpressure, this.stopped]);
      if (done()) break;
      if (this.options.intervalMs > 0) await this.sleep(this.options.intervalMs);
      // Instant downloads settle as microtasks only: without this, timers, signals and keys would starve.
      else await yieldToEventLoop();
    }
    this.takeNotices();
    this.setPhase('stopped');
    if (this.deps.record !== undefined) {
      this.deps.record.recordTail(this.pending.events, this.pending.orders);
      this.pending.events = [];
      this.pending.orders = [];
    }
    const summary = this.summary(this.iteration - firstIteration);
    this.emit({ type: 'summary', ...summary });
    if (this.recordFailure !== null) throw this.recordFailure;
    return summary;
  }

  summary(iterations: number): RunSummary {
    const equity = this.portfolio.equity();
    return {
      iterations,
      equity: roundToCents(equity),
      return: equity / this.options.startingCash - 1,
      maxDrawdown: this.maxDrawdown,
      trades: this.trades,
      equityPoints: this.equityValues.length,
    };
  }

  /** Downloads new bars for every symbol; false when the round was cancelled (the iteration is dropped). */
  private async downloadRound(kind: RoundKind): Promise<boolean> {
    if (this.stopRequested) return false;
    this.roundKind = kind;
    const historyStart = this.deps.clock.now() - this.options.periodDays * DAY_MS;
    const result = await this.deps.downloader.runRound<Bar[]>(
      kind,
      this.symbols,
      (symbol, signal) => {
        const index = this.indexBySymbol.get(symbol) as number;
        const seen = this.lastSeen[index] as number;
        return this.deps.market.fetchBars({
          symbol,
          timeframe: this.options.timeframe,
          after: Math.max(seen, historyStart),
          signal,
        });
      },
      (symbol, bars) => {
        if (bars.length > 0) this.received[this.indexBySymbol.get(symbol) as number] = bars;
      },
      (bars) => bars.length,
    );
    this.emit({
      type: 'round',
      kind,
      total: result.total,
      counts: result.counts,
      bars: result.bars,
      elapsedMs: result.elapsedMs,
      barsPerSecond: result.elapsedMs > 0 ? (result.bars * 1000) / result.elapsedMs : 0,
      concurrency: this.deps.downloader.concurrency,
    });
    if (result.cancelled) {
      this.received.fill(undefined);
      return false;
    }
    return true;
  }

  /**
   * Processes the round's bars in time order, all symbols of one time together. Bars older than the
   * newest step already processed (a symbol catching up after failures) only feed its signals.
   */
  private processReceived(trading: boolean): void {
    const count = this.symbols.length;
    this.cursor.fill(0);
    for (;;) {
      let stepTime = Number.POSITIVE_INFINITY;
      for (let s = 0; s < count; s++) {
        const bar = this.received[s]?.[this.cursor[s] as number];
        if (bar !== undefined && bar.time < stepTime) stepTime = bar.time;
      }
      if (stepTime === Number.POSITIVE_INFINITY) break;
      const catchingUp = stepTime <= this.marketTime;
      if (trading && !catchingUp) this.takeBrokerFills();
      for (let s = 0; s < count; s++) {
        const bars = this.received[s];
        const bar = bars?.[this.cursor[s] as number];
        if (bar === undefined || bar.time !== stepTime) continue;
        this.cursor[s] = (this.cursor[s] as number) + 1;
        const symbol = this.symbols[s] as string;
        if (trading && !catchingUp) {
          const fill = this.broker.onBar(symbol, bar);
          if (fill !== null) this.stepFills.push(fill);
        }
        const signals = this.signals[s] as SymbolSignals;
        signals.update(bar);
        this.universe.add(signals.lastReturn);
        this.portfolio.mark(symbol, bar.close);
        this.lastSeen[s] = bar.time;
      }
      this.applyStepFills();
      const symbolsWithReturns = this.universe.symbols;
      this.universe.finish(this.regimeFeatures);
      if (catchingUp) continue;
      this.marketTime = stepTime;
      if (symbolsWithReturns > 0) {
        const change = this.regime.update(stepTime, this.regimeFeatures);
        if (change !== null && trading) {
          if (this.deps.record !== undefined) this.pending.regimeChanges.push(change);
          this.emit({
            type: 'regime',
            time: isoTime(stepTime),
            from: change.from,
            to: change.to,
            confidence: change.confidence,
          });
          this.addEvent('regime', `${change.from} → ${change.to} (${Math.round(change.confidence * 100)}%)`);
        }
      }
      if (trading) {
        this.checkRisk(stepTime);
        this.placeOrders(stepTime);
      }
    }
    if (trading) {
      this.takeBrokerFills();
      this.applyStepFills();
    }
    this.received.fill(undefined);
  }

  private takeBrokerFills(): void {
    for (const fill of this.broker.takeFills()) this.stepFills.push(fill);
  }

  private takeNotices(): void {
    for (const order of this.broker.takeEndedOrders()) this.recordOrder({ ...order, status: 'cancelled' });
    for (const notice of this.broker.takeNotices()) {
      this.emit({ type: 'notice', kind: notice.kind, message: notice.message });
      this.addEvent(notice.kind, notice.message);
    }
  }

  /** True without market hours (the simulated market); reports each change of open/closed. */
  private async marketIsOpen(): Promise<boolean> {
    if (this.deps.marketHours === undefined) return true;
    const hours = await this.deps.marketHours.check();
    if (this.market?.open !== hours.open || this.market.nextOpen !== hours.nextOpen) {
      const changed = this.market?.open !== hours.open;
      this.market = hours;
      if (changed) {
        this.emit({ type: 'market', open: hours.open, nextOpen: isoTime(hours.nextOpen) });
        this.addEvent('info', hours.open ? 'market open' : `market closed; opens ${isoTime(hours.nextOpen)}`);
      }
      this.changed();
    }
    return hours.open;
  }

  /** The broker's account replaces the saved one: cash and positions as the broker has them. */
  private applyBrokerState(state: BrokerState): void {
    const positions = state.positions.map((p) => {
      const index = this.indexBySymbol.get(p.symbol);
      const last = index === undefined ? Number.NaN : (this.signals[index] as SymbolSignals).lastClose;
      return {
        symbol: p.symbol,
        qty: p.qty,
        avgPrice: p.avgPrice,
        lastPrice: last > 0 ? last : (p.lastPrice ?? p.avgPrice),
      };
    });
    this.portfolio.restore(state.cash, this.portfolio.realizedPnl, positions);
    for (const note of state.notes) {
      this.emit({ type: 'notice', kind: 'info', message: note });
      this.addEvent('info', note);
    }
  }

  private applyStepFills(): void {
    if (this.stepFills.length === 0) return;
    for (const fill of this.stepFills) if (fill.side === 'sell') this.applyFill(fill);
    for (const fill of this.stepFills) if (fill.side === 'buy') this.applyFill(fill);
    this.stepFills.length = 0;
  }

  /** Applies a fill, cut down to what is held (sells) or what the cash pays for at the fill price (buys). */
  private applyFill(fill: BrokerFill): void {
    const held = this.portfolio.position(fill.symbol)?.qty ?? 0;
    let qty = fill.qty;
    if (fill.side === 'sell') qty = Math.min(qty, held);
    // A real broker's fill happened: it is taken whole (the account's buying power allowed it).
    else if (!this.broker.fillsLater)
      while (qty > 0 && qty * fill.price + this.broker.feeFor(qty, fill.price) > this.portfolio.cash)
        qty = Math.min(qty - 1, Math.floor(this.portfolio.cash / fill.price));
    // An order cut to nothing (no cash, nothing held) did not fill: it is recorded as cancelled.
    this.recordOrder({ ...fill, status: qty > 0 ? 'filled' : 'cancelled' });
    if (qty <= 0) return;
    const applied = qty === fill.qty ? fill : { ...fill, qty, fee: this.broker.feeFor(qty, fill.price) };
    this.portfolio.applyFill(applied);
    if (this.deps.record !== undefined) this.pending.fills.push({ ...applied, regime: this.regime.regime });
    this.trades++;
    this.emit({
      type: 'fill',
      time: isoTime(fill.time),
      symbol: fill.symbol,
      side: fill.side,
      qty: applied.qty,
      price: applied.price,
      fee: applied.fee,
      cash: roundToCents(this.portfolio.cash),
    });
    this.addEvent(
      'fill',
      `${fill.side === 'buy' ? 'BUY ' : 'SELL'} ${applied.qty} ${fill.symbol} @ ${applied.price.toFixed(2)}`,
    );
  }

  private checkRisk(time: number): void {
    const action = this.risk.check(time, this.portfolio.equity());
    if (action === null) return;
    this.emit({
      type: 'risk',
      time: isoTime(time),
      action: action.action,
      reason: action.reason,
      equity: roundToCents(action.equity),
    });
    this.addEvent(
      'risk',
      action.action === 'halt'
        ? `trading halted: ${action.reason}; selling all positions`
        : `trading resumed: ${action.reason}`,
    );
  }

  /** Chooses the symbols to hold and sends the orders that move the portfolio there (sells first). */
  private placeOrders(time: number): void {
    const params = this.regime.params;
    const count = this.symbols.length;
    let chosen = 0;
    for (let s = 0; s < count; s++) {
      const holding = this.portfolio.position(this.symbols[s] as string) !== undefined;
      const hold = this.risk.haltReason === null && wantsToHold(this.signals[s] as SymbolSignals, params, holding);
      this.holdFlags[s] = hold ? 1 : 0;
      if (hold) chosen++;
    }
    const weight = this.risk.weightPerPosition(chosen, params.maxGrossExposure);
    const equity = this.portfolio.equity();
    let cash = this.portfolio.cash;
    for (let pass = 0; pass < 2; pass++) {
      const selling = pass === 0;
      for (let s = 0; s < count; s++) {
        const symbol = this.symbols[s] as string;
        const price = (this.signals[s] as SymbolSignals).lastClose;
        if (!(price > 0)) continue;
        if (!this.broker.accepts(symbol)) continue;
        const pending = this.broker.fillsLater ? this.broker.working(symbol) : undefined;
        if (pending !== undefined) {
          if (selling && pending.side === 'sell') cash += pending.qty * price;
          else if (!selling && pending.side === 'buy') cash -= pending.qty * price;
          continue;
        }
        const held = this.portfolio.position(symbol)?.qty ?? 0;
        const target = this.targetQuantity(this.holdFlags[s] === 1, held, Math.floor((weight * equity) / price));
        const delta = target - held;
        if (delta === 0) {
          this.cancelOrder(symbol);
          continue;
        }
        if (selling && delta < 0) {
          this.submitOrder(symbol, 'sell', -delta, time);
          cash += -delta * price;
        } else if (!selling && delta > 0) {
          const affordable = Math.floor((cash * (1 - CASH_BUFFER)) / price);
          const qty = Math.min(delta, affordable);
          if (qty > 0) {
            this.submitOrder(symbol, 'buy', qty, time);
            cash -= qty * price;
          } else {
            this.cancelOrder(symbol);
          }
        }
      }
    }
  }

  private submitOrder(symbol: string, side: 'buy' | 'sell', qty: number, time: number): void {
    const order: MarketOrder = {
      clientOrderId: `${this.options.orderIdPrefix ?? 'tt-'}${++this.orderSeq}`,
      symbol,
      side,
      qty,
      time,
    };
    const replaced = this.broker.submit(order);
    if (replaced !== undefined) this.recordOrder({ ...replaced, status: 'replaced' });
    this.recordOrder({ ...order, status: 'working' });
  }

  private cancelOrder(symbol: string): void {
    const cancelled = this.broker.cancel(symbol);
    if (cancelled !== undefined) this.recordOrder({ ...cancelled, status: 'cancelled' });
  }

  private recordOrder(order: MarketOrder & { readonly status: OrderStatus }): void {
    if (this.deps.record === undefined) return;
    const { clientOrderId, time, symbol, side, qty, status } = order;
    this.pending.orders.push({ clientOrderId, time, symbol, side, qty, status });
  }

  /** Continues a saved run: portfolio, working orders, counters, equity history, regime, risk. */
  private applyResume(resume: ResumeState): void {
    const saved = resume.checkpoint;
    this.portfolio.restore(saved.cash, saved.realizedPnl, saved.positions);
    for (const p of saved.positions) {
      const index = this.indexBySymbol.get(p.symbol);
      const last = index === undefined ? Number.NaN : (this.signals[index] as SymbolSignals).lastClose;
      if (last > 0) this.portfolio.mark(p.symbol, last);
    }
    this.broker.restoreWorking(saved.workingOrders);
    this.iteration = saved.iteration;
    this.trades = saved.trades;
    this.peakEquity = saved.peakEquity;
    this.maxDrawdown = saved.maxDrawdown;
    this.risk.restore(saved.risk);
    // Regime (issue 9): the saved model, then the regime in force as the checkpoint has it.
    if (resume.regimeModel !== undefined && this.regime.restoreModel(resume.regimeModel)) {
      this.regimeFitsRecorded = this.regime.fitCount;
      this.regimeFitsAnnounced = this.regime.fitCount;
      this.addEvent('info', 'regime model restored from the saved run');
    }
    this.regime.restore(saved.regime, resume.regimeHistory);
    for (let i = 0; i < resume.equityValues.length; i++) {
      this.equityTimes.push(resume.equityTimes[i] as number);
      this.equityValues.push(resume.equityValues[i] as number);
    }
    for (const event of resume.events) this.events.push(event);
    this.eventSeq = resume.events.at(-1)?.seq ?? 0;
    this.addEvent(
      'info',
      `resumed at iteration ${saved.iteration}: equity ${roundToCents(this.portfolio.equity()).toFixed(2)}, ${saved.positions.length} positions, ${saved.workingOrders.length} working orders`,
    );
  }

  private checkpoint(): Checkpoint {
    const market = this.deps.marketCheckpoint?.();
    if (market === undefined) throw new Error('a trading record needs the market checkpoint');
    return {
      iteration: this.iteration,
      marketTime: this.marketTime,
      cash: this.portfolio.cash,
      realizedPnl: this.portfolio.realizedPnl,
      positions: [...this.portfolio.positions()].map((p) => ({ ...p })),
      workingOrders: this.broker.workingOrders(),
      regime: {
        current: this.regime.regime,
        since: this.regime.since,
        bars: this.regime.bars,
        // Regime (issue 9): what the panel shows, for watch.
        posterior: this.regime.posterior().map(round3),
        learning: this.regime.learning,
        expectedRemainingBars: Math.round(this.regime.expectedRemainingBars),
        ...(this.regime.truth === null ? {} : { truth: this.regime.truth }),
      },
      peakEquity: this.peakEquity,
      maxDrawdown: this.maxDrawdown,
      trades: this.trades,
      risk: this.risk.state(),
      market,
    };
  }

  /** Hands the iteration's history to the record; resolves when the loop may go on. */
  private recordIteration(equity: number): Promise<void> | undefined {
    const record = this.deps.record;
    if (record === undefined) return undefined;
    const { events, orders, fills, regimeChanges } = this.pending;
    this.pending.events = [];
    this.pending.orders = [];
    this.pending.fills = [];
    this.pending.regimeChanges = [];
    // Regime (issue 9): a fit put in force since the last iteration is saved with the run.
    const regimeModel = this.regime.fitCount === this.regimeFitsRecorded ? null : this.regime.savedModel();
    this.regimeFitsRecorded = this.regime.fitCount;
    return record.record({
      iteration: this.iteration,
      time: this.marketTime,
      equity,
      cash: this.portfolio.cash,
      regime: this.regime.regime,
      events,
      orders,
      fills,
      regimeChanges,
      ...(regimeModel === null ? {} : { regimeModel }),
      checkpoint: this.checkpoint(),
    });
  }

  /**
   * Positions are sized when opened and afterwards only trimmed when they outgrow their weight by
   * more than the tolerance (a lower regime cap, more positions, a rally): no churn of small top-ups.
   */
  private targetQuantity(hold: boolean, held: number, sizedQuantity: number): number {
    if (!hold) return 0;
    if (held === 0) return sizedQuantity;
    return held > sizedQuantity * (1 + REBALANCE_TOLERANCE) ? sizedQuantity : held;
  }

  /** Ends the iteration; a returned promise means the record's writer is behind and the loop should wait. */
  private finishIteration(): Promise<void> | undefined {
    this.iteration++;
    // Regime (issue 9): say when a (re)fitted model is put in force; score against the simulator's truth.
    if (this.regime.fitCount !== this.regimeFitsAnnounced) {
      this.addEvent(
        'info',
        `regime model ${this.regimeFitsAnnounced === 0 ? 'fitted' : 'refitted'} on ${this.regime.fittedBars.toLocaleString('en-US')} bars`,
      );
      this.regimeFitsAnnounced = this.regime.fitCount;
    }
    const trueRegime = this.deps.trueRegime?.();
    if (trueRegime !== undefined) this.regime.scoreTruth(trueRegime);
    const equity = this.portfolio.equity();
    this.equityTimes.push(this.marketTime);
    this.equityValues.push(equity);
    if (equity > this.peakEquity) this.peakEquity = equity;
    const drawdown = this.peakEquity > 0 ? 1 - equity / this.peakEquity : 0;
    if (drawdown > this.maxDrawdown) this.maxDrawdown = drawdown;
    const now = performance.now();
    if (now - this.memorySampledAt >= MEMORY_SAMPLE_MS) {
      this.memory = this.readMemory();
      this.memorySampledAt = now;
    }
    this.emit({
      type: 'iteration',
      i: this.iteration,
      time: isoTime(this.marketTime),
      equity: roundToCents(equity),
      cash: roundToCents(this.portfolio.cash),
      regime: this.regime.regime,
      confidence: round3(this.regime.confidence),
      ...(trueRegime === undefined ? {} : { trueRegime }),
      positions: this.portfolio.positionCount,
      heapUsed: this.memory.heapUsed,
      rss: this.memory.rss,
    });
    this.changed();
    return this.recordIteration(equity);
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

  private addEvent(kind: EngineEventKind, message: string): void {
    const event = { seq: ++this.eventSeq, time: this.marketTime, kind, message };
    this.events.push(event);
    if (this.deps.record !== undefined) this.pending.events.push(event);
    this.changed();
  }

  private emit(event: LoopEvent): void {
    for (const listener of this.loopListeners) listener(event);
  }

  private changed(): void {
    this.version++;
    for (const listener of this.listeners) listener();
  }
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const round3 = (value: number): number => Math.round(value * 1000) / 1000;
