/**
 * Baum-Welch (EM) for a Gaussian HMM, as a generator that yields after each iteration so that a
 * caller can spread a refit over many bars (a fixed number of iterations per bar keeps a run
 * deterministic). A few deterministic starts; the best likelihood wins; variances have a floor.
 */
import { ExpectationWorkspace } from './expectation.js';
import { cloneParams, createParams, stickyTransition, type HmmParams } from './model.js';
import { orderByDriftAndVolatility } from './naming.js';

export interface FitOptions {
  readonly states: number;
  /** EM iterations per start at most. */
  readonly maxIterations: number;
  /**
   * Stop a start when the log-likelihood gains less than this per observation in an iteration.
   * 1e-4 is 0.5 nat over a 5,000-bar window: a likelihood ratio of e^0.5 between two iterations,
   * far below what separates the modes the starts find (tens of nats) and below the window's own
   * sampling noise; 1e-5 took about twice the iterations with no better detection (README, Figures).
   */
  readonly tolerance: number;
  /**
   * A start still behind the best finished start by more than `pruneMargin` nats per observation
   * after `pruneAfter` iterations is given up. Measured on the simulated market, starts headed for the
   * best mode are within 0.01 nat per bar by their fourth iteration or end where the best one
   * already is, so the starts that run on after that only repeat a known answer.
   */
  readonly pruneAfter: number;
  readonly pruneMargin: number;
  /** Deterministic starts from the data (different smoothing windows and volatile shares). */
  readonly starts: number;
  /** A variance is at least this share of the feature's variance over the whole window. */
  readonly varianceFloorShare: number;
  /**
   * With 4 states in REGIME_NAMES' order: range has no drift and varies no more than the trends, and
   * trend-up and trend-down are mirror images, drift ±δ, their other features and variances shared
   * (what the names mean).
   * This keeps the names meaningful when the window holds little of a regime (a backfill without a
   * fall): the unused trend state stays where a fall would be instead of taking other data.
   */
  readonly mirrorTrends: boolean;
  /**
   * Least P(stay) of a state: a regime's expected spell is at least 1 / (1 − minStay) bars, so a
   * state cannot become a one-bar outlier catcher (short noisy windows and few symbols tempt EM so).
   */
  readonly minStay: number;
  /**
   * When a regime ends, each other regime is as likely to follow: a row of the transition matrix is
   * its P(stay) and (1 − P(stay)) / (K − 1) for each move. A 5,000-bar window holds a few dozen
   * changes, three or four per move: estimated one by one, the moves (and with them how fast the
   * filter lets one regime give way to another) swing from refit to refit; tied, only P(stay) is
   * estimated. This was the largest gain of issue 9's second pass (README, Regime detection).
   */
  readonly movesAlike: boolean;
  /**
   * Each state's P(stay) is pulled toward the P(stay) of all states pooled, as if `stayPoolBars` more
   * bars had been seen of it at that rate. A regime the window holds in few spells (or none: a
   * backfill without a fall) then gets a persistence like the others' instead of one from two or
   * three spells; a regime seen often is barely moved (5,000 bars of it against 1,000).
   */
  readonly stayPoolBars: number;
  /**
   * MAP-EM: each state's emission has a conjugate prior worth `priorBars` bars drawn from the prior's
   * state (its means and variances), so a state the window hardly shows stays near what its name means
   * instead of taking a handful of odd bars, or the spare variance of the regimes the window does hold
   * (a backfill that is all range made "trend" states of calm bars, and trends were then not found
   * for 2,000 bars); a state seen in hundreds of bars is barely moved. 0 is maximum likelihood.
   */
  readonly priorBars: number;
  /**
   * The prior's states in REGIME_NAMES' order; without one, a 4-state fit takes namesPrior() of its
   * window. (The model in force is not used as a refit's prior: a state it had misplaced, which no bars
   * come to, would keep its place for ever; measured, one seed then fell to 34% right.)
   */
  readonly prior?: HmmParams;
  /** A model to start from as well (a refit starts from the model in force). */
  readonly warmStart?: HmmParams;
}

export const DEFAULT_FIT_OPTIONS: FitOptions = {
  states: 4,
  maxIterations: 60,
  tolerance: 1e-4,
  pruneAfter: 4,
  pruneMargin: 0.01,
  starts: 3,
  varianceFloorShare: 1e-3,
  mirrorTrends: true,
  minStay: 0.9,
  movesAlike: true,
  stayPoolBars: 1000,
  priorBars: 20,
};

export interface FitResult {
  /** States in the canonical order of naming.ts (trend-up, trend-down, range, volatile for K = 4). */
  readonly params: HmmParams;
  readonly logLikelihood: number;
  readonly iterations: number;
}

/** Bars a fit needs at the least. */
export const MIN_FIT_BARS = 50;

type StartVariant = readonly [window: number, volatileShare: number, roles: readonly [number, number, number]];
const USUAL: readonly [number, number, number] = [0, 1, 2];
const NO_FALL: readonly [number, number, number] = [0, 2, 1];
const NO_RISE: readonly [number, number, number] = [2, 1, 0];
/** The deterministic starts, in the order taken: `starts: 3` tries the three roles once. */
const START_VARIANTS: readonly StartVariant[] = [
  [24, 0.2, USUAL],
  [24, 0.2, NO_FALL],
  [24, 0.2, NO_RISE],
  [48, 0.12, USUAL],
  [48, 0.12, NO_FALL],
  [48, 0.12, NO_RISE],
];

const ABSOLUTE_VARIANCE_FLOOR = 1e-14;
/** Smallest transition probability: no move is impossible, so one odd bar cannot break the filter. */
const TRANSITION_FLOOR = 1e-6;

interface Stats {
  readonly mean: Float64Array;
  readonly variance: Float64Array;
  readonly observed: Float64Array;
}

function featureStats(observations: Float64Array, length: number, D: number): Stats {
  const mean = new Float64Array(D);
  const variance = new Float64Array(D);
  const observed = new Float64Array(D);
  for (let t = 0; t < length; t++)
    for (let d = 0; d < D; d++) {
      const x = observations[t * D + d] as number;
      if (Number.isNaN(x)) continue;
      observed[d] = (observed[d] as number) + 1;
      const delta = x - (mean[d] as number);
      mean[d] = (mean[d] as number) + delta / (observed[d] as number);
      variance[d] = (variance[d] as number) + delta * (x - (mean[d] as number));
    }
  for (let d = 0; d < D; d++)
    variance[d] = (observed[d] as number) > 1 ? (variance[d] as number) / (observed[d] as number) : 0;
  return { mean, variance, observed };
}

/**
 * A start from hard labels: the bars whose rolling volatility is in the top `volatileShare` are the
 * volatile state; the others are split in three by their rolling mean of feature 0 (the drift), and
 * `roles` says which third starts which state ([top, bottom, middle] third → state). The usual roles
 * are up, down, range; the others start a window that lacks a rise or a fall (then its middle third
 * is not range) near the right answer, and the likelihood picks.
 */
function labelledStart(
  observations: Float64Array,
  length: number,
  D: number,
  K: number,
  window: number,
  volatileShare: number,
  roles: readonly [number, number, number],
  stats: Stats,
): HmmParams {
  const drift = new Float64Array(length);
  const vol = new Float64Array(length);
  const mean0 = stats.mean[0] as number;
  const sd = stats.variance.map((v) => Math.sqrt(v) || 1);
  let sumX = 0;
  let sumV = 0;
  let n = 0;
  const at = (t: number, d: number): number => {
    const x = observations[t * D + d] as number;
    return Number.isNaN(x) ? (stats.mean[d] as number) : x;
  };
  const volOf = (t: number): number => {
    let v = Math.abs(at(t, 0) - mean0) / (sd[0] as number);
    for (let d = 1; d < D; d++) v += (at(t, d) - (stats.mean[d] as number)) / (sd[d] as number);
    return v;
  };
  for (let t = 0; t < length; t++) {
    sumX += at(t, 0);
    sumV += volOf(t);
    n++;
    if (n > window) {
      sumX -= at(t - window, 0);
      sumV -= volOf(t - window);
      n--;
    }
    drift[t] = sumX / n;
    vol[t] = sumV / n;
  }
  const labels = new Uint8Array(length);
  // Typed arrays sort numerically without a comparator call per comparison (NaN cannot occur: `at` fills gaps).
  const byVol = Float64Array.from(vol).sort();
  const volCut = byVol[Math.min(length - 1, Math.floor(length * (1 - volatileShare)))] as number;
  let calm = 0;
  const calmDrifts = new Float64Array(length);
  for (let t = 0; t < length; t++) if ((vol[t] as number) < volCut) calmDrifts[calm++] = drift[t] as number;
  calmDrifts.subarray(0, calm).sort();
  const low = calm > 0 ? (calmDrifts[Math.floor(calm / 3)] as number) : 0;
  const high = calm > 0 ? (calmDrifts[Math.floor((calm * 2) / 3)] as number) : 0;
  for (let t = 0; t < length; t++) {
    if (K < 4) labels[t] = t % K;
    else if ((vol[t] as number) >= volCut) labels[t] = 3;
    else labels[t] = roles[(drift[t] as number) >= high ? 0 : (drift[t] as number) <= low ? 1 : 2];
  }
  const p = createParams(K, D);
  p.transition.set(stickyTransition(K, 0.98));
  const weight = new Float64Array(K * D);
  for (let t = 0; t < length; t++) {
    const k = labels[t] as number;
    for (let d = 0; d < D; d++) {
      const x = observations[t * D + d] as number;
      if (Number.isNaN(x)) continue;
      weight[k * D + d] = (weight[k * D + d] as number) + 1;
      p.means[k * D + d] = (p.means[k * D + d] as number) + x;
    }
  }
  for (let i = 0; i < K * D; i++) {
    const d = i % D;
    p.means[i] = (weight[i] as number) > 0 ? (p.means[i] as number) / (weight[i] as number) : (stats.mean[d] as number);
  }
  for (let t = 0; t < length; t++) {
    const k = labels[t] as number;
    for (let d = 0; d < D; d++) {
      const x = observations[t * D + d] as number;
      if (Number.isNaN(x)) continue;
      const z = x - (p.means[k * D + d] as number);
      p.variances[k * D + d] = (p.variances[k * D + d] as number) + z * z;
    }
  }
  for (let i = 0; i < K * D; i++) {
    const d = i % D;
    // createParams filled variances with 1: take it back out before averaging.
    const sumSq = (p.variances[i] as number) - 1;
    p.variances[i] = (weight[i] as number) > 1 ? sumSq / (weight[i] as number) : (stats.variance[d] as number) || 1;
  }
  return p;
}

function floorVariances(p: HmmParams, floors: Float64Array): void {
  const D = p.features;
  for (let i = 0; i < p.variances.length; i++) {
    const v = p.variances[i] as number;
    const floor = floors[i % D] as number;
    if (!(v >= floor)) p.variances[i] = floor;
  }
}

const UP = 0;
const DOWN = 1;
const RANGE = 2;
const VOLATILE = 3;

/**
 * Σ γ (x − m)² of state k's feature d about m, from the E-step's sums about the reference r:
 * Σ γ ((x − r) − (m − r))² = Q − 2 (m − r) S + (m − r)² W.
 */
function squaresAbout(e: ExpectationWorkspace, i: number, d: number, m: number): number {
  const shift = m - (e.reference[d] as number);
  return (e.squares[i] as number) - 2 * shift * (e.sum[i] as number) + shift * shift * (e.weight[i] as number);
}

/** Σ γ x of state k's feature d (about zero). */
function rawSum(e: ExpectationWorkspace, i: number, d: number): number {
  return (e.sum[i] as number) + (e.reference[d] as number) * (e.weight[i] as number);
}

/**
 * The M-step's emission update under the mirror constraint, in closed form. Feature 0 (the drift):
 * range's mean is 0, up's δ and down's −δ with one variance. Other features: one mean and variance
 * for both trends. Range keeps its own variances; volatile is free.
 */
function mirror(p: HmmParams, e: ExpectationWorkspace): void {
  const D = p.features;
  for (let d = 0; d < D; d++) {
    const [iu, id, ir] = [UP * D + d, DOWN * D + d, RANGE * D + d];
    const wu = e.weight[iu] as number;
    const wd = e.weight[id] as number;
    const wr = e.weight[ir] as number;
    const wt = wu + wd;
    if (!(wt > 1e-9)) continue;
    const su = rawSum(e, iu, d);
    const sd = rawSum(e, id, d);
    const sr = rawSum(e, ir, d);
    if (d === 0) {
      // Range has no drift; the trends drift ±δ (one variance): δ maximises their shared likelihood.
      const delta = (su - sd) / wt;
      p.means[UP * D] = delta;
      p.means[DOWN * D] = -delta;
      const trendSquares = squaresAbout(e, iu, d, delta) + squaresAbout(e, id, d, -delta);
      const rangeSquares = squaresAbout(e, ir, d, 0);
      let vt = trendSquares / wt;
      let vr = wr > 1e-9 ? rangeSquares / wr : vt;
      // Range is the calm one: when its drift varies more than the trends', the constrained
      // optimum pools the two (else range could pass for a mixture of a rise and a fall).
      if (vr > vt) vt = vr = (trendSquares + rangeSquares) / (wt + wr);
      p.variances[UP * D] = vt;
      p.variances[DOWN * D] = vt;
      p.means[RANGE * D] = 0;
      p.variances[RANGE * D] = vr;
    } else {
      let m = (su + sd) / wt;
      // Range is calm here too: its dispersion is no higher than the trends'. When the free optimum
      // has it higher, the constrained one pools the two means (else the trend pair could take the
      // calm bars and range the others, names swapped, with the same likelihood).
      if (wr > 1e-9 && sr / wr > m) {
        m = (su + sd + sr) / (wt + wr);
        p.means[ir] = m;
        p.variances[ir] = squaresAbout(e, ir, d, m) / wr;
      }
      const v = (squaresAbout(e, iu, d, m) + squaresAbout(e, id, d, m)) / wt;
      p.means[iu] = m;
      p.means[id] = m;
      p.variances[iu] = v;
      p.variances[id] = v;
    }
  }
}

/** Bars of the rolling windows namesPrior() measures calm bars with. */
const CALM_WINDOW = 24;
/** The share of those windows taken as calm: the quantile read off their spreads and levels. */
const CALM_QUANTILE = 0.2;

/**
 * What the regime names mean, as a prior in the window's own units. Calm is read off rolling
 * 24-bar windows: the 20% quietest windows' standard deviation of the market's move (σ), the 20% least
 * dispersed windows' mean log dispersion, and the median window's standard deviation of the log
 * dispersion (its noise within a regime) — so a window that is mostly volatile or mostly trend still
 * gives the calm scale. Range has no drift and σ; the trends drift ±σ/5 a bar (a t-statistic of one
 * over 25 bars) with σ; volatile moves twice as much (4σ²) with its symbols twice as dispersed
 * (log dispersion + log 2). Any further feature (the volume-implied move scale) gets the same prior in
 * every state, its median window's level and spread: the names say nothing of it. Relative units only:
 * any market's bars give them.
 */
export function namesPrior(observations: Float64Array, length: number, D: number): HmmParams {
  const K = 4;
  const p = createParams(K, D);
  const spreads = new Float64Array(length);
  const levels = new Float64Array(length);
  for (let d = 0; d < D; d++) {
    let n = 0;
    let sum = 0;
    let squares = 0;
    let inWindow = 0;
    let windows = 0;
    const queue = new Float64Array(CALM_WINDOW);
    for (let t = 0; t < length; t++) {
      const x = observations[t * D + d] as number;
      if (Number.isNaN(x)) continue;
      if (inWindow === CALM_WINDOW) {
        const old = queue[n % CALM_WINDOW] as number;
        sum -= old;
        squares -= old * old;
        inWindow--;
      }
      queue[n % CALM_WINDOW] = x;
      n++;
      sum += x;
      squares += x * x;
      inWindow++;
      if (inWindow < CALM_WINDOW) continue;
      const mean = sum / CALM_WINDOW;
      spreads[windows] = Math.sqrt(Math.max(0, squares / CALM_WINDOW - mean * mean));
      levels[windows] = mean;
      windows++;
    }
    const sortedSpreads = spreads.subarray(0, windows).sort();
    const sortedLevels = levels.subarray(0, windows).sort();
    const at = (a: Float64Array, q: number): number =>
      a.length > 0 ? (a[Math.floor(q * (a.length - 1))] as number) : Number.NaN;
    const calmSpread = at(sortedSpreads, CALM_QUANTILE);
    const noise = at(sortedSpreads, 0.5);
    const spread = d === 0 ? calmSpread : noise;
    const variance = spread > 0 ? spread * spread : 1;
    const level = d === 0 ? 0 : at(sortedLevels, d === 1 ? CALM_QUANTILE : 0.5);
    for (let k = 0; k < K; k++) {
      p.variances[k * D + d] = variance * (d === 0 && k === VOLATILE ? 4 : 1);
      p.means[k * D + d] = Number.isFinite(level) ? level + (d === 1 && k === VOLATILE ? Math.LN2 : 0) : 0;
    }
    if (d === 0 && spread > 0) {
      p.means[UP * D] = 0.2 * spread;
      p.means[DOWN * D] = -0.2 * spread;
    }
  }
  return p;
}

/** Adds the prior's `bars` pseudo-bars per state to the E-step's sums (the MAP M-step is then the usual one). */
function addPrior(e: ExpectationWorkspace, prior: HmmParams, bars: number): void {
  const D = prior.features;
  for (let i = 0; i < e.weight.length; i++) {
    const shift = (prior.means[i] as number) - (e.reference[i % D] as number);
    e.weight[i] = (e.weight[i] as number) + bars;
    e.sum[i] = (e.sum[i] as number) + bars * shift;
    e.squares[i] = (e.squares[i] as number) + bars * (shift * shift + (prior.variances[i] as number));
  }
}

/** log p(model) of the emissions under the prior, up to a constant: the pseudo-bars' expected log-likelihood. */
function logPrior(p: HmmParams, prior: HmmParams, bars: number): number {
  let sum = 0;
  for (let i = 0; i < p.means.length; i++) {
    const v = p.variances[i] as number;
    const z = (prior.means[i] as number) - (p.means[i] as number);
    sum -= 0.5 * (Math.log(v) + (z * z + (prior.variances[i] as number)) / v);
  }
  return bars * sum;
}

/** One M-step from the E-step's statistics; a state with no weight keeps its values. */
function maximise(p: HmmParams, e: ExpectationWorkspace, floors: Float64Array, options: FitOptions): void {
  const K = p.states;
  const D = p.features;
  const counts = e.transitionCounts;
  for (let k = 0; k < K; k++) p.initial[k] = e.first[k] as number;
  let stays = 0;
  let all = 0;
  for (let i = 0; i < K; i++)
    for (let j = 0; j < K; j++) {
      all += counts[i * K + j] as number;
      if (i === j) stays += counts[i * K + j] as number;
    }
  const pooledStay = all > 0 ? stays / all : 0;
  for (let i = 0; i < K; i++) {
    let row = 0;
    for (let j = 0; j < K; j++) row += counts[i * K + j] as number;
    if (!(row > 0)) continue;
    const stay = ((counts[i * K + i] as number) + options.stayPoolBars * pooledStay) / (row + options.stayPoolBars);
    const moves = row - (counts[i * K + i] as number);
    let total = 0;
    for (let j = 0; j < K; j++) {
      // The moves share 1 − P(stay): alike, or in proportion to their counts.
      const share =
        i === j ? 0 : options.movesAlike || !(moves > 0) ? 1 / (K - 1) : (counts[i * K + j] as number) / moves;
      const v = Math.max(TRANSITION_FLOOR, i === j ? stay : (1 - stay) * share);
      p.transition[i * K + j] = v;
      total += v;
    }
    for (let j = 0; j < K; j++) p.transition[i * K + j] = (p.transition[i * K + j] as number) / total;
    // A regime lasts: P(stay) at least minStay. The constrained optimum of the row puts the diagonal
    // on the bound and shares the rest in proportion to the counts.
    const fitted = p.transition[i * K + i] as number;
    if (fitted < options.minStay && K > 1) {
      const scale = (1 - options.minStay) / (1 - fitted);
      for (let j = 0; j < K; j++)
        p.transition[i * K + j] = i === j ? options.minStay : (p.transition[i * K + j] as number) * scale;
    }
  }
  for (let i = 0; i < K * D; i++) {
    const w = e.weight[i] as number;
    if (!(w > 1e-9)) continue;
    const shifted = (e.sum[i] as number) / w;
    p.means[i] = (e.reference[i % D] as number) + shifted;
    p.variances[i] = Math.max(0, (e.squares[i] as number) / w - shifted * shifted);
  }
  if (options.mirrorTrends && K === 4) mirror(p, e);
  floorVariances(p, floors);
}

/**
 * Fits by EM, yielding after every iteration. Returns null when the data cannot support a model:
 * too few bars, or a first feature that never varies (a constant series).
 */
export function* fitSteps(
  observations: Float64Array,
  length: number,
  features: number,
  options: FitOptions = DEFAULT_FIT_OPTIONS,
  /** Buffers to reuse (a detector's refits); one is made when it is missing or too small. */
  reuse?: ExpectationWorkspace,
): Generator<void, FitResult | null> {
  const D = features;
  const K = options.states;
  const stats = featureStats(observations, length, D);
  if ((stats.observed[0] as number) < MIN_FIT_BARS || !((stats.variance[0] as number) > ABSOLUTE_VARIANCE_FLOOR))
    return null;
  const floors = stats.variance.map((v) => Math.max(ABSOLUTE_VARIANCE_FLOOR, v * options.varianceFloorShare));
  const starts: HmmParams[] = [];
  if (options.warmStart !== undefined && options.warmStart.features === D && options.warmStart.states === K)
    starts.push(cloneParams(options.warmStart));
  for (let s = 0; s < options.starts; s++) {
    const [window, share, roles] = START_VARIANTS[s % START_VARIANTS.length] as StartVariant;
    starts.push(labelledStart(observations, length, D, K, window, share, roles, stats));
  }
  // Sums about each feature's mean keep the M-step's squares exact to rounding.
  const workspace =
    reuse !== undefined && reuse.capacity >= length && reuse.states === K && reuse.features === D
      ? reuse
      : new ExpectationWorkspace(length, K, D);
  workspace.reference.set(stats.mean);
  const prior =
    options.priorBars > 0
      ? options.prior !== undefined && options.prior.states === K && options.prior.features === D
        ? options.prior
        : K === 4
          ? namesPrior(observations, length, D)
          : null
      : null;
  // The objective: log-likelihood plus the prior's log density (MAP); the likelihood alone without a prior.
  const score = (p: HmmParams, logLikelihood: number): number =>
    prior === null ? logLikelihood : logLikelihood + logPrior(p, prior, options.priorBars);
  let best: FitResult | null = null;
  for (const start of starts) {
    const p = start;
    floorVariances(p, floors);
    let previous = Number.NEGATIVE_INFINITY;
    let logLikelihood = Number.NEGATIVE_INFINITY;
    let iterations = 0;
    while (iterations < options.maxIterations) {
      workspace.run(p, observations, length);
      logLikelihood = score(p, workspace.logLikelihood);
      iterations++;
      if (!Number.isFinite(logLikelihood)) break;
      const converged = logLikelihood - previous < options.tolerance * length;
      previous = logLikelihood;
      if (converged) break;
      const behind = best === null ? 0 : (best.logLikelihood - logLikelihood) / length;
      if (iterations >= options.pruneAfter && behind > options.pruneMargin) break;
      if (prior !== null) addPrior(workspace, prior, options.priorBars);
      maximise(p, workspace, floors, options);
      yield;
    }
    if (Number.isFinite(logLikelihood) && (best === null || logLikelihood > best.logLikelihood))
      best = { params: p, logLikelihood, iterations };
  }
  if (best === null) return null;
  return { ...best, params: orderByDriftAndVolatility(best.params) };
}

/** Runs a whole fit at once (a backfill, a test, a bench). */
export function fitHmm(
  observations: Float64Array,
  length: number,
  features: number,
  options: FitOptions = DEFAULT_FIT_OPTIONS,
  reuse?: ExpectationWorkspace,
): FitResult | null {
  const steps = fitSteps(observations, length, features, options, reuse);
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
  }
}
