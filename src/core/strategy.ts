/**
 * The strategy: per-symbol signals updated bar by bar, and the choice of which symbols to hold under
 * the parameters the regime controller has put in force.
 */
import { Ema, RollingStats } from './indicators.js';
import type { StrategyParams } from './regime-types.js';
import type { Bar } from './model.js';

export const FAST_PERIOD = 8;
export const SLOW_PERIOD = 30;
export const REVERSION_PERIOD = 20;

/** Incremental signals for one symbol: O(1) per bar. */
export class SymbolSignals {
  private readonly fast = new Ema(FAST_PERIOD);
  private readonly slow = new Ema(SLOW_PERIOD);
  private readonly closes = new RollingStats(REVERSION_PERIOD);
  private readonly returns = new RollingStats(REVERSION_PERIOD);
  lastClose = Number.NaN;
  /** Log return of the newest bar, close to close; NaN for the first. */
  lastReturn = Number.NaN;

  update(bar: Bar): void {
    this.updateClose(bar.close);
  }

  /** The signals use only the close (a backfill's bars come as columns). */
  updateClose(close: number): void {
    this.lastReturn = Number.isNaN(this.lastClose) ? Number.NaN : Math.log(close / this.lastClose);
    if (!Number.isNaN(this.lastReturn)) this.returns.update(this.lastReturn);
    this.lastClose = close;
    this.fast.update(close);
    this.slow.update(close);
    this.closes.update(close);
  }

  get ready(): boolean {
    return this.slow.ready && this.returns.ready;
  }

  /** Fast-over-slow EMA gap in units of the bar's return volatility: > 0 rising, < 0 falling. */
  trendStrength(): number {
    const volatility = this.returns.stdDev;
    if (!(volatility > 0)) return 0;
    return (this.fast.value - this.slow.value) / (this.lastClose * volatility * Math.sqrt(FAST_PERIOD));
  }

  /** Standard deviations of the close from its recent mean: < 0 cheap, > 0 rich. */
  stretch(): number {
    return this.closes.zScore(this.lastClose);
  }
}

/** Whether the strategy wants to hold the symbol after this bar. */
export function wantsToHold(signals: SymbolSignals, params: StrategyParams, holding: boolean): boolean {
  if (!signals.ready) return holding;
  if (params.style === 'mean-reversion') {
    const stretch = signals.stretch();
    return holding ? stretch < -params.exitThreshold : stretch < -params.entryThreshold;
  }
  const trend = signals.trendStrength();
  return holding ? trend > params.exitThreshold : trend > params.entryThreshold;
}
