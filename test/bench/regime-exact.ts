/**
 * The Bayes-optimal causal regime filter of the simulated market (a bench reference, not product code):
 * P(regime_t | every symbol's bars up to t), computed with the generator's own per-bar likelihood of all
 * symbols' bars given the regime, its true transition matrix and the true per-symbol parameters
 * (src/market/sim-market.ts, produceBar). Its argmax maximises the expected share of bars called right
 * among all causal detectors that see the bars, so it is the honest ceiling for the accuracy target.
 *
 * The generator, per bar: the regime steps (leave with 1/meanBars, to one of the three others alike;
 * the range anchor resets to the factor's level at every change); the factor's return
 * f = drift + vol·z + κ·(anchor − level) (κ > 0 only in range); each symbol's log return
 * r = β·f + n·ε with n = its own noise × the regime's idiosyncratic scale; open = lastClose·e^{0.0002 z}
 * (no regime in it), close = open·eʳ, high = max(open, close)·e^{w|z|} and low = min(open, close)·e^{−w|z|}
 * with w = (|r| + n)/2, volume = base·(1 + |r|/(n + vol))·e^{0.3 z}; prices rounded to cents.
 *
 * What the likelihood uses, per bar and regime: (1) the symbols' open-to-close log returns jointly
 * (rank one plus diagonal Gaussian: the factor integrated out, the rounding of the close as extra
 * variance); (2) each symbol's high and low wick, exactly as the probability that the rounded price is
 * the one seen; (3) each symbol's volume (log-normal around base × activity). The pull-back's hidden
 * state (the factor's distance from the range's anchor, which depends on when the range began) is
 * tracked exactly: one Kalman filter per possible start of the current range spell, starts older than
 * `horizon` bars merged by moments (their pull-back has forgotten the start: (1 − κ)^horizon).
 *
 * What it drops (all tiny): the wick and the activity are computed from the seen open-to-close return
 * instead of the exact one (they differ by the close's rounding, ≤ half a cent); the rounding error is
 * treated as Gaussian in (1); the 0.01 price floors; the volume's rounding to whole shares.
 */
import { REGIME_NAMES } from '../../src/core/regime-types.js';
import { SimulatedMarket, SIM_REGIME_PROFILES } from '../../src/market/sim-market.js';
import { barsInPeriod } from '../../src/market/session-calendar.js';
import { scoreRegimes, type RegimeScore } from '../support/regime-scoring.js';
import { ruledCalls } from './detector-rule.js';

const K = REGIME_NAMES.length;
const RANGE = REGIME_NAMES.indexOf('range');

/** Every bar of every symbol (bar-major: index t × symbols + s), the truth and the true per-symbol parameters. */
export interface SimBars {
  readonly bars: number;
  readonly symbols: number;
  /** Index of the first bar after the simulated market's initial history (where the detectors' runs start). */
  readonly first: number;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  readonly truth: Uint8Array;
  readonly beta: Float64Array;
  readonly noise: Float64Array;
  readonly baseVolume: Float64Array;
}

interface SimSymbolInternals {
  readonly beta: number;
  readonly idiosyncraticVolatility: number;
  readonly baseVolume: number;
}

/**
 * The same market as test/support/sim-features.ts and regime-ceiling.ts (same seed and symbol names), every
 * bar from the first kept. The per-symbol parameters are read from the simulator itself (a reference may).
 */
export async function simBars(seed: number, symbols: number, barsAfterHistory: number): Promise<SimBars> {
  const names = Array.from({ length: symbols }, (_, i) => `S${i}`);
  const first = barsInPeriod(1, '15Min');
  const market = new SimulatedMarket({
    seed,
    symbols: names,
    timeframe: '15Min',
    periodDays: 1,
    extraBarsHeld: barsAfterHistory + 8,
  });
  for (let i = 0; i < barsAfterHistory; i++) market.advance();
  const bars = market.barCount;
  const out: SimBars = {
    bars,
    symbols,
    first,
    open: new Float64Array(bars * symbols),
    high: new Float64Array(bars * symbols),
    low: new Float64Array(bars * symbols),
    close: new Float64Array(bars * symbols),
    volume: new Float64Array(bars * symbols),
    truth: new Uint8Array(bars),
    beta: new Float64Array(symbols),
    noise: new Float64Array(symbols),
    baseVolume: new Float64Array(symbols),
  };
  for (let t = 0; t < bars; t++) {
    const regime = market.trueRegimeAt(t);
    if (regime === null) throw new Error(`bar ${t} has left the simulated market's window`);
    out.truth[t] = REGIME_NAMES.indexOf(regime);
  }
  const internals = (market as unknown as { series?: Map<string, SimSymbolInternals> }).series;
  if (internals === undefined)
    throw new Error("the simulated market's per-symbol series moved: update regime-exact.ts");
  const signal = new AbortController().signal;
  for (let s = 0; s < symbols; s++) {
    const name = names[s] as string;
    const own = internals.get(name);
    if (own === undefined) throw new Error(`no series for ${name}`);
    out.beta[s] = own.beta;
    out.noise[s] = own.idiosyncraticVolatility;
    out.baseVolume[s] = own.baseVolume;
    const b = await market.fetchBars({ symbol: name, timeframe: '15Min', after: Number.NEGATIVE_INFINITY, signal });
    if (b.close.length !== bars) throw new Error(`expected ${bars} bars of ${name}, got ${b.close.length}`);
    for (let t = 0; t < bars; t++) {
      const i = t * symbols + s;
      out.open[i] = b.open[t] as number;
      out.high[i] = b.high[t] as number;
      out.low[i] = b.low[t] as number;
      out.close[i] = b.close[t] as number;
      out.volume[i] = b.volume[t] as number;
    }
  }
  return out;
}

/** Which parts of the bars the likelihood uses (all of them for the ceiling; fewer to see what each adds). */
export interface ExactParts {
  readonly wicks: boolean;
  readonly volume: boolean;
  /** Track the range's pull-back (otherwise range's factor return is taken as drift + noise). */
  readonly pullback: boolean;
}

export const ALL_PARTS: ExactParts = { wicks: true, volume: true, pullback: true };
export const RETURNS_ONLY: ExactParts = { wicks: false, volume: false, pullback: true };

const HALF_CENT = 0.005;
const ROUNDING_VARIANCE = 0.0001 / 12;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** erfc with fractional error below 1.2e-7 everywhere (Numerical Recipes' erfcc): good in the tails. */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** log P(a ≤ |z| < b) for a standard normal z, 0 ≤ a < b (b may be +∞). */
function logHalfNormalMass(a: number, b: number): number {
  if (b - a < 0.02) {
    const mid = 0.5 * (a + b);
    return Math.log(2 * (b - a)) - LOG_SQRT_2PI - 0.5 * mid * mid;
  }
  // 2 (Q(a) − Q(b)) = erfc(a/√2) − erfc(b/√2)
  const ea = erfc(a / Math.SQRT2);
  const eb = Number.isFinite(b) ? erfc(b / Math.SQRT2) : 0;
  const mass = ea - eb;
  if (mass > 1e-280) return Math.log(mass);
  // Far in the tail: the Mills-ratio asymptote of log Q(a) (b's share is negligible there).
  return Math.log(2) - 0.5 * a * a - Math.log(a) - LOG_SQRT_2PI;
}

/** The regime filter; step() takes one bar of every symbol and returns P(regime) (REGIME_NAMES order). */
export class ExactRegimeFilter {
  private readonly drift = new Float64Array(K);
  private readonly factorVariance = new Float64Array(K);
  private readonly idioScale = new Float64Array(K);
  private readonly factorVol = new Float64Array(K);
  private readonly leave = new Float64Array(K);
  private readonly kappa: number;
  /** Non-range regimes' probabilities (range's entry unused). */
  private readonly weight = new Float64Array(K);
  /** Range hypotheses by the spell's age (0 = began this bar); the last slot holds every older start. */
  private readonly rangeWeight: Float64Array;
  private readonly rangeMean: Float64Array;
  private readonly rangeVar: Float64Array;
  private readonly nextWeight: Float64Array;
  private readonly nextMean: Float64Array;
  private readonly nextVar: Float64Array;
  private readonly logLik = new Float64Array(K);
  private readonly posterior = new Float64Array(K);
  /** Per regime: Σ wβ², Σ wβx, Σ wx², Σ log(1/w) for the bar's returns. */
  private readonly sBB = new Float64Array(K);
  private readonly sBX = new Float64Array(K);
  private readonly sXX = new Float64Array(K);
  private readonly sLogVar = new Float64Array(K);
  private readonly returnsBuffer: Float64Array;
  /** Range spells older than this many bars share one hypothesis. */
  readonly horizon: number;
  /** Before the first bar: the market begins in range at its anchor. */
  private startInRange = true;

  constructor(
    private readonly beta: Float64Array,
    private readonly noise: Float64Array,
    private readonly baseVolume: Float64Array,
    private readonly parts: ExactParts = ALL_PARTS,
    horizon = 300,
  ) {
    REGIME_NAMES.forEach((name, k) => {
      const p = SIM_REGIME_PROFILES[name];
      this.drift[k] = p.drift;
      this.factorVariance[k] = p.volatility * p.volatility;
      this.factorVol[k] = p.volatility;
      this.idioScale[k] = p.idiosyncraticScale;
      this.leave[k] = 1 / p.meanBars;
      if (k !== RANGE && p.meanReversion !== 0) throw new Error('only range is expected to pull back');
    });
    this.kappa = parts.pullback ? SIM_REGIME_PROFILES.range.meanReversion : 0;
    this.horizon = horizon;
    this.rangeWeight = new Float64Array(horizon + 1);
    this.rangeMean = new Float64Array(horizon + 1);
    this.rangeVar = new Float64Array(horizon + 1);
    this.nextWeight = new Float64Array(horizon + 1);
    this.nextMean = new Float64Array(horizon + 1);
    this.nextVar = new Float64Array(horizon + 1);
    this.returnsBuffer = new Float64Array(beta.length);
  }

  /**
   * One bar: the symbols' open, high, low, close and volume (arrays by symbol, from `offset`).
   * Returns P(regime | bars so far); `likelihoods`, when given, gets log p(bar | regime, past) per regime
   * (range's mixed over its hypotheses' predictive weights).
   */
  step(
    open: Float64Array,
    high: Float64Array,
    low: Float64Array,
    close: Float64Array,
    volume: Float64Array,
    offset: number,
    likelihoods?: Float64Array,
  ): Float64Array {
    this.predict();
    const n = this.beta.length;
    const x = this.returnsBuffer;
    for (let s = 0; s < n; s++) x[s] = Math.log((close[offset + s] as number) / (open[offset + s] as number));
    // Per regime: the parts that do not depend on the pull-back's state.
    for (let k = 0; k < K; k++) {
      const c = this.idioScale[k] as number;
      let bb = 0;
      let bx = 0;
      let xx = 0;
      let logVar = 0;
      let other = 0;
      for (let s = 0; s < n; s++) {
        const own = (this.noise[s] as number) * c;
        const closePrice = close[offset + s] as number;
        const variance = own * own + ROUNDING_VARIANCE / (closePrice * closePrice);
        const w = 1 / variance;
        const b = this.beta[s] as number;
        const xs = x[s] as number;
        bb += w * b * b;
        bx += w * b * xs;
        xx += w * xs * xs;
        logVar += Math.log(variance);
        if (this.parts.wicks || this.parts.volume) {
          const move = Math.abs(xs);
          if (this.parts.wicks) {
            const scale = (move + own) * 0.5;
            const o = open[offset + s] as number;
            const top = Math.max(o, closePrice);
            const bottom = Math.min(o, closePrice);
            const h = high[offset + s] as number;
            const l = low[offset + s] as number;
            other +=
              h - top > 0.001
                ? logHalfNormalMass(Math.log((h - HALF_CENT) / top) / scale, Math.log((h + HALF_CENT) / top) / scale)
                : logHalfNormalMass(0, Math.log((top + HALF_CENT) / top) / scale);
            other +=
              bottom - l > 0.001
                ? logHalfNormalMass(
                    Math.log(bottom / (l + HALF_CENT)) / scale,
                    l - HALF_CENT > 0 ? Math.log(bottom / (l - HALF_CENT)) / scale : Number.POSITIVE_INFINITY,
                  )
                : logHalfNormalMass(
                    0,
                    bottom - HALF_CENT > 0 ? Math.log(bottom / (bottom - HALF_CENT)) / scale : Number.POSITIVE_INFINITY,
                  );
          }
          if (this.parts.volume) {
            const activity = 1 + move / (own + (this.factorVol[k] as number));
            const z =
              (Math.log((volume[offset + s] as number) / (this.baseVolume[s] as number)) - Math.log(activity)) / 0.3;
            other += -0.5 * z * z;
          }
        }
      }
      this.sBB[k] = bb;
      this.sBX[k] = bx;
      this.sXX[k] = xx;
      this.sLogVar[k] = logVar;
      this.logLik[k] = other;
    }
    // Log-likelihood of the returns given the factor's prior N(m, v): rank one plus diagonal.
    const returnsLogLik = (k: number, m: number, v: number): number => {
      const bb = this.sBB[k] as number;
      const resid = (this.sXX[k] as number) - 2 * m * (this.sBX[k] as number) + m * m * bb;
      const cross = (this.sBX[k] as number) - m * bb;
      return -0.5 * ((this.sLogVar[k] as number) + Math.log(1 + v * bb) + resid - (v * cross * cross) / (1 + v * bb));
    };
    // Non-range regimes, then each range hypothesis (its own pull-back state).
    let best = Number.NEGATIVE_INFINITY;
    const nonRange = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      if (k === RANGE) continue;
      nonRange[k] =
        (this.logLik[k] as number) + returnsLogLik(k, this.drift[k] as number, this.factorVariance[k] as number);
      if ((this.weight[k] as number) > 0) best = Math.max(best, nonRange[k] as number);
    }
    const H = this.horizon;
    const rangeLik = this.nextWeight; // reused as scratch: log-likelihood per hypothesis
    const kappa = this.kappa;
    const s2 = this.factorVariance[RANGE] as number;
    const mu = this.drift[RANGE] as number;
    const bbR = this.sBB[RANGE] as number;
    const bxR = this.sBX[RANGE] as number;
    for (let a = 0; a <= H; a++) {
      if ((this.rangeWeight[a] as number) <= 0) {
        rangeLik[a] = Number.NEGATIVE_INFINITY;
        continue;
      }
      const d = this.rangeMean[a] as number;
      const pd = this.rangeVar[a] as number;
      const m = mu - kappa * d;
      const v = s2 + kappa * kappa * pd;
      rangeLik[a] = (this.logLik[RANGE] as number) + returnsLogLik(RANGE, m, v);
      best = Math.max(best, rangeLik[a] as number);
      // Kalman update of the distance from the anchor: D_t = D_{t−1} + f, f seen through the returns.
      const precision = 1 / v + bbR;
      const fMean = (m / v + bxR) / precision;
      const fVar = 1 / precision;
      const gain = (-kappa * pd) / v;
      this.nextMean[a] = d + gain * (fMean - m) + fMean;
      this.nextVar[a] = pd - (kappa * kappa * pd * pd) / v + (1 + gain) * (1 + gain) * fVar;
    }
    let total = 0;
    for (let k = 0; k < K; k++) {
      if (k === RANGE) continue;
      this.weight[k] = (this.weight[k] as number) * Math.exp((nonRange[k] as number) - best);
      total += this.weight[k] as number;
    }
    let rangeTotal = 0;
    let rangeMixed = 0;
    for (let a = 0; a <= H; a++) {
      const w = this.rangeWeight[a] as number;
      if (w <= 0) continue;
      const updated = w * Math.exp((rangeLik[a] as number) - best);
      rangeMixed += updated;
      rangeTotal += w;
      this.rangeWeight[a] = updated;
      this.rangeMean[a] = this.nextMean[a] as number;
      this.rangeVar[a] = this.nextVar[a] as number;
    }
    if (likelihoods !== undefined) {
      for (let k = 0; k < K; k++)
        likelihoods[k] = k === RANGE ? best + Math.log(rangeMixed / rangeTotal) : (nonRange[k] as number);
    }
    total += rangeMixed;
    for (let k = 0; k < K; k++) if (k !== RANGE) this.weight[k] = (this.weight[k] as number) / total;
    for (let a = 0; a <= H; a++) this.rangeWeight[a] = (this.rangeWeight[a] as number) / total;
    for (let k = 0; k < K; k++) this.posterior[k] = k === RANGE ? rangeMixed / total : (this.weight[k] as number);
    return this.posterior;
  }

  /** The regime's step: stays, leaves to one of the others alike; entering range starts a spell at its anchor. */
  private predict(): void {
    const H = this.horizon;
    if (this.startInRange) {
      // Before the first bar: range, at its anchor, the spell about to be tested by the first step.
      this.startInRange = false;
      this.weight.fill(0);
      this.rangeWeight.fill(0);
      this.rangeWeight[0] = 1;
      this.rangeMean[0] = 0;
      this.rangeVar[0] = 0;
      // The first step treats this as a spell already running (age 0 → 1).
    }
    let range = 0;
    for (let a = 0; a <= H; a++) range += this.rangeWeight[a] as number;
    const moveOut = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      const p = k === RANGE ? range : (this.weight[k] as number);
      moveOut[k] = (p * (this.leave[k] as number)) / (K - 1);
    }
    const next = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      if (k === RANGE) continue;
      let inflow = 0;
      for (let j = 0; j < K; j++) if (j !== k) inflow += moveOut[j] as number;
      next[k] = (this.weight[k] as number) * (1 - (this.leave[k] as number)) + inflow;
    }
    for (let k = 0; k < K; k++) if (k !== RANGE) this.weight[k] = next[k] as number;
    // Age every range hypothesis by one bar; the oldest two slots merge by moments.
    const stay = 1 - (this.leave[RANGE] as number);
    const wOld = (this.rangeWeight[H] as number) * stay;
    const wPrev = (this.rangeWeight[H - 1] as number) * stay;
    let merged = { w: 0, m: 0, v: 0 };
    if (wOld + wPrev > 0) {
      const m = (wOld * (this.rangeMean[H] as number) + wPrev * (this.rangeMean[H - 1] as number)) / (wOld + wPrev);
      const v =
        (wOld * ((this.rangeVar[H] as number) + ((this.rangeMean[H] as number) - m) ** 2) +
          wPrev * ((this.rangeVar[H - 1] as number) + ((this.rangeMean[H - 1] as number) - m) ** 2)) /
        (wOld + wPrev);
      merged = { w: wOld + wPrev, m, v };
    }
    for (let a = H - 1; a >= 1; a--) {
      this.rangeWeight[a] = (this.rangeWeight[a - 1] as number) * stay;
      this.rangeMean[a] = this.rangeMean[a - 1] as number;
      this.rangeVar[a] = this.rangeVar[a - 1] as number;
    }
    this.rangeWeight[H] = merged.w;
    this.rangeMean[H] = merged.m;
    this.rangeVar[H] = merged.v;
    let inflow = 0;
    for (let j = 0; j < K; j++) if (j !== RANGE) inflow += moveOut[j] as number;
    this.rangeWeight[0] = inflow;
    this.rangeMean[0] = 0;
    this.rangeVar[0] = 0;
  }
}

/** Runs the filter over every bar; posteriors bars × K (REGIME_NAMES order), and per-bar log-likelihoods. */
export function exactPosteriors(
  sim: SimBars,
  parts: ExactParts = ALL_PARTS,
): { posteriors: Float64Array; likelihoods: Float64Array } {
  const filter = new ExactRegimeFilter(sim.beta, sim.noise, sim.baseVolume, parts);
  const posteriors = new Float64Array(sim.bars * K);
  const likelihoods = new Float64Array(sim.bars * K);
  const scratch = new Float64Array(K);
  for (let t = 0; t < sim.bars; t++) {
    const post = filter.step(sim.open, sim.high, sim.low, sim.close, sim.volume, t * sim.symbols, scratch);
    posteriors.set(post, t * K);
    likelihoods.set(scratch, t * K);
  }
  return { posteriors, likelihoods };
}

/** Each bar's most probable regime (the Bayes rule for per-bar accuracy). */
export function argmaxCalls(posteriors: Float64Array): Uint8Array {
  const bars = posteriors.length / K;
  const called = new Uint8Array(bars);
  for (let t = 0; t < bars; t++) {
    let best = 0;
    for (let k = 1; k < K; k++) if ((posteriors[t * K + k] as number) > (posteriors[t * K + best] as number)) best = k;
    called[t] = best;
  }
  return called;
}

/** Mean over bars [from, to) of the largest posterior: the accuracy the filter expects of its argmax. */
export function expectedAccuracy(posteriors: Float64Array, from: number, to = posteriors.length / K): number {
  let sum = 0;
  for (let t = from; t < to; t++) {
    let best = 0;
    for (let k = 0; k < K; k++) best = Math.max(best, posteriors[t * K + k] as number);
    sum += best;
  }
  return sum / (to - from);
}

export const SWEEP_THRESHOLDS = [0.4, 0.5, 0.6, 0.7, 0.8, 0.9] as const;
export const SWEEP_MARGINS = [0, 0.2, 0.4] as const;
export const SWEEP_DWELLS = [1, 2, 3, 4, 6, 8] as const;

export interface RuleSetting {
  readonly threshold: number;
  readonly margin: number;
  readonly dwell: number;
}

export interface SweepResult {
  /** The most accurate setting with changes ≤ 1.5 × true and delay ≤ 12 bars (null: none). */
  readonly best: { readonly setting: RuleSetting; readonly score: RegimeScore } | null;
  /** Settings meeting all three targets (accuracy ≥ 90% too). */
  readonly meetingAll: number;
}

/** The detector's rule over a grid of threshold × margin × dwell on top of these posteriors. */
export function sweepRule(posteriors: Float64Array, truth: Uint8Array, from: number): SweepResult {
  let best: SweepResult['best'] = null;
  let meetingAll = 0;
  for (const threshold of SWEEP_THRESHOLDS)
    for (const margin of SWEEP_MARGINS)
      for (const dwell of SWEEP_DWELLS) {
        const score = scoreRegimes(ruledCalls(posteriors, { threshold, margin, dwell }), truth, from);
        if (score.changesCalled > 1.5 * score.trueChanges || !(score.meanDelay <= 12)) continue;
        if (score.accuracy >= 0.9) meetingAll++;
        if (best === null || score.accuracy > best.score.accuracy)
          best = { setting: { threshold, margin, dwell }, score };
      }
  return { best, meetingAll };
}
