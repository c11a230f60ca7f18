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
  const cursor = new Int32Array(count);
  // One bar object per symbol, rewritten at each of its bars: the Trader reads a step's bars only during the step.
  const barOf = series.map((): MutableBar => ({ time: 0, open: 0, high: 0, low: 0, close: 0, volume: 0 }));
  const stepBars = new Array<Bar | undefined>(count).fill(undefined);
  for (let step = 0; step < steps.length; step++) {
    const time = steps[step] as number;
    for (let s = 0; s < count; s++)
      stepBars[s] = barAt(series[s] as SymbolBars, cursor, s, time, barOf[s] as MutableBar);
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

type MutableBar = { -readonly [K in keyof Bar]: Bar[K] };

/** The symbol's bar at `time` written into `bar`, if it has one (its cursor then moves past it). */
function barAt(series: SymbolBars, cursor: Int32Array, s: number, time: number, bar: MutableBar): Bar | undefined {
  const i = cursor[s] as number;
  if (i >= series.time.length || series.time[i] !== time) return undefined;
  cursor[s] = i + 1;
  bar.time = time;
  bar.open = series.open[i] as number;
  bar.high = series.high[i] as number;
  bar.low = series.low[i] as number;
  bar.close = series.close[i] as number;
  bar.volume = series.volume[i] as number;
  return bar;
}
