/**
 * Market regime: the detector (an online 4-state HMM over the universe's per-bar features, in
 * ./hmm/) and the controller that keeps the regime in force, its bounded history of changes, the
 * parameters it puts in force and, with the simulated market, a running score against the truth.
 */
import { Ring } from './ring-buffer.js';
import type { RegimeName, StrategyParams } from './regime-types.js';
import { REGIME_HISTORY_CAPACITY } from './limits.js';
import { FEATURE_COUNT, FEATURE_NAMES, type FactorLoadings, type FeatureNames } from './hmm/features.js';
import {
  DEFAULT_HMM_SETTINGS,
  HmmRegimeDetector,
  type DetectorResumeState,
  type HeldFeatures,
  type HmmDetectorSettings,
} from './hmm/detector.js';
import { DEFAULT_FIT_OPTIONS } from './hmm/fit.js';
import type { PosteriorTape } from './hmm/posterior-tape.js';
import { readModel, saveModel, type SavedRegimeModel } from './hmm/saved-model.js';

export { REGIME_NAMES, type RegimeName, type StrategyParams } from './regime-types.js';

/** The detector's settings (a tuned profile saves these). */
export type RegimeDetectorConfig = HmmDetectorSettings;
export const DEFAULT_DETECTOR_CONFIG: RegimeDetectorConfig = DEFAULT_HMM_SETTINGS;

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
  readonly detector: HmmRegimeDetector;
  private readonly changes: Ring<RegimeChangeRecord>;
  private regimeStart = Number.NaN;
  private barsInRegime = 0;
  private truthNow: RegimeName | null = null;
  private truthBars = 0;
  private truthRight = 0;
  /** The features the detector is fed (the Trader sets them with the backfill's loadings). */
  private featureNames: FeatureNames = FEATURE_NAMES;
  private loadings: FactorLoadings | null = null;

  constructor(
    historyCapacity = REGIME_HISTORY_CAPACITY,
    config: RegimeDetectorConfig = DEFAULT_DETECTOR_CONFIG,
    /** A backtest's shared model side (see hmm/posterior-tape.ts). */
    tape?: PosteriorTape,
  ) {
    this.detector = new HmmRegimeDetector(FEATURE_COUNT, config, DEFAULT_FIT_OPTIONS, tape);
    this.changes = new Ring(historyCapacity);
  }

  /** One bar's universe features (see hmm/features.ts); returns the change record when the regime changed. */
  update(time: number, features: Float64Array): RegimeChangeRecord | null {
    if (Number.isNaN(this.regimeStart)) this.regimeStart = time;
    const changedFrom = this.detector.update(features);
    if (changedFrom === null) {
      this.barsInRegime++;
      return null;
    }
    const change = { time, from: changedFrom, to: this.detector.regime, confidence: this.detector.probability };
    this.changes.push(change);
    this.regimeStart = time;
    this.barsInRegime = 1;
    return change;
  }

  /**
   * The features the bars to come are computed as (and the loadings of the factor ones, saved with each
   * model); a saved model is put in force only when it is of these.
   */
  useFeatures(names: FeatureNames, loadings: FactorLoadings | null): void {
    this.featureNames = names;
    this.loadings = loadings;
  }

  get features(): FeatureNames {
    return this.featureNames;
  }

  /** Fits the model on the bars seen so far (the backfill) when it has none yet; the regime in force follows it. */
  fitOnHistory(time: number): void {
    if (!this.detector.learning) return;
    const before = this.detector.regime;
    if (this.detector.fitNow() && this.detector.regime !== before) {
      this.regimeStart = time;
      this.barsInRegime = 1;
    }
  }

  /** Bars the model in force was fitted on. */
  get fittedBars(): number {
    return this.detector.fittedBars;
  }

  /** Fits put in force so far (each is saved with the run). */
  get fitCount(): number {
    return this.detector.fitCount;
  }

  /** The model in force, as saved with the run; null while learning. */
  savedModel(): SavedRegimeModel | null {
    const params = this.detector.params;
    return params === null ? null : saveModel(params, this.featureNames, this.loadings);
  }

  /** Puts a saved model in force (a resume); false, and nothing changed, when it is not usable. */
  restoreModel(saved: unknown): boolean {
    const params = readModel(saved, this.featureNames);
    return params !== null && this.detector.restoreModel(params);
  }

  /**
   * Puts back a saved detector exactly (a resume): its state, the model in force (null while it was
   * learning) and its held bars' features. False, and nothing changed, when they do not fit together.
   */
  restoreDetector(state: DetectorResumeState, saved: unknown, held: HeldFeatures): boolean {
    const params = state.posterior === null ? null : readModel(saved, this.featureNames);
    if (state.posterior !== null && params === null) return false;
    return this.detector.restoreState(state, params, held);
  }

  /** Scores the regime in force against the simulated market's true regime for this bar (not while learning). */
  scoreTruth(truth: RegimeName): void {
    this.truthNow = truth;
    if (this.detector.learning) return;
    this.truthBars++;
    if (truth === this.detector.regime) this.truthRight++;
  }

  /** The running score against the truth, or null without one (a real market). */
  get truth(): { readonly current: RegimeName; readonly right: number; readonly bars: number } | null {
    return this.truthNow === null ? null : { current: this.truthNow, right: this.truthRight, bars: this.truthBars };
  }

  get regime(): RegimeName {
    return this.detector.regime;
  }

  get confidence(): number {
    return this.detector.probability;
  }

  get learning(): boolean {
    return this.detector.learning;
  }

  /** P(regime) in REGIME_NAMES order, copied. */
  posterior(): number[] {
    return Array.from(this.detector.posterior);
  }

  get expectedRemainingBars(): number {
    return this.detector.expectedRemainingBars;
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

  /** Puts back the state a restart saved: the regime, when it began, the history of changes, the score. */
  restore(
    state: {
      current: RegimeName;
      since: number;
      bars: number;
      truth?: { readonly right: number; readonly bars: number };
    },
    history: readonly RegimeChangeRecord[],
  ): void {
    this.detector.restoreRegime(state.current);
    const { right, bars } = state.truth ?? { right: 0, bars: 0 };
    if (Number.isSafeInteger(right) && Number.isSafeInteger(bars) && right >= 0 && right <= bars) {
      this.truthRight = right;
      this.truthBars = bars;
    }
    this.regimeStart = state.since;
    this.barsInRegime = state.bars;
    this.changes.clear();
    for (const change of history) this.changes.push(change);
  }
}
