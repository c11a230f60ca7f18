/**
 * A backtest: the engine's Trader driven directly over stored bars in memory, one time step after
 * another: no downloader, no timers, no promises. The first steps are history (signals and the
 * detector warm up, no trading); every later step trades and ends an iteration, exactly as the live
 * loop processes one refresh round per iteration.
 */
import type { Bar } from '../core/model.js';
import type { RegimeDetectorConfig } from '../core/regime.js';
import type { PosteriorTape } from '../core/hmm/posterior-tape.js';
import { DEFAULT_RISK_LIMITS } from '../core/risk.js';
import { PaperBroker } from '../broker/paper-broker.js';
import { Trader } from '../engine/trader.js';
import { unionOfTimes, type SymbolBars } from './replay-market.js';
import type { StoredBars } from './stored-bars.js';
import { REGIME_HISTORY_CAPACITY } from '../core/limits.js';
import { estimateLoadings, type FactorLoadings } from '../core/hmm/features.js';

export const BACKTEST_STARTING_CASH = 100_000;
/** Below this the drawdown is taken as this, so a config that barely trades cannot score infinitely. */
export const DRAWDOWN_FLOOR = 0.01;
export const OBJECTIVE = `return / max(max drawdown, ${DRAWDOWN_FLOOR * 100}%) of a backtest (Calmar-like)`;

export interface BacktestResult {
  readonly return: number;
  readonly maxDrawdown: number;
  readonly trades: number;
  readonly score: number;
}

export const scoreOf = (result: { return: number; maxDrawdown: number }): number =>
  result.return / Math.max(result.maxDrawdown, DRAWDOWN_FLOOR);

/** The share of the steps served as history (warming up signals and the detector, no trading). */
export const HISTORY_SHARE = 0.3;

export function historyBarsFor(steps: number): number {
  return Math.max(1, Math.floor(steps * HISTORY_SHARE));
}

/**
 * `steps`: every step's time (unionOfTimes of the series); a tuner computes it once for all its settings.
 * `tape`: the regime detector's model side for these bars and `config`'s window and refit settings,
 * recorded by the first backtest given it and replayed by the others (the same result, without refits).
 */
export function backtest(
  bars: StoredBars,
  config: RegimeDetectorConfig,
  steps: Float64Array = unionOfTimes(bars.series),
  tape?: PosteriorTape,
): BacktestResult {
  const series = bars.series;
  const historySteps = historyBarsFor(steps.length);
  const trader = new Trader(
    {
      symbols: series.map((s) => s.symbol),
      startingCash: BACKTEST_STARTING_CASH,
      risk: DEFAULT_RISK_LIMITS,
      regimeHistoryCapacity: REGIME_HISTORY_CAPACITY,
      detectorConfig: config,
      ...(tape === undefined ? {} : { regimeTape: tape }),
    },
    new PaperBroker(),
  );
  const count = series.length;
  // The detector's factor loadings from the history steps, as the live loop takes them from its backfill.
  trader.useLoadings(historyLoadings(series, steps, historySteps));
  const cursor = new Int32Array(count);
  // One bar object per symbol, moved to each of its bars: the Trader reads a step's bars only during the step.
  const barOf = series.map((s) => new ColumnBar(s));
  const stepBars = new Array<Bar | undefined>(count).fill(undefined);
  for (let step = 0; step < steps.length; step++) {
    const time = steps[step] as number;
    for (let s = 0; s < count; s++)
      stepBars[s] = barAt(series[s] as SymbolBars, cursor, s, time, barOf[s] as ColumnBar);
    const trading = step >= historySteps;
    if (!trading) {
      trader.step(time, stepBars, false);
      continue;
    }
    trader.takeNotices();
    trader.step(time, stepBars, true);
    trader.settleFills();
    trader.closeIteration();
  }
  const equity = trader.portfolio.equity();
  const result = { return: equity / BACKTEST_STARTING_CASH - 1, maxDrawdown: trader.maxDrawdown };
  return { ...result, trades: trader.trades, score: scoreOf(result) };
}

/** A symbol's bar at `index` of its columns, read when asked (the Trader reads only a few of its fields). */
class ColumnBar implements Bar {
  index = 0;

  constructor(private readonly series: SymbolBars) {}

  get time(): number {
    return this.series.time[this.index] as number;
  }

  get open(): number {
    return this.series.open[this.index] as number;
  }

  get high(): number {
    return this.series.high[this.index] as number;
  }

  get low(): number {
    return this.series.low[this.index] as number;
  }

  get close(): number {
    return this.series.close[this.index] as number;
  }

  get volume(): number {
    return this.series.volume[this.index] as number;
  }
}

/** The symbol's bar at `time` (`bar` moved to it), if it has one (its cursor then moves past it). */
function barAt(series: SymbolBars, cursor: Int32Array, s: number, time: number, bar: ColumnBar): Bar | undefined {
  const i = cursor[s] as number;
  if (i >= series.time.length || series.time[i] !== time) return undefined;
  cursor[s] = i + 1;
  bar.index = i;
  return bar;
}

/** Factor loadings from each symbol's log returns over the first `historySteps` steps (see hmm/features.ts). */
function historyLoadings(
  series: readonly SymbolBars[],
  steps: Float64Array,
  historySteps: number,
): FactorLoadings | null {
  const count = series.length;
  const cursor = new Int32Array(count);
  const lastClose = new Float64Array(count).fill(Number.NaN);
  const rows: Float64Array[] = [];
  const moves: Float64Array[] = [];
  const volumes: Float64Array[] = [];
  for (let step = 0; step < historySteps && step < steps.length; step++) {
    const time = steps[step] as number;
    const row = new Float64Array(count).fill(Number.NaN);
    const move = new Float64Array(count).fill(Number.NaN);
    const volume = new Float64Array(count).fill(Number.NaN);
    for (let s = 0; s < count; s++) {
      const bars = series[s] as SymbolBars;
      const i = cursor[s] as number;
      if (i >= bars.time.length || bars.time[i] !== time) continue;
      cursor[s] = i + 1;
      const close = bars.close[i] as number;
      row[s] = Math.log(close / (lastClose[s] as number));
      move[s] = Math.log(close / (bars.open[i] as number));
      volume[s] = bars.volume[i] as number;
      lastClose[s] = close;
    }
    rows.push(row);
    moves.push(move);
    volumes.push(volume);
  }
  return estimateLoadings(rows, count, { moves, volumes });
}
