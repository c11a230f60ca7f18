/**
 * The Trader: the trading decisions, bar by bar, with no I/O, no timers and no promises. Each time
 * step: fills at the open → signals → marks at the closes → regime → risk → orders. The loop (live) and the
 * backtests (bars in memory) drive the same Trader; what happens is told as typed events.
 */
import type { Bar, BarColumns, MarketOrder } from '../core/model.js';
import { Portfolio } from '../core/portfolio.js';
import { RegimeController, type RegimeChangeRecord, type RegimeDetectorConfig } from '../core/regime.js';
import type { PosteriorTape } from '../core/hmm/posterior-tape.js';
import { RiskManager, type RiskLimits } from '../core/risk.js';
import {
  buyFillQuantity,
  NO_ORDER,
  OrderPlanner,
  PENDING_BUY,
  PENDING_SELL,
  SIZING_MARGIN,
} from '../core/order-plan.js';
import { SymbolSignals, wantsToHold } from '../core/strategy.js';
import { FEATURE_COUNT, UniverseFeatures, type FactorLoadings } from '../core/hmm/features.js';
import { roundToCents } from '../core/units.js';
import type { Broker, BrokerFill, BrokerState } from './broker.js';
import type { Checkpoint } from './checkpoint.js';
import { saveLoadings } from '../core/hmm/saved-model.js';
import { isoTime, type LoopEvent } from './loop-events.js';
import type { FillRecord, OrderRecord, OrderStatus } from './trading-record.js';
import type { BackfillWarmup } from './backfill-warmup.js';

export interface TraderOptions {
  readonly symbols: readonly string[];
  readonly startingCash: number;
  readonly risk: RiskLimits;
  /** Regime changes kept. */
  readonly regimeHistoryCapacity: number;
  /** The regime detector's settings (a tuned profile), else the defaults. */
  readonly detectorConfig?: RegimeDetectorConfig;
  /** A backtest's regime model side, shared by the settings of one window (see core/hmm/posterior-tape.ts). */
  readonly regimeTape?: PosteriorTape;
  /** Start of every client order id; unique per run so ids never repeat across restarts. */
  readonly orderIdPrefix?: string;
}

/** Where the Trader tells what happened. Without it (a backtest) nothing is told. */
export interface TraderListener {
  /** A happening: a fill, a regime change, a risk action, a broker's notice. */
  event(event: LoopEvent): void;
  /** Rows for the record: orders and their status changes, fills, regime changes, in the order they happened. */
  order(order: OrderRecord): void;
  fill(fill: FillRecord): void;
  regimeChange(change: RegimeChangeRecord): void;
}

/** What a saved run's Trader continues from (the checkpoint's trading part). */
export type TraderState = Pick<
  Checkpoint,
  | 'cash'
  | 'realizedPnl'
  | 'positions'
  | 'workingOrders'
  | 'regime'
  | 'peakEquity'
  | 'maxDrawdown'
  | 'trades'
  | 'risk'
  | 'buysOff'
>;

/** A sell the kill switch sent (or found already working) for a held position. */
export interface ClosingSell {
  readonly symbol: string;
  readonly qty: number;
}

export class Trader {
  readonly symbols: readonly string[];
  readonly portfolio: Portfolio;
  readonly regime: RegimeController;
  private readonly risk: RiskManager;
  private readonly signals: SymbolSignals[];
  private readonly indexBySymbol: ReadonlyMap<string, number>;
  /** Time of the newest bar seen, by symbol index. */
  private readonly lastSeen: Float64Array;
  /** Fills of the current time step, applied sells first so their cash pays for the buys. */
  private readonly stepFills: BrokerFill[] = [];
  /** The bars of one time step, by symbol index (processRound's scratch). */
  private readonly stepBars: (Bar | undefined)[];
  private readonly cursor: Int32Array;
  /** The universe's per-bar features for the regime detector, reused every step. */
  private readonly universe = new UniverseFeatures();
  private readonly regimeFeatures = new Float64Array(FEATURE_COUNT);
  /** The order plan's columns, reused every step. */
  private readonly planner: OrderPlanner;
  private orderSeq = 0;
  private tradeCount = 0;
  private peakEquity: number;
  private drawdown = 0;
  /** Market time of the newest step traded (epoch ms). */
  private time = Number.NaN;
  /** New buys stopped by the user (the kill switch); sells and the strategy's exits go on. */
  private newBuysOff = false;
  /** The kill switch is selling everything: set until nothing is held or working. */
  private closingAll = false;
  /**
   * Every position is valued at its symbol's latest close: nothing has changed a close or a position
   * since the last markAtCloses (marking again would change nothing).
   */
  private marked = false;

  constructor(
    readonly options: TraderOptions,
    private readonly broker: Broker,
    private readonly listener: TraderListener | null = null,
  ) {
    this.symbols = options.symbols;
    const count = options.symbols.length;
    this.indexBySymbol = new Map(options.symbols.map((symbol, index) => [symbol, index]));
    this.signals = options.symbols.map(() => new SymbolSignals());
    this.lastSeen = new Float64Array(count).fill(Number.NEGATIVE_INFINITY);
    this.stepBars = new Array<Bar | undefined>(count).fill(undefined);
    this.cursor = new Int32Array(count);
    this.planner = new OrderPlanner(count);
    this.portfolio = new Portfolio(options.startingCash, options.symbols);
    this.regime = new RegimeController(options.regimeHistoryCapacity, options.detectorConfig, options.regimeTape);
    this.risk = new RiskManager(options.risk, options.startingCash);
    this.peakEquity = options.startingCash;
  }

  get marketTime(): number {
    return this.time;
  }

  get trades(): number {
    return this.tradeCount;
  }

  get maxDrawdown(): number {
    return this.drawdown;
  }

  get haltReason(): string | null {
    return this.risk.haltReason;
  }

  get buysOff(): boolean {
    return this.newBuysOff;
  }

  /** Stops (true) or restarts (false) new buys: no buy order is sent while off. */
  setBuysOff(off: boolean): void {
    this.newBuysOff = off;
  }

  /**
   * The kill switch: a market sell of every held position now, through the same order path as the
   * strategy's, and no new buys after it (else the next bar would buy again). A working buy is
   * cancelled (or replaced by the sell); a sell already working for the whole position is left as it
   * is. Until nothing is held or working, each step sells again what a late fill left (a buy already on
   * its way to a real broker), instead of the strategy's orders. Returns the sells, in symbol order.
   */
  closeAllPositions(): ClosingSell[] {
    this.newBuysOff = true;
    this.closingAll = true;
    return this.sellEverything();
  }

  private sellEverything(): ClosingSell[] {
    const sells: ClosingSell[] = [];
    for (let s = 0; s < this.symbols.length; s++) {
      const symbol = this.symbols[s] as string;
      const held = this.portfolio.position(symbol)?.qty ?? 0;
      const working = this.broker.working(symbol);
      if (held <= 0) {
        if (working?.side === 'buy') this.cancelOrder(symbol);
        continue;
      }
      if (working?.side === 'sell' && working.qty >= held) {
        sells.push({ symbol, qty: working.qty });
        continue;
      }
      this.submitOrder(s, 'sell', held, this.time, Number.NaN);
      sells.push({ symbol, qty: held });
    }
    if (sells.length === 0 && this.broker.workingOrders().length === 0) this.closingAll = false;
    return sells;
  }

  /** Time of the newest bar the symbol has had (−Infinity before its first). */
  lastSeenOf(symbol: string): number {
    return this.lastSeen[this.indexBySymbol.get(symbol) as number] as number;
  }

  /**
   * Processes a round of bars (each symbol's, oldest first) in time order, all symbols of one time
   * together. Bars older than the newest step already processed (a symbol catching up after
   * failures) only feed its signals. `trading` false: history (no fills, no orders, no events).
   */
  processRound(received: readonly (readonly Bar[] | undefined)[], trading: boolean): void {
    const count = this.symbols.length;
    const stepBars = this.stepBars;
    this.cursor.fill(0);
    for (;;) {
      let stepTime = Number.POSITIVE_INFINITY;
      for (let s = 0; s < count; s++) {
        const bar = received[s]?.[this.cursor[s] as number];
        if (bar !== undefined && bar.time < stepTime) stepTime = bar.time;
      }
      if (stepTime === Number.POSITIVE_INFINITY) break;
      for (let s = 0; s < count; s++) {
        const bar = received[s]?.[this.cursor[s] as number];
        if (bar === undefined || bar.time !== stepTime) {
          stepBars[s] = undefined;
          continue;
        }
        this.cursor[s] = (this.cursor[s] as number) + 1;
        stepBars[s] = bar;
      }
      this.step(stepTime, stepBars, trading);
    }
    stepBars.fill(undefined);
    if (trading) this.settleFills();
  }

  /**
   * History streamed in (the backfill, issue 11): a symbol's bars feed its signals as they arrive; the
   * regime's inputs wait in `warmup` until finishHistory. The same state as processRound(…, false).
   */
  takeHistory(symbol: string, bars: BarColumns, warmup: BackfillWarmup): void {
    const index = this.indexBySymbol.get(symbol) as number;
    if (bars.length === 0) return;
    warmup.take(index, bars, this.signals[index] as SymbolSignals);
    this.marked = false;
    this.lastSeen[index] = bars.time[bars.length - 1] as number;
  }

  /** The regime detector's features from the next bar on: with these factor loadings, or plain (null). */
  useLoadings(loadings: FactorLoadings | null): void {
    this.universe.useLoadings(loadings);
    this.regime.useFeatures(this.universe.names, loadings);
  }

  /**
   * The regime detector warms up on the history's features, in time order. `loadings`: 'estimate' (a
   * fresh run: from this history), or a resumed run's own (null: it had the plain features).
   */
  finishHistory(warmup: BackfillWarmup, loadings: FactorLoadings | null | 'estimate' = 'estimate'): void {
    const chosen = loadings === 'estimate' ? warmup.estimateLoadings() : loadings;
    this.useLoadings(chosen);
    for (const { time, features, symbols } of warmup.steps(chosen)) {
      if (time <= this.time) continue;
      this.time = time;
      if (symbols > 0) this.regime.update(time, features);
    }
    this.markAtCloses();
  }

  /**
   * One time step: `bars[s]` is symbol s's bar at `time`, or undefined when it has none. The bars are
   * read during the call only (a backtest hands over the same object per symbol at every step).
   */
  step(time: number, bars: readonly (Bar | undefined)[], trading: boolean): void {
    const count = this.symbols.length;
    const catchingUp = time <= this.time;
    if (trading && !catchingUp) this.takeBrokerFills();
    for (let s = 0; s < count; s++) {
      const bar = bars[s];
      if (bar === undefined) continue;
      const symbol = this.symbols[s] as string;
      if (trading && !catchingUp) {
        const fill = this.broker.onBar(symbol, bar);
        if (fill !== null) this.stepFills.push(fill);
      }
      const signals = this.signals[s] as SymbolSignals;
      signals.update(bar);
      this.marked = false;
      this.universe.add(signals.lastReturn, s, Math.log(bar.close / bar.open), bar.volume);
      this.lastSeen[s] = bar.time;
    }
    this.applyStepFills();
    this.markAtCloses();
    const symbolsWithReturns = this.universe.symbols;
    this.universe.finish(this.regimeFeatures);
    if (catchingUp) return;
    this.time = time;
    if (symbolsWithReturns > 0) {
      const change = this.regime.update(time, this.regimeFeatures);
      if (change !== null && trading && this.listener !== null) {
        this.listener.regimeChange(change);
        this.listener.event({
          type: 'regime',
          time: isoTime(time),
          from: change.from,
          to: change.to,
          confidence: change.confidence,
        });
      }
    }
    if (trading) {
      this.checkRisk(time);
      this.placeOrders(time);
    }
  }

  /** Takes the fills a real broker has handed over since the last step, and applies them. */
  settleFills(): void {
    this.takeBrokerFills();
    this.applyStepFills();
    this.markAtCloses();
  }

  /** Orders the broker ended without a fill, and its notices. */
  takeNotices(): void {
    for (const order of this.broker.takeEndedOrders()) this.recordOrder(order, 'cancelled');
    for (const notice of this.broker.takeNotices())
      this.listener?.event({ type: 'notice', kind: notice.kind, message: notice.message });
  }

  /** Ends an iteration: its equity, the peak and the largest drawdown so far. */
  closeIteration(): number {
    const equity = this.portfolio.equity();
    if (equity > this.peakEquity) this.peakEquity = equity;
    const drawdown = this.peakEquity > 0 ? 1 - equity / this.peakEquity : 0;
    if (drawdown > this.drawdown) this.drawdown = drawdown;
    return equity;
  }

  /** Continues a saved run: portfolio, working orders, counters, regime, risk. */
  restore(saved: TraderState, regimeHistory: readonly RegimeChangeRecord[]): void {
    this.portfolio.restore(saved.cash, saved.realizedPnl, saved.positions);
    this.marked = false;
    for (const p of saved.positions) {
      const last = this.lastCloseOf(p.symbol);
      if (last > 0) this.portfolio.mark(p.symbol, last);
    }
    this.broker.restoreWorking(saved.workingOrders);
    this.tradeCount = saved.trades;
    this.peakEquity = saved.peakEquity;
    this.drawdown = saved.maxDrawdown;
    this.risk.restore(saved.risk);
    this.regime.restore(saved.regime, regimeHistory);
    this.newBuysOff = saved.buysOff === true;
  }

  /** The broker's account replaces the saved one: cash and positions as the broker has them. */
  applyBrokerState(state: BrokerState): void {
    const positions = state.positions.map((p) => {
      const last = this.lastCloseOf(p.symbol);
      return {
        symbol: p.symbol,
        qty: p.qty,
        avgPrice: p.avgPrice,
        lastPrice: last > 0 ? last : (p.lastPrice ?? p.avgPrice),
      };
    });
    this.portfolio.restore(state.cash, this.portfolio.realizedPnl, positions);
    this.marked = false;
    this.risk.useOpeningEquity(this.portfolio.equity());
    for (const note of state.notes) this.listener?.event({ type: 'notice', kind: 'info', message: note });
  }

  /** The trading part of a checkpoint. */
  state(): TraderState {
    return {
      cash: this.portfolio.cash,
      realizedPnl: this.portfolio.realizedPnl,
      positions: [...this.portfolio.positions()].map((p) => ({ ...p })),
      workingOrders: this.broker.workingOrders(),
      regime: {
        current: this.regime.regime,
        since: this.regime.since,
        bars: this.regime.bars,
        // What the regime panel shows, for watch (and the running score, for a resume).
        posterior: this.regime.posterior().map(round3),
        learning: this.regime.learning,
        expectedRemainingBars: Math.round(this.regime.expectedRemainingBars),
        ...(this.regime.truth === null ? {} : { truth: this.regime.truth }),
        ...(this.regime.detector.bars === 0 ? {} : { detector: this.regime.detector.resumeState() }),
        // The loadings go with each saved model; until there is one, with the checkpoint.
        ...(this.regime.learning && this.universe.factorLoadings !== null
          ? { loadings: saveLoadings(this.universe.factorLoadings) }
          : {}),
      },
      peakEquity: this.peakEquity,
      maxDrawdown: this.drawdown,
      trades: this.tradeCount,
      risk: this.risk.state(),
      buysOff: this.newBuysOff,
    };
  }

  private lastCloseOf(symbol: string): number {
    const index = this.indexBySymbol.get(symbol);
    return index === undefined ? Number.NaN : (this.signals[index] as SymbolSignals).lastClose;
  }

  /** The cap on the sum of positions in force: the lower of --max-exposure and the regime's. */
  exposureCap(): number {
    return Math.min(this.regime.params.maxGrossExposure, this.options.risk.maxGrossExposure);
  }

  /** The latest close of every symbol held or with a working order: what the equity and the orders were valued at. */
  closesInUse(): Record<string, number> {
    const closes: Record<string, number> = {};
    const add = (symbol: string): void => {
      const close = this.lastCloseOf(symbol);
      if (close > 0) closes[symbol] = close;
    };
    for (const position of this.portfolio.positions()) add(position.symbol);
    for (const order of this.broker.workingOrders()) add(order.symbol);
    return closes;
  }

  /**
   * Values every held position at its symbol's latest close. Runs after the step's fills, so a position
   * bought or sold in a bar is valued at the bar's close, never at its fill price.
   */
  private markAtCloses(): void {
    if (this.marked) return;
    this.marked = true;
    const count = this.symbols.length;
    for (let s = 0; s < count; s++) {
      const close = (this.signals[s] as SymbolSignals).lastClose;
      if (close > 0) this.portfolio.markAt(s, close);
    }
  }

  private takeBrokerFills(): void {
    for (const fill of this.broker.takeFills()) this.stepFills.push(fill);
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
    // A paper buy is cut to its position cap at the fill price, to what its order reserved, and to the cash.
    else if (!this.broker.fillsLater) {
      const order = fill.order;
      qty = buyFillQuantity({
        qty,
        price: fill.price,
        held,
        cash: this.portfolio.cash,
        maxValue: order?.maxValue ?? Number.NaN,
        reservedValue: order?.price === undefined ? Number.NaN : order.qty * order.price * (1 + SIZING_MARGIN),
        fees: this.broker,
      });
    }
    // An order cut to nothing (no cash, nothing held) did not fill: it is recorded as cancelled.
    this.recordOrder(fill, qty > 0 ? 'filled' : 'cancelled');
    if (qty <= 0) return;
    const applied = qty === fill.qty ? fill : { ...fill, qty, fee: this.broker.feeFor(qty, fill.price) };
    this.portfolio.applyFill(applied);
    this.marked = false;
    this.tradeCount++;
    const listener = this.listener;
    if (listener === null) return;
    const { order: _order, ...filled } = applied;
    listener.fill({ ...filled, regime: this.regime.regime });
    listener.event({
      type: 'fill',
      time: isoTime(fill.time),
      symbol: fill.symbol,
      side: fill.side,
      qty: applied.qty,
      price: applied.price,
      fee: applied.fee,
      cash: roundToCents(this.portfolio.cash),
    });
  }

  private checkRisk(time: number): void {
    for (const action of this.risk.check(time, this.portfolio.equity())) {
      this.listener?.event({
        type: 'risk',
        time: isoTime(time),
        action: action.action,
        reason: action.reason,
        equity: roundToCents(action.equity),
        base: roundToCents(action.base),
        loss: action.action === 'halt' ? action.loss : roundToCents(action.base - action.equity),
      });
    }
  }

  /** Chooses the symbols to hold and sends the orders the plan (core/order-plan) gives, sells first. */
  private placeOrders(time: number): void {
    if (this.closingAll) {
      this.sellEverything();
      return;
    }
    const params = this.regime.params;
    const count = this.symbols.length;
    const limits = this.options.risk;
    const planner = this.planner;
    const halted = this.risk.haltReason !== null;
    for (let s = 0; s < count; s++) {
      const symbol = this.symbols[s] as string;
      const signals = this.signals[s] as SymbolSignals;
      const price = signals.lastClose;
      const held = this.portfolio.heldAt(s);
      const working = this.broker.fillsLater ? this.broker.working(symbol) : undefined;
      planner.price[s] = price;
      planner.held[s] = held;
      planner.hold[s] = !halted && wantsToHold(signals, params, held > 0) ? 1 : 0;
      planner.tradable[s] = price > 0 && this.broker.accepts(symbol) ? 1 : 0;
      if (working === undefined) planner.pendingSide[s] = NO_ORDER;
      else {
        planner.pendingSide[s] = working.side === 'buy' ? PENDING_BUY : PENDING_SELL;
        planner.pendingQty[s] = working.qty;
        planner.pendingPrice[s] = working.price ?? Number.NaN;
      }
    }
    const equity = this.portfolio.equity();
    planner.plan(equity, this.portfolio.cash, limits.maxPositionFraction, this.exposureCap(), this.broker);
    const orders = planner.orders;
    const maxValue = limits.maxPositionFraction * equity;
    for (let s = 0; s < count; s++) {
      const qty = orders[s] as number;
      if (qty < 0) this.submitOrder(s, 'sell', -qty, time, maxValue);
    }
    for (let s = 0; s < count; s++) {
      const qty = orders[s] as number;
      // NaN: left alone.
      if (!(qty >= 0)) continue;
      if (qty > 0) {
        if (!this.newBuysOff) this.submitOrder(s, 'buy', qty, time, maxValue);
      } else this.cancelOrder(this.symbols[s] as string);
    }
  }

  private submitOrder(index: number, side: 'buy' | 'sell', qty: number, time: number, maxValue: number): void {
    const symbol = this.symbols[index] as string;
    const price = (this.signals[index] as SymbolSignals).lastClose;
    const order: MarketOrder = {
      clientOrderId: `${this.options.orderIdPrefix ?? 'tt-'}${++this.orderSeq}`,
      symbol,
      side,
      qty,
      time,
      price,
      ...(side === 'buy' ? { maxValue } : {}),
    };
    this.listener?.event({ type: 'order', time: isoTime(time), symbol, side, qty, price });
    const replaced = this.broker.submit(order);
    if (replaced !== undefined) this.recordOrder(replaced, 'replaced');
    this.recordOrder(order, 'working');
  }

  private cancelOrder(symbol: string): void {
    const cancelled = this.broker.cancel(symbol);
    if (cancelled !== undefined) this.recordOrder(cancelled, 'cancelled');
  }

  private recordOrder(order: OrderFields, status: OrderStatus): void {
    if (this.listener === null) return;
    const { clientOrderId, time, symbol, side, qty } = order;
    this.listener.order({ clientOrderId, time, symbol, side, qty, status });
  }
}

/** What an order record takes from an order or a fill. */
type OrderFields = Pick<MarketOrder, 'clientOrderId' | 'time' | 'symbol' | 'side' | 'qty'>;

const round3 = (value: number): number => Math.round(value * 1000) / 1000;
