/**
 * The regime model's per-bar features of the universe, from each symbol's log return over the bar.
 *
 * Plain (no loadings): 0. the cross-sectional mean log return (the market's move: drift separates the
 * trends), and 1. the log of the cross-sectional standard deviation (dispersion: calm ranges are
 * tighter, volatile markets much wider).
 *
 * With factor loadings (each symbol's beta to the market's move and its own, idiosyncratic standard
 * deviation, estimated once on the backfill and fixed for the run): 0. the market's move by generalised
 * least squares (each symbol weighted by β/σ², its noise's share of its move), and 1. the log of the
 * symbols' dispersion in units of their own noise: ½ log of the mean squared standardised residual
 * ((r − β f) / σ)². Symbols of unequal noise then count alike (for noise spread as 0.1–0.25% a bar, the
 * plain dispersion has about 82% of the degrees of freedom: 20 symbols count as about 16; README,
 * Figures, for what it gains). The scales are fixed: estimating them as the run goes normalises away the
 * slow change in dispersion that is the signal.
 *
 * 2. The volume-implied move scale (with volume loadings, also from the backfill; missing without):
 * how large the bar's moves are for the volume they drew. Per symbol, log volume ≈ a + log(1 + |m|/ρ)
 * (m the bar's own move, log close/open; a the symbol's quiet volume, ρ the move that doubles it),
 * fitted on the backfill; each bar, the common log-stretch θ of the ρs that best explains the volumes
 * seen (one Gauss-Newton step from θ = 0, each symbol weighted by what it tells: a big move says
 * more than none, a noisy volume less; missing when they say too little, bounded at ±4). Calm
 * markets trade heavily for small moves (θ < 0), volatile ones make big moves on the same volume
 * (θ > 0). Returns alone cannot give this: given the regime, it is nearly independent of the move and
 * the dispersion (test/bench/regime-exact.ts measures what the volumes carry).
 *
 * Any market's bars give these (nothing here knows the simulator). O(symbols) per bar, no allocation:
 * add() each symbol's return, then finish() writes the bar's features. A non-finite return is skipped;
 * with no return the bar is all missing (NaN), with one the dispersion is missing.
 */
export const FEATURE_COUNT = 3;
export const FEATURE_NAMES = ['mean log return', 'log dispersion', 'log volume-implied move scale'] as const;
export const FACTOR_FEATURE_NAMES = [
  'factor return (GLS)',
  'log dispersion in own noise',
  'log volume-implied move scale',
] as const;
/** The feature sets of models saved before the volume feature (they still load: see saved-model.ts). */
export const TWO_FEATURE_NAMES = ['mean log return', 'log dispersion'] as const;
export const TWO_FACTOR_FEATURE_NAMES = ['factor return (GLS)', 'log dispersion in own noise'] as const;
export type FeatureNames =
  typeof FEATURE_NAMES | typeof FACTOR_FEATURE_NAMES | typeof TWO_FEATURE_NAMES | typeof TWO_FACTOR_FEATURE_NAMES;

/**
 * Per symbol index, how its volume follows its move: log volume ≈ level + log(1 + |move|/scale), with
 * `noise` the standard deviation of the rest (NaN: left out).
 */
export interface VolumeLoadings {
  readonly level: Float64Array;
  readonly scale: Float64Array;
  readonly noise: Float64Array;
}

/** Per symbol index: beta to the market's move and idiosyncratic standard deviation (NaN: left out). */
export interface FactorLoadings {
  readonly beta: Float64Array;
  readonly deviation: Float64Array;
  /** For the volume feature; absent: it is missing (no volumes, or loadings saved before it). */
  readonly volume?: VolumeLoadings;
}

/** Returns a symbol needs in the backfill for loadings of its own. */
export const MIN_LOADING_BARS = 100;
/**
 * A symbol's noise is taken as at least this share of the universe's median noise: a price that hardly
 * moves (an illiquid symbol, a halted one) would otherwise make its next move a huge multiple of it.
 */
export const MIN_DEVIATION_SHARE = 0.25;

/** An inverse fund's beta is negative: any beta but zero weighs in (GLS needs only β ≠ 0). */
const usable = (beta: number, deviation: number): boolean =>
  Number.isFinite(beta) && beta !== 0 && Number.isFinite(deviation) && deviation > 0;

/**
 * Loadings from a backfill's returns (one row per bar, by symbol index, NaN for none): each symbol's
 * return regressed (through the origin) on the bar's cross-sectional mean, its deviation the residuals'.
 * A symbol with fewer than MIN_LOADING_BARS returns, or a beta of zero, is left out; null when fewer
 * than two symbols are left (then the plain features). Deviations are floored (MIN_DEVIATION_SHARE).
 */
export function estimateLoadings(
  rows: readonly Float64Array[],
  symbols: number,
  /** Each bar's own move (log close/open) and volume, by symbol, in the rows' order: for the volume feature. */
  volumeRows?: { readonly moves: readonly ArrayLike<number>[]; readonly volumes: readonly ArrayLike<number>[] },
): FactorLoadings | null {
  const rr = new Float64Array(symbols);
  const rf = new Float64Array(symbols);
  const ff = new Float64Array(symbols);
  const n = new Float64Array(symbols);
  for (const row of rows) {
    let sum = 0;
    let count = 0;
    for (let s = 0; s < symbols; s++) {
      const r = row[s] as number;
      if (!Number.isFinite(r)) continue;
      sum += r;
      count++;
    }
    if (count < 2) continue;
    const f = sum / count;
    for (let s = 0; s < symbols; s++) {
      const r = row[s] as number;
      if (!Number.isFinite(r)) continue;
      rr[s] = (rr[s] as number) + r * r;
      rf[s] = (rf[s] as number) + r * f;
      ff[s] = (ff[s] as number) + f * f;
      n[s] = (n[s] as number) + 1;
    }
  }
  const beta = new Float64Array(symbols).fill(Number.NaN);
  const deviation = new Float64Array(symbols).fill(Number.NaN);
  let kept = 0;
  for (let s = 0; s < symbols; s++) {
    if ((n[s] as number) < MIN_LOADING_BARS || !((ff[s] as number) > 0)) continue;
    const b = (rf[s] as number) / (ff[s] as number);
    const squares = (rr[s] as number) - b * (rf[s] as number);
    const d = Math.sqrt(Math.max(0, squares) / ((n[s] as number) - 1));
    if (!usable(b, d)) continue;
    beta[s] = b;
    deviation[s] = d;
    kept++;
  }
  if (kept < 2) return null;
  const sorted = deviation.filter((d) => !Number.isNaN(d)).sort();
  const floor = MIN_DEVIATION_SHARE * (sorted[sorted.length >> 1] as number);
  for (let s = 0; s < symbols; s++) if ((deviation[s] as number) < floor) deviation[s] = floor;
  const volume =
    volumeRows === undefined ? null : estimateVolumeLoadings(volumeRows.moves, volumeRows.volumes, symbols);
  return volume === null ? { beta, deviation } : { beta, deviation, volume };
}

/** The volume feature's bound: moves e⁴ ≈ 55 times as large (or small) for their volume. */
export const MAX_VOLUME_STRETCH = 4;

/** The grid of ρ tried per symbol, as multiples of its moves' root mean square (log-spaced, 16% apart). */
const VOLUME_SCALE_GRID = Array.from({ length: 25 }, (_, i) => 0.25 * Math.pow(40, i / 24));
/** Bars per symbol the search over ρ looks at (evenly spread over the backfill). */
const FIT_SAMPLE = 1200;

/**
 * Volume loadings from a backfill's bars (rows by bar, by symbol index; NaN or a volume ≤ 0 for none):
 * per symbol, the ρ of the grid (times the root mean square of its moves) and the level `a` that fit
 * log volume ≈ a + log(1 + |move|/ρ) in least squares (ρ searched coarse to fine on a sample of the
 * bars, `a` on all of them), `noise` the residuals' standard deviation. A symbol with fewer than
 * MIN_LOADING_BARS such bars, or no moves, is left out; null when fewer than two symbols are left.
 */
export function estimateVolumeLoadings(
  moves: readonly ArrayLike<number>[],
  volumes: readonly ArrayLike<number>[],
  symbols: number,
): VolumeLoadings | null {
  const level = new Float64Array(symbols).fill(Number.NaN);
  const scale = new Float64Array(symbols).fill(Number.NaN);
  const noise = new Float64Array(symbols).fill(Number.NaN);
  const size = new Float64Array(moves.length);
  const logVolume = new Float64Array(moves.length);
  let kept = 0;
  for (let s = 0; s < symbols; s++) {
    let n = 0;
    let squares = 0;
    for (let t = 0; t < moves.length; t++) {
      const m = (moves[t] as ArrayLike<number>)[s] as number;
      const v = (volumes[t] as ArrayLike<number>)[s] as number;
      if (!Number.isFinite(m) || !(v > 0) || !Number.isFinite(v)) continue;
      size[n] = Math.abs(m);
      logVolume[n] = Math.log(v);
      squares += m * m;
      n++;
    }
    if (n < MIN_LOADING_BARS || !(squares > 0)) continue;
    const rms = Math.sqrt(squares / n);
    // Least squares over ρ: the residual sum of squares at a grid point, on every `stride`-th bar.
    const fit = (rho: number, stride: number): { mean: number; residual: number; count: number } => {
      let sum = 0;
      let sum2 = 0;
      let count = 0;
      for (let i = 0; i < n; i += stride) {
        const e = (logVolume[i] as number) - Math.log1p((size[i] as number) / rho);
        sum += e;
        sum2 += e * e;
        count++;
      }
      return { mean: sum / count, residual: sum2 - (sum * sum) / count, count };
    };
    // Every 4th grid point, then the neighbours of the best (13 of the 25), on at most about FIT_SAMPLE
    // bars (all of a 60-day backfill's): half the work of the whole grid.
    const stride = Math.max(1, Math.floor(n / FIT_SAMPLE));
    const tried = new Float64Array(VOLUME_SCALE_GRID.length).fill(Number.NaN);
    const at = (j: number): number => {
      if (Number.isNaN(tried[j] as number)) tried[j] = fit((VOLUME_SCALE_GRID[j] as number) * rms, stride).residual;
      return tried[j] as number;
    };
    let bestIndex = 0;
    for (let j = 0; j < VOLUME_SCALE_GRID.length; j += 4) if (at(j) < at(bestIndex)) bestIndex = j;
    const coarse = bestIndex;
    for (let j = Math.max(0, coarse - 3); j <= Math.min(VOLUME_SCALE_GRID.length - 1, coarse + 3); j++)
      if (at(j) < at(bestIndex)) bestIndex = j;
    const rho = (VOLUME_SCALE_GRID[bestIndex] as number) * rms;
    const whole = fit(rho, 1);
    level[s] = whole.mean;
    scale[s] = rho;
    noise[s] = Math.sqrt(Math.max(0, whole.residual) / (whole.count - 1));
    if (!((noise[s] as number) > 0)) {
      level[s] = Number.NaN;
      scale[s] = Number.NaN;
      noise[s] = Number.NaN;
      continue;
    }
    kept++;
  }
  return kept < 2 ? null : { level, scale, noise };
}

export class UniverseFeatures {
  private count = 0;
  private mean = 0;
  private m2 = 0;
  /** This bar's returns by symbol index (with loadings). */
  private returns: Float64Array;
  /** This bar's own moves (log close/open) and volumes by symbol index (with volume loadings). */
  private moves: Float64Array;
  private volumes: Float64Array;
  private loadings: FactorLoadings | null = null;

  constructor(loadings: FactorLoadings | null = null) {
    this.returns = new Float64Array(0);
    this.moves = new Float64Array(0);
    this.volumes = new Float64Array(0);
    this.useLoadings(loadings);
  }

  /** From the next bar on: the factor features with these loadings, or the plain ones (null). */
  useLoadings(loadings: FactorLoadings | null): void {
    this.loadings = loadings;
    this.returns = new Float64Array(loadings?.beta.length ?? 0).fill(Number.NaN);
    const withVolume = loadings?.volume?.level.length ?? 0;
    this.moves = new Float64Array(withVolume).fill(Number.NaN);
    this.volumes = new Float64Array(withVolume).fill(Number.NaN);
  }

  get factorLoadings(): FactorLoadings | null {
    return this.loadings;
  }

  get names(): FeatureNames {
    return this.loadings === null ? FEATURE_NAMES : FACTOR_FEATURE_NAMES;
  }

  /**
   * A symbol's return over the bar; `symbol` is its index (the loadings' order); `move` (the bar's own
   * log close/open) and `volume` feed the volume feature.
   */
  add(logReturn: number, symbol = -1, move = Number.NaN, volume = Number.NaN): void {
    if (symbol >= 0 && symbol < this.moves.length) {
      this.moves[symbol] = move;
      this.volumes[symbol] = volume;
    }
    if (!Number.isFinite(logReturn)) return;
    this.count++;
    const delta = logReturn - this.mean;
    this.mean += delta / this.count;
    this.m2 += delta * (logReturn - this.mean);
    if (symbol >= 0 && symbol < this.returns.length) this.returns[symbol] = logReturn;
  }

  /** Symbols with a return in this bar so far. */
  get symbols(): number {
    return this.count;
  }

  /** Writes the bar's features into `out` at `offset` and starts the next bar. */
  finish(out: Float64Array, offset = 0): void {
    if (this.loadings !== null) this.finishFactor(this.loadings, out, offset);
    else {
      out[offset] = this.count > 0 ? this.mean : Number.NaN;
      const variance = this.count > 1 ? this.m2 / (this.count - 1) : 0;
      out[offset + 1] = variance > 0 && Number.isFinite(variance) ? 0.5 * Math.log(variance) : Number.NaN;
    }
    out[offset + 2] = this.loadings?.volume === undefined ? Number.NaN : this.volumeScale(this.loadings.volume);
    this.count = 0;
    this.mean = 0;
    this.m2 = 0;
  }

  private finishFactor({ beta, deviation }: FactorLoadings, out: Float64Array, offset: number): void {
    const returns = this.returns;
    let num = 0;
    let den = 0;
    let m = 0;
    for (let s = 0; s < returns.length; s++) {
      const r = returns[s] as number;
      const b = beta[s] as number;
      const d = deviation[s] as number;
      if (r !== r || !usable(b, d)) continue;
      const w = b / (d * d);
      num += w * r;
      den += w * b;
      m++;
    }
    const f = m > 0 ? num / den : Number.NaN;
    let squares = 0;
    if (m > 1)
      for (let s = 0; s < returns.length; s++) {
        const r = returns[s] as number;
        const b = beta[s] as number;
        const d = deviation[s] as number;
        if (r !== r || !usable(b, d)) continue;
        const z = (r - b * f) / d;
        squares += z * z;
      }
    out[offset] = f;
    out[offset + 1] = m > 1 && squares > 0 && Number.isFinite(squares) ? 0.5 * Math.log(squares / (m - 1)) : Number.NaN;
    returns.fill(Number.NaN);
  }

  /** θ, one Gauss-Newton step from 0 (see the top of this file); NaN without two symbols that move. */
  private volumeScale({ level, scale, noise }: VolumeLoadings): number {
    let num = 0;
    let den = 0;
    let used = 0;
    for (let s = 0; s < this.moves.length; s++) {
      const m = this.moves[s] as number;
      const v = this.volumes[s] as number;
      const rho = scale[s] as number;
      if (!Number.isFinite(m) || !(v > 0) || !Number.isFinite(v) || !(rho > 0)) continue;
      const x = Math.abs(m) / rho;
      // d/dθ of log(1 + |m|/(ρ e^θ)) at θ = 0 is −x/(1 + x).
      const u = x / (1 + x);
      const w = 1 / ((noise[s] as number) * (noise[s] as number));
      num += w * u * (Math.log(v) - (level[s] as number) - Math.log1p(x));
      den += w * u * u;
      if (u > 0) used++;
    }
    this.moves.fill(Number.NaN);
    this.volumes.fill(Number.NaN);
    // A bar whose volumes say too little (θ's standard error, 1/√den, above 1) leaves it missing; a
    // volume far off every symbol's fit (an auction, a block trade) moves it at most MAX_VOLUME_STRETCH.
    if (used < 2 || !(den >= 1)) return Number.NaN;
    return Math.max(-MAX_VOLUME_STRETCH, Math.min(MAX_VOLUME_STRETCH, -num / den));
  }
}
