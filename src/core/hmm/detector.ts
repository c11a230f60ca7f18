/**
 * The online regime detector: a 4-state Gaussian HMM over the universe's per-bar features.
 *
 * - Until `minHistory` bars have been seen it is `learning`: the belief is the prior (uniform) and the
 *   regime in force does not move. `fitNow()` fits at once (the engine calls it after the backfill).
 * - Each bar: one forward step (O(K²), no allocation) gives P(regime | bars so far).
 * - The regime in force changes when another regime leads with a posterior of at least `threshold`,
 *   ahead of the regime in force by at least `margin`, for `dwell` bars in a row; a bar where the
 *   challenger falls short (or another takes the lead) starts its count again.
 * - Every `refitEvery` bars (sooner while the window fills) a refit on the last `window` bars starts; it advances by
 *   `emIterationsPerBar` EM iterations per bar (bounded work, and the same seed gives the same run)
 *   and the new model is swapped in at the bar it finishes. The belief carries over: states are named.
 */
import { REGIME_NAMES, type RegimeName } from '../regime-types.js';
import { DEFAULT_FIT_OPTIONS, fitHmm, fitSteps, type FitOptions, type FitResult } from './fit.js';
import { ExpectationWorkspace } from './expectation.js';
import { ForwardFilter } from './inference.js';
import { cloneParams, expectedDurations, isUsable, type HmmParams } from './model.js';
import { INSTALLED, REFITTING, STEPPED, tapeKey, type PosteriorTape, type TapedModel } from './posterior-tape.js';

export interface HmmDetectorSettings {
  /** Posterior a challenger needs, each bar of its dwell. */
  readonly threshold: number;
  /** Bars in a row a challenger must qualify before it is put in force. */
  readonly dwell: number;
  /** How far the challenger's posterior must be above the regime in force's. */
  readonly margin: number;
  /** Bars of history a (re)fit uses: the most recent ones. */
  readonly window: number;
  /** Bars needed before the first fit; until then the detector is learning. */
  readonly minHistory: number;
  /** Bars between the starts of two refits once the window is full (at most half the window). */
  readonly refitEvery: number;
  /** EM iterations a refit advances per bar. */
  readonly emIterationsPerBar: number;
}

export const DEFAULT_HMM_SETTINGS: HmmDetectorSettings = {
  threshold: 0.7,
  dwell: 1,
  margin: 0.2,
  window: 5000,
  minHistory: 300,
  refitEvery: 2080,
  emIterationsPerBar: 1,
};

const K = REGIME_NAMES.length;
const MIN_REFIT_INTERVAL = 100;

/**
 * What decides a detector's future beyond its model and the bars it holds (a resume continues exactly
 * from it): the refit schedule, a refit in progress (EM is re-run from the same window up to the same
 * step), the filter's belief and the regime in force with its challenger.
 */
export interface DetectorResumeState {
  /** Bars seen in all (the number of the newest). */
  readonly bars: number;
  readonly historyCount: number;
  readonly barsSinceRefit: number;
  /** A refit in progress: its window's length and the EM steps (generator calls) it has taken. */
  readonly refit: { readonly length: number; readonly steps: number } | null;
  /** The filter's belief, exactly; null while learning. */
  readonly posterior: readonly number[] | null;
  readonly current: number;
  readonly challenger: number;
  readonly challengerBars: number;
  readonly fits: number;
  readonly fitBars: number;
}

/** The features of held bars after a given one: bar `first` is at `values[0 .. D)`. */
export interface HeldFeatures {
  readonly first: number;
  readonly count: number;
  readonly values: Float64Array;
}

export class HmmRegimeDetector {
  readonly features: number;
  /** The window plus the bars a refit can take, so that a resume finds a refit's whole window. */
  private readonly history: Float64Array;
  private readonly historyCapacity: number;
  private historyNext = 0;
  private historyCount = 0;
  private barsSeen = 0;
  private refitSteps = 0;
  private barsSinceRefit = 0;
  private filter: ForwardFilter | null = null;
  private readonly prior = new Float64Array(K).fill(1 / K);
  private readonly scratch: Float64Array;
  private current = REGIME_NAMES.indexOf('range');
  private challenger = -1;
  private challengerBars = 0;
  private refit: Generator<void, FitResult | null> | null = null;
  private fits = 0;
  private fitBars = 0;
  private refitLength = 0;
  /** EM's buffers for the window, made at the first fit and reused by every later one (one fit runs at a time). */
  private workspace: ExpectationWorkspace | null = null;
  /** With a tape: 'record' writes the model side of every bar to it, 'replay' reads it instead of fitting. */
  private readonly tapeMode: 'record' | 'replay' | null = null;
  private tapeModel = -1;
  private replayBar = 0;
  private replayPosterior: Float64Array | null = null;
  private replayModel: TapedModel | null = null;
  private replayRefitting = false;

  constructor(
    features: number,
    readonly settings: HmmDetectorSettings = DEFAULT_HMM_SETTINGS,
    private readonly fitOptions: FitOptions = DEFAULT_FIT_OPTIONS,
    /** The model side of a run over the same bars, shared with detectors of other thresholds and dwells. */
    private readonly tape?: PosteriorTape,
  ) {
    this.features = features;
    this.scratch = new Float64Array(features);
    if (tape !== undefined) {
      if (
        tape.key !== tapeKey(settings) ||
        tape.states !== K ||
        tape.features !== features ||
        fitOptions !== DEFAULT_FIT_OPTIONS
      )
        throw new Error('this posterior tape was recorded with other window or refit settings');
      this.tapeMode = tape.attach();
    }
    // A refit takes at most (starts + warm start) × maxIterations generator steps.
    const refitBars = Math.ceil(((fitOptions.starts + 1) * fitOptions.maxIterations) / settings.emIterationsPerBar) + 1;
    this.historyCapacity = Math.max(1, settings.window) + refitBars;
    this.history = new Float64Array(this.tapeMode === 'replay' ? 0 : this.historyCapacity * features);
  }

  get learning(): boolean {
    return this.tapeMode === 'replay' ? this.replayModel === null : this.filter === null;
  }

  get regime(): RegimeName {
    return REGIME_NAMES[this.current] as RegimeName;
  }

  /** P(regime | bars so far) in REGIME_NAMES order; the prior while learning. Read-only view. */
  get posterior(): Float64Array {
    if (this.tapeMode === 'replay') return this.replayPosterior ?? this.prior;
    return this.filter?.posterior ?? this.prior;
  }

  get probability(): number {
    return this.posterior[this.current] as number;
  }

  /** The model in force, or null while learning. */
  get params(): HmmParams | null {
    if (this.tapeMode === 'replay') return this.replayModel?.params ?? null;
    return this.filter?.params ?? null;
  }

  /** Bars of history the model in force was fitted on. */
  get fittedBars(): number {
    return this.tapeMode === 'replay' ? (this.replayModel?.fitBars ?? 0) : this.fitBars;
  }

  /** Fits done so far (the first on the backfill, then refits). */
  get fitCount(): number {
    return this.tapeMode === 'replay' ? (this.replayModel?.fits ?? 0) : this.fits;
  }

  get refitting(): boolean {
    return this.tapeMode === 'replay' ? this.replayRefitting : this.refit !== null;
  }

  /** Expected bars left in the regime in force (spells are geometric: the same at any age). */
  get expectedRemainingBars(): number {
    const p = this.params;
    if (p === null) return Number.NaN;
    return expectedDurations(p)[this.current] as number;
  }

  /**
   * One bar's features (NaN for a missing one; a non-finite value counts as missing). Returns the
   * regime this bar changed from, or null; `regime` and `probability` say where it stands (no object
   * is made per bar).
   */
  update(observation: ArrayLike<number>): RegimeName | null {
    const D = this.features;
    const obs = this.scratch;
    for (let d = 0; d < D; d++) {
      const x = Number(observation[d]);
      obs[d] = Number.isFinite(x) ? x : Number.NaN;
    }
    if (this.tapeMode === 'replay') return this.replay(obs);
    const slot = this.historyNext * D;
    for (let d = 0; d < D; d++) this.history[slot + d] = obs[d] as number;
    this.historyNext = (this.historyNext + 1) % this.historyCapacity;
    if (this.historyCount < this.settings.window) this.historyCount++;
    this.barsSeen++;
    this.barsSinceRefit++;

    let changedFrom: RegimeName | null = null;
    const stepped = this.filter !== null;
    if (this.filter !== null) {
      const post = this.filter.step(obs);
      changedFrom = this.decide(post);
    }
    const wasLearning = this.filter === null;
    this.advanceRefit();
    if (this.filter === null && this.historyCount >= this.settings.minHistory && this.refit === null) this.startRefit();
    if (this.tapeMode === 'record') this.record(obs, stepped, wasLearning && this.filter !== null);
    return changedFrom;
  }

  /** Writes this bar's model side to the tape (a new model once, by index). */
  private record(obs: Float64Array, stepped: boolean, installed: boolean): void {
    const tape = this.tape as PosteriorTape;
    const params = this.params;
    if (params !== null && (this.tapeModel < 0 || tape.models[this.tapeModel]?.params !== params)) {
      tape.models.push({ params, fits: this.fits, fitBars: this.fitBars });
      this.tapeModel = tape.models.length - 1;
    }
    const flags = (stepped ? STEPPED : 0) | (installed ? INSTALLED : 0) | (this.refit !== null ? REFITTING : 0);
    tape.push(obs, this.posterior, flags, this.tapeModel);
  }

  /** One bar from the tape: the recorded posterior and model, this detector's own decision. */
  private replay(obs: Float64Array): RegimeName | null {
    const tape = this.tape as PosteriorTape;
    const t = this.replayBar;
    if (t >= tape.length || !tape.sameObservation(t, obs))
      throw new Error(`the posterior tape does not hold these bars (bar ${t})`);
    this.replayBar++;
    const flags = tape.flagsAt(t);
    const post = tape.posteriorAt(t);
    const model = tape.modelIndexAt(t);
    this.replayPosterior = post;
    this.replayModel = model < 0 ? null : (tape.models[model] as TapedModel);
    this.replayRefitting = (flags & REFITTING) !== 0;
    let changedFrom: RegimeName | null = null;
    if ((flags & STEPPED) !== 0) changedFrom = this.decide(post);
    if ((flags & INSTALLED) !== 0) this.followLeader(post);
    return changedFrom;
  }

  /** Fits on the history now, whole (after a backfill); false when the data cannot support a model yet. */
  fitNow(): boolean {
    if (this.tape !== undefined) throw new Error('a detector on a posterior tape fits only as it updates');
    if (this.historyCount < Math.min(this.settings.minHistory, this.settings.window)) return false;
    this.refit = null;
    const { observations, length } = this.orderedHistory();
    const result = fitHmm(observations, length, this.features, this.optionsForFit(), this.fitWorkspace());
    if (result === null || !isUsable(result.params)) return false;
    this.install(result.params, observations, length);
    return true;
  }

  /** Puts a saved model in force (a resume) and runs the held history through it for the belief now. */
  restoreModel(params: HmmParams): boolean {
    if (this.tape !== undefined) throw new Error('a detector on a posterior tape cannot take a saved model');
    if (params.states !== K || params.features !== this.features || !isUsable(params)) return false;
    this.refit = null;
    const { observations, length } = this.orderedHistory();
    this.install(cloneParams(params), observations, length);
    return true;
  }

  /** How many of the newest bars' features it holds at most. */
  get heldCapacity(): number {
    return this.historyCapacity;
  }

  /** Bars seen in all; `heldSince` gives the features of those still held. */
  get bars(): number {
    return this.barsSeen;
  }

  /** The features of the held bars after bar `after` (all held ones when it is older), oldest first. */
  heldSince(after: number): HeldFeatures {
    const held = Math.min(this.barsSeen, this.historyCapacity);
    const count = Math.max(0, Math.min(held, this.barsSeen - after));
    const { observations } = this.orderedHistory(count);
    return { first: this.barsSeen - count + 1, count, values: observations };
  }

  resumeState(): DetectorResumeState {
    return {
      bars: this.barsSeen,
      historyCount: this.historyCount,
      barsSinceRefit: this.barsSinceRefit,
      refit: this.refit === null ? null : { length: this.refitLength, steps: this.refitSteps },
      posterior: this.filter === null ? null : Array.from(this.filter.posterior),
      current: this.current,
      challenger: this.challenger,
      challengerBars: this.challengerBars,
      fits: this.fits,
      fitBars: this.fitBars,
    };
  }

  /**
   * Continues exactly where a saved detector stopped: its model (null while it was learning), its state
   * and the features of its held bars, newest last (at least its window and its refit's). False, and
   * nothing changed, when they do not fit together.
   */
  restoreState(state: DetectorResumeState, params: HmmParams | null, held: HeldFeatures): boolean {
    if (this.tape !== undefined) throw new Error('a detector on a posterior tape cannot take a saved state');
    const D = this.features;
    const needed = Math.max(state.historyCount, state.refit === null ? 0 : state.refit.length + state.barsSinceRefit);
    const usable =
      (params === null) === (state.posterior === null) &&
      (params === null || (params.states === K && params.features === D && isUsable(params))) &&
      (state.posterior === null || state.posterior.length === K) &&
      held.values.length === held.count * D &&
      held.first + held.count - 1 === state.bars &&
      held.count >= needed &&
      needed <= this.historyCapacity &&
      state.historyCount <= this.settings.window;
    if (!usable) return false;
    const kept = Math.min(held.count, this.historyCapacity);
    this.history.set(held.values.subarray((held.count - kept) * D, held.count * D));
    this.historyNext = kept % this.historyCapacity;
    this.historyCount = state.historyCount;
    this.barsSeen = state.bars;
    this.current = state.current;
    this.challenger = state.challenger;
    this.challengerBars = state.challengerBars;
    this.filter = null;
    if (params !== null && state.posterior !== null) {
      this.filter = new ForwardFilter(cloneParams(params));
      this.filter.restorePosterior(state.posterior);
    }
    this.refit = null;
    if (state.refit !== null) {
      // The same window and start as at the refit's first bar (the model in force has not changed since).
      const { observations, length } = this.orderedHistory(state.refit.length, state.barsSinceRefit);
      const full = length >= this.settings.window;
      const warm = this.params;
      const options =
        warm === null
          ? this.fitOptions
          : { ...this.fitOptions, warmStart: warm, starts: full ? 1 : this.fitOptions.starts };
      this.refit = fitSteps(observations, length, this.features, options, this.fitWorkspace());
      for (let i = 0; i < state.refit.steps; i++) {
        const step = this.refit.next();
        if (step.done !== true) continue;
        // A state saved by an older version, whose EM took more steps than this one's: the refit is
        // done; its model goes in at the next bar, as it would have at the bar it finished.
        this.refit = finished(step.value);
        break;
      }
      this.refitLength = length;
      this.refitSteps = state.refit.steps;
    }
    this.barsSinceRefit = state.barsSinceRefit;
    this.fits = state.fits;
    this.fitBars = state.fitBars;
    return true;
  }

  restoreRegime(regime: RegimeName): void {
    this.current = REGIME_NAMES.indexOf(regime);
    this.challenger = -1;
    this.challengerBars = 0;
  }

  private decide(post: Float64Array): RegimeName | null {
    let leader = 0;
    for (let k = 1; k < K; k++) if ((post[k] as number) > (post[leader] as number)) leader = k;
    const { threshold, margin, dwell } = this.settings;
    const qualifies =
      leader !== this.current &&
      (post[leader] as number) >= threshold &&
      (post[leader] as number) - (post[this.current] as number) >= margin;
    if (!qualifies) {
      this.challenger = -1;
      this.challengerBars = 0;
      return null;
    }
    if (leader === this.challenger) this.challengerBars++;
    else {
      this.challenger = leader;
      this.challengerBars = 1;
    }
    if (this.challengerBars < dwell) return null;
    const from = this.regime;
    this.current = leader;
    this.challenger = -1;
    this.challengerBars = 0;
    return from;
  }

  /**
   * A refit starts from the model in force and from the data's labelled starts. Once the window is
   * full the model has seen every regime the window holds, so one labelled start (the usual roles)
   * beside it is enough; while it fills, all the starts (a regime may be new to it).
   */
  private optionsForFit(): FitOptions {
    const warm = this.params;
    if (warm === null) return this.fitOptions;
    const full = this.historyCount >= this.settings.window;
    return { ...this.fitOptions, warmStart: warm, starts: full ? 1 : this.fitOptions.starts };
  }

  /**
   * Bars until the next refit: `refitEvery`, or sooner while the window is still filling (a quarter
   * of the history held): a young model learns regimes its backfill lacked sooner, and a refit of a
   * short window costs as little as it is early. Once the window is full, at least every half window
   * (a short window's model is never older than half of it).
   */
  private refitInterval(): number {
    const share = this.historyCount >= this.settings.window ? 2 : 4;
    return Math.min(this.settings.refitEvery, Math.max(MIN_REFIT_INTERVAL, Math.floor(this.historyCount / share)));
  }

  private startRefit(): void {
    const { observations, length } = this.orderedHistory();
    this.refit = fitSteps(observations, length, this.features, this.optionsForFit(), this.fitWorkspace());
    this.refitLength = length;
    this.refitSteps = 0;
    this.barsSinceRefit = 0;
  }

  private advanceRefit(): void {
    if (this.refit === null) {
      if (this.filter !== null && this.barsSinceRefit >= this.refitInterval()) this.startRefit();
      return;
    }
    for (let i = 0; i < this.settings.emIterationsPerBar; i++) {
      const step = this.refit.next();
      this.refitSteps++;
      if (step.done !== true) continue;
      this.refit = null;
      const result = step.value;
      if (result !== null && isUsable(result.params)) {
        if (this.filter === null) {
          const { observations, length } = this.orderedHistory();
          this.install(result.params, observations, length);
          this.fitBars = this.refitLength;
        } else {
          this.filter.setModel(result.params);
          this.fits++;
          this.fitBars = this.refitLength;
        }
      }
      return;
    }
  }

  /** Puts a first model in force and runs the held history through it for the belief now. */
  private install(params: HmmParams, observations: Float64Array, length: number): void {
    const filter = new ForwardFilter(params);
    for (let t = 0; t < length; t++) filter.step(observations, t * this.features);
    this.filter = filter;
    this.fits++;
    this.fitBars = length;
    this.barsSinceRefit = 0;
    this.followLeader(filter.posterior);
  }

  /** The regime in force becomes the belief's leader (a first model). */
  private followLeader(posterior: Float64Array): void {
    let leader = 0;
    for (let k = 1; k < K; k++) if ((posterior[k] as number) > (posterior[leader] as number)) leader = k;
    this.current = leader;
    this.challenger = -1;
    this.challengerBars = 0;
  }

  private fitWorkspace(): ExpectationWorkspace {
    this.workspace ??= new ExpectationWorkspace(
      Math.max(1, this.settings.window),
      this.fitOptions.states,
      this.features,
    );
    return this.workspace;
  }

  /**
   * The held history (the last `historyCount` bars, or `length` bars ending `back` bars ago), oldest
   * first, in a new array (a fit reads it while later bars arrive).
   */
  private orderedHistory(length = this.historyCount, back = 0): { observations: Float64Array; length: number } {
    const D = this.features;
    const capacity = this.historyCapacity;
    const observations = new Float64Array(length * D);
    const start = (((this.historyNext - back - length) % capacity) + capacity) % capacity;
    for (let t = 0; t < length; t++) {
      const from = ((start + t) % capacity) * D;
      for (let d = 0; d < D; d++) observations[t * D + d] = this.history[from + d] as number;
    }
    return { observations, length };
  }
}

/** A refit that is over: its first step returns the result. */
function finished(result: FitResult | null): Generator<void, FitResult | null> {
  return (function* (): Generator<void, FitResult | null> {
    // The generator protocol needs a body; the result is ready at the first step.
    yield* [];
    return result;
  })();
}
