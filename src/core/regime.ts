/**
 * Market regime detection and the adaptive controller.
 *
 * The detector reads one market-wide return per bar (the mean log return of the universe) and scores
 * four regimes from two features: the trend's t-statistic over a window, and short-term volatility
 * against a slow, outlier-clipped baseline. Scores are smoothed and a switch needs both a margin and a
 * minimum number of consecutive bars, so the regime does not flap.
 */
import { Ema, RollingStats } from './indicators.js';
import { Ring } from './ring-buffer.js';
import { REGIME_NAMES, type RegimeName, type StrategyParams } from './regime-types.js';
import { REGIME_HISTORY_CAPACITY } from './limits.js';

export { REGIME_NAMES, type RegimeName, type StrategyParams } from './regime-types.js';

export interface RegimeDetectorConfig {
  /** Bars in the trend and short-volatility window. */
  readonly window: number;
  /** Bars over which the volatility baseline adapts. */
  readonly baselinePeriod: number;
  /** Short volatility over baseline above which the market is volatile. */
  readonly volatileRatio: number;
  /** |t-statistic| of the mean return above which the market trends. */
  readonly trendT: number;
  /** Bars of score smoothing. */
  readonly smoothing: number;
  /** Consecutive bars a new regime must lead before it is adopted. */
  readonly minDwell: number;
  /** How far the challenger's smoothed score must exceed the current regime's. */
  readonly switchMargin: number;
}

export const DEFAULT_DETECTOR_CONFIG: RegimeDetectorConfig = {
  window: 32,
  baselinePeriod: 600,
  volatileRatio: 1.7,
  trendT: 1.3,
  smoothing: 6,
  minDwell: 4,
  switchMargin: 0.1,
};

export interface RegimeReading {
  readonly regime: RegimeName;
  readonly confidence: number;
  /** Set when this bar changed the regime. */
  readonly changedFrom: RegimeName | null;
}

const logistic = (x: number): number => 1 / (1 + Math.exp(-x));

export class RegimeDetector {
  private readonly returns: RollingStats;
  private baselineVariance = Number.NaN;
  private readonly baselineAlpha: number;
  private readonly smoothed: Ema[];
  private current: RegimeName = 'range';
  private challenger: RegimeName | null = null;
  private challengerBars = 0;
  private barsSeen = 0;

  constructor(readonly config: RegimeDetectorConfig = DEFAULT_DETECTOR_CONFIG) {
    this.returns = new RollingStats(config.window);
    this.baselineAlpha = 2 / (config.baselinePeriod + 1);
    this.smoothed = REGIME_NAMES.map(() => new Ema(config.smoothing));
  }

  get regime(): RegimeName {
    return this.current;
  }

  get confidence(): number {
    const score = this.smoothed[REGIME_NAMES.indexOf(this.current)]?.value ?? Number.NaN;
    return Number.isNaN(score) ? 0 : score;
  }

  get warmedUp(): boolean {
    return this.returns.ready && this.barsSeen >= this.config.window * 2;
  }

  /** Feeds one market return (log return of the universe over the bar). */
  update(marketReturn: number): RegimeReading {
    this.barsSeen++;
    this.returns.update(marketReturn);
    const variance = marketReturn * marketReturn;
    if (Number.isNaN(this.baselineVariance)) {
      // Start from the first full window's variance: one bar's square can be near zero, and the
      // clipped baseline would then take thousands of bars to climb out, calling everything volatile.
      if (this.returns.ready) this.baselineVariance = this.returns.stdDev ** 2;
    } else {
      // Clip what a volatile spell feeds the baseline, or the baseline would rise to meet it.
      const clipped = Math.min(variance, this.baselineVariance * this.config.volatileRatio ** 2);
      this.baselineVariance += this.baselineAlpha * (clipped - this.baselineVariance);
    }
    if (!this.returns.ready) return { regime: this.current, confidence: this.confidence, changedFrom: null };

    const scores = this.score();
    let leader = 0;
    for (let i = 0; i < scores.length; i++) {
      const smoothedScore = (this.smoothed[i] as Ema).update(scores[i] as number);
      if (smoothedScore > ((this.smoothed[leader] as Ema).value ?? 0)) leader = i;
    }
    const leaderName = REGIME_NAMES[leader] as RegimeName;
    return this.applyHysteresis(leaderName);
  }

  private score(): number[] {
    const sd = this.returns.stdDev;
    const baseline = Math.sqrt(this.baselineVariance);
    const volRatio = baseline > 0 ? sd / baseline : 1;
    const t = sd > 0 ? (this.returns.mean / sd) * Math.sqrt(this.returns.count) : 0;
    const pVolatile = logistic((volRatio - this.config.volatileRatio) / 0.12);
    const pUp = logistic((t - this.config.trendT) / 0.35);
    const pDown = logistic((-t - this.config.trendT) / 0.35);
    const pRange = Math.max(0, 1 - pUp - pDown);
    const calm = 1 - pVolatile;
    // Order matches REGIME_NAMES: trend-up, trend-down, range, volatile.
    return [calm * pUp, calm * pDown, calm * pRange, pVolatile];
  }

  /** Sets the regime a restart had (the detector's statistics come back by warming up on history). */
  restoreRegime(regime: RegimeName): void {
    this.current = regime;
    this.challenger = null;
    this.challengerBars = 0;
  }

  private applyHysteresis(leader: RegimeName): RegimeReading {
    if (leader === this.current) {
      this.challenger = null;
      this.challengerBars = 0;
      return { regime: this.current, confidence: this.confidence, changedFrom: null };
    }
    const leaderScore = (this.smoothed[REGIME_NAMES.indexOf(leader)] as Ema).value;
    const currentScore = this.confidence;
    if (leaderScore - currentScore < this.config.switchMargin) {
      return { regime: this.current, confidence: this.confidence, changedFrom: null };
    }
    if (this.challenger === leader) {
      this.challengerBars++;
    } else {
      this.challenger = leader;
      this.challengerBars = 1;
    }
    if (this.challengerBars < this.config.minDwell) {
      return { regime: this.current, confidence: this.confidence, changedFrom: null };
    }
    const from = this.current;
    this.current = leader;
    this.challenger = null;
    this.challengerBars = 0;
    return { regime: this.current, confidence: this.confidence, changedFrom: from };
  }
}

/** What the controller puts in force for each regime. */
export const PARAMS_BY_REGIME: Readonly<Record<RegimeName, StrategyParams>> = {
  'trend-up': { style: 'momentum', maxGrossExposure: 1.0, entryThreshold: 0.5, exitThreshold: 0.0 },
  'trend-down': { style: 'defensive', maxGrossExposure: 0.2, entryThreshold: 1.5, exitThreshold: 0.5 },
  range: { style: 'mean-reversion', maxGrossExposure: 0.6, entryThreshold: 1.5, exitThreshold: 0.25 },
  volatile: { style: 'defensive', maxGrossExposure: 0.3, entryThreshold: 2.0, exitThreshold: 0.75 },
};

export interface RegimeChangeRecord {
  readonly time: number;
  readonly from: RegimeName;
  readonly to: RegimeName;
  readonly confidence: number;
}

/** Detects the regime bar by bar, keeps a bounded history of changes, and says which parameters apply. */
export class RegimeController {
  readonly detector: RegimeDetector;
  private readonly changes: Ring<RegimeChangeRecord>;
  private regimeStart = Number.NaN;
  private barsInRegime = 0;

  constructor(historyCapacity = REGIME_HISTORY_CAPACITY, config: RegimeDetectorConfig = DEFAULT_DETECTOR_CONFIG) {
    this.detector = new RegimeDetector(config);
    this.changes = new Ring(historyCapacity);
  }

  /** Returns the change record when this bar changed the regime. */
  update(time: number, marketReturn: number): RegimeChangeRecord | null {
    if (Number.isNaN(this.regimeStart)) this.regimeStart = time;
    const reading = this.detector.update(marketReturn);
    if (reading.changedFrom === null) {
      this.barsInRegime++;
      return null;
    }
    const change = { time, from: reading.changedFrom, to: reading.regime, confidence: reading.confidence };
    this.changes.push(change);
    this.regimeStart = time;
    this.barsInRegime = 1;
    return change;
  }

  get regime(): RegimeName {
    return this.detector.regime;
  }

  get confidence(): number {
    return this.detector.confidence;
  }

  get since(): number {
    return this.regimeStart;
  }

  get bars(): number {
    return this.barsInRegime;
  }

  get params(): StrategyParams {
    return PARAMS_BY_REGIME[this.detector.regime];
  }

  history(): RegimeChangeRecord[] {
    return this.changes.toArray();
  }

  /** Puts back the state a restart saved: the regime, when it began, and the history of changes. */
  restore(state: { current: RegimeName; since: number; bars: number }, history: readonly RegimeChangeRecord[]): void {
    this.detector.restoreRegime(state.current);
    this.regimeStart = state.since;
    this.barsInRegime = state.bars;
    this.changes.clear();
    for (const change of history) this.changes.push(change);
  }
}
