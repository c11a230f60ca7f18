/**
 * The model side of a detector's run, recorded bar by bar so that other detectors over the same bars
 * with the same window and refit settings can replay it instead of refitting: the forward filter's
 * posterior and the model in force depend only on the bars' features and on those settings, not on
 * the threshold, margin or dwell that decide the regime in force (nor on trades). `learn tune` runs
 * one tape per window for all its settings.
 *
 * Bound: per bar K + D numbers and two flags (about 56 bytes with 4 states and 2 features: 5.5 MB
 * for a year of 1-minute bars); one model reference per fit.
 */
import type { HmmParams } from './model.js';

export interface TapedModel {
  readonly params: HmmParams;
  /** The detector's fitCount and fittedBars once this model was put in force. */
  readonly fits: number;
  readonly fitBars: number;
}

/** The filter stepped this bar (a model was in force before it): decide() ran on the posterior. */
export const STEPPED = 1;
/** A first model was put in force this bar: the regime in force became the posterior's leader. */
export const INSTALLED = 2;
/** A refit was in progress at the end of this bar. */
export const REFITTING = 4;

export class PosteriorTape {
  private posteriors: Float64Array;
  private observations: Float64Array;
  private flags: Uint8Array;
  private modelAt: Int32Array;
  readonly models: TapedModel[] = [];
  private bars = 0;
  private recorder = false;

  constructor(
    /** What the model side depends on besides the bars (the detector checks it). */
    readonly key: string,
    readonly states: number,
    readonly features: number,
    initialCapacity = 1024,
  ) {
    initialCapacity = Math.max(1, Math.floor(initialCapacity));
    this.posteriors = new Float64Array(initialCapacity * states);
    this.observations = new Float64Array(initialCapacity * features);
    this.flags = new Uint8Array(initialCapacity);
    this.modelAt = new Int32Array(initialCapacity);
  }

  get length(): number {
    return this.bars;
  }

  /** The first detector to attach records; every later one replays. */
  attach(): 'record' | 'replay' {
    if (!this.recorder && this.bars === 0) {
      this.recorder = true;
      return 'record';
    }
    return 'replay';
  }

  /** Appends one bar; `model` is an index into `models` or −1 while learning. */
  push(observation: Float64Array, posterior: ArrayLike<number>, flags: number, model: number): void {
    if (this.bars === this.flags.length) this.grow();
    const K = this.states;
    const D = this.features;
    for (let k = 0; k < K; k++) this.posteriors[this.bars * K + k] = posterior[k] as number;
    for (let d = 0; d < D; d++) this.observations[this.bars * D + d] = observation[d] as number;
    this.flags[this.bars] = flags;
    this.modelAt[this.bars] = model;
    this.bars++;
  }

  /** True when bar `t` was recorded with this observation (NaN matching NaN). */
  sameObservation(t: number, observation: Float64Array): boolean {
    const D = this.features;
    for (let d = 0; d < D; d++) {
      const a = this.observations[t * D + d] as number;
      const b = observation[d] as number;
      if (a !== b && !(Number.isNaN(a) && Number.isNaN(b))) return false;
    }
    return true;
  }

  posteriorAt(t: number): Float64Array {
    return this.posteriors.subarray(t * this.states, (t + 1) * this.states);
  }

  flagsAt(t: number): number {
    return this.flags[t] as number;
  }

  modelIndexAt(t: number): number {
    return this.modelAt[t] as number;
  }

  private grow(): void {
    const capacity = this.flags.length * 2;
    const posteriors = new Float64Array(capacity * this.states);
    posteriors.set(this.posteriors);
    this.posteriors = posteriors;
    const observations = new Float64Array(capacity * this.features);
    observations.set(this.observations);
    this.observations = observations;
    const flags = new Uint8Array(capacity);
    flags.set(this.flags);
    this.flags = flags;
    const modelAt = new Int32Array(capacity);
    modelAt.set(this.modelAt);
    this.modelAt = modelAt;
  }
}

/** The settings a detector's model side depends on, as a tape's key. */
export function tapeKey(settings: {
  readonly window: number;
  readonly minHistory: number;
  readonly refitEvery: number;
  readonly emIterationsPerBar: number;
}): string {
  const { window, minHistory, refitEvery, emIterationsPerBar } = settings;
  return JSON.stringify({ window, minHistory, refitEvery, emIterationsPerBar });
}
