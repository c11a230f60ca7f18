/**
 * How much a richer emission model could add at a given number of symbols: ceilings (forward filters
 * given the TRUE labels' parameters, under the detector's decision rule) of three models, beside the
 * detector on the plain features and on the factor (GLS) features the engine computes. The references
 * may read the simulator's truth; the GLS features use only the backfill's bars (per-symbol betas and
 * idiosyncratic standard deviations, fixed for the run, src/core/hmm/features.ts), as a real market's would.
 *
 *   node --import tsx test/bench/regime-ceiling.ts            (seeds 1-9, 20 symbols)
 *   SEEDS=1,2,3 SYMBOLS=60 BARS=25000 node --import tsx test/bench/regime-ceiling.ts
 *
 * Models: (a) the plain features: diagonal Gaussian over (mean log return, log dispersion); (b) the same
 * over GLS features: the factor estimated with weights βᵢ/σᵢ², the dispersion as ½ log of the mean
 * squared standardised residual (rᵢ − βᵢ f)/σᵢ, which takes out the symbols' unequal noise; (c) (b)
 * with a Markov-switching regression for the move, mean μₖ + φₖ dₜ, dₜ the market level's distance
 * above its 10-bar exponential average before the bar (a range's pull-back); (d) the exact filter
 * (test/bench/regime-exact.ts): P(regime | every symbol's bars) with the generator's own likelihood of
 * the bars (returns, wicks, volumes, the pull-back's hidden state tracked exactly), its argmax (the
 * Bayes rule for per-bar accuracy: no causal detector does better in expectation), under the
 * detector's rule, and under the best rule of a threshold × margin × dwell grid meeting changes ≤ 1.5 ×
 * true and delay ≤ 12 bars; (e) the exact filter on the open-to-close returns alone (no wicks, no
 * volumes), under the detector's rule: what the prices' moves alone can give; (f) the engine's features,
 * (b) with the volume-implied move scale (src/core/hmm/features.ts), given the true labels' parameters.
 *
 *   FORMAT=markdown … prints one table row per seed: exact argmax | exact, detector's rule | exact, best
 *   rule (its setting) | exact on the returns alone | the detector on (b) (before the volume feature) |
 *   the detector on (f) (the engine's features) | the points between the exact filter's best rule and it.
 */
import { REGIME_NAMES } from '../../src/core/regime-types.js';
import { estimateLoadings, FEATURE_COUNT, UniverseFeatures } from '../../src/core/hmm/features.js';
import { ForwardFilter } from '../../src/core/hmm/inference.js';
import { createParams, type HmmParams } from '../../src/core/hmm/model.js';
import { DEFAULT_HMM_SETTINGS } from '../../src/core/hmm/detector.js';
import { SimulatedMarket, SIM_REGIME_PROFILES } from '../../src/market/sim-market.js';
import { barsInPeriod, simBarTime } from '../../src/market/session-calendar.js';
import { BACKFILL_BARS, runDetector } from '../support/regime-accuracy.js';
import { scoreRegimes, type RegimeScore } from '../support/regime-scoring.js';
import { argmaxCalls, exactPosteriors, RETURNS_ONLY, expectedAccuracy, simBars, sweepRule } from './regime-exact.js';
import { ruledCalls } from './detector-rule.js';

const K = REGIME_NAMES.length;
const D = FEATURE_COUNT;

interface SymbolReturns {
  readonly bars: number;
  readonly symbols: number;
  /** bars × symbols log returns (close to close; NaN on the first bar). */
  readonly returns: Float64Array;
  /** bars × symbols: each bar's own move (log close/open) and volume. */
  readonly moves: Float64Array;
  readonly volumes: Float64Array;
  readonly truth: Uint8Array;
  readonly times: Float64Array;
}

/** The same bars as test/support/sim-features.ts, each symbol's return kept. */
async function symbolReturns(seed: number, symbols: number, bars: number): Promise<SymbolReturns> {
  const names = Array.from({ length: symbols }, (_, i) => `S${i}`);
  const market = new SimulatedMarket({
    seed,
    symbols: names,
    timeframe: '15Min',
    periodDays: 1,
    extraBarsHeld: bars + 8,
  });
  const first = barsInPeriod(1, '15Min');
  for (let i = 0; i < bars; i++) market.advance();
  const returns = new Float64Array(bars * symbols);
  const moves = new Float64Array(bars * symbols);
  const volumes = new Float64Array(bars * symbols);
  const truth = new Uint8Array(bars);
  const times = new Float64Array(bars);
  for (let i = 0; i < bars; i++) {
    truth[i] = REGIME_NAMES.indexOf(market.trueRegimeAt(first + i) ?? 'range');
    times[i] = simBarTime(first + i, '15Min');
  }
  const signal = new AbortController().signal;
  for (let s = 0; s < symbols; s++) {
    const after = simBarTime(first - 1, '15Min');
    const b = await market.fetchBars({ symbol: names[s] as string, timeframe: '15Min', after, signal });
    returns[s] = Number.NaN;
    for (let i = 1; i < bars; i++)
      returns[i * symbols + s] = Math.log((b.close[i] as number) / (b.close[i - 1] as number));
    for (let i = 0; i < bars; i++) {
      moves[i * symbols + s] = Math.log((b.close[i] as number) / (b.open[i] as number));
      volumes[i * symbols + s] = b.volume[i] as number;
    }
  }
  return { bars, symbols, returns, moves, volumes, truth, times };
}

function plainFeatures(r: SymbolReturns): Float64Array {
  const out = new Float64Array(r.bars * D);
  const universe = new UniverseFeatures();
  for (let t = 0; t < r.bars; t++) {
    for (let s = 0; s < r.symbols; s++) universe.add(r.returns[t * r.symbols + s] as number);
    universe.finish(out, t * D);
  }
  return out;
}

/**
 * The factor (GLS) features: loadings from the first `backfill` bars; with `volume`, the volume feature
 * too, as the engine computes them (without, it is missing: the features before it).
 */
function glsFeatures(r: SymbolReturns, backfill: number, volume: boolean): Float64Array {
  const row = (a: Float64Array, t: number): Float64Array => a.subarray(t * r.symbols, (t + 1) * r.symbols);
  const rows = Array.from({ length: backfill }, (_, t) => row(r.returns, t));
  const volumeRows = {
    moves: Array.from({ length: backfill }, (_, t) => row(r.moves, t)),
    volumes: Array.from({ length: backfill }, (_, t) => row(r.volumes, t)),
  };
  const out = new Float64Array(r.bars * D);
  const universe = new UniverseFeatures(estimateLoadings(rows, r.symbols, volume ? volumeRows : undefined));
  for (let t = 0; t < r.bars; t++) {
    for (let s = 0; s < r.symbols; s++) {
      const i = t * r.symbols + s;
      universe.add(r.returns[i] as number, s, r.moves[i] as number, r.volumes[i] as number);
    }
    universe.finish(out, t * D);
  }
  return out;
}

/** The simulator's transition matrix: each regime's mean spell, the moves alike. */
function trueTransition(): Float64Array {
  const a = new Float64Array(K * K);
  REGIME_NAMES.forEach((name, i) => {
    const leave = 1 / SIM_REGIME_PROFILES[name].meanBars;
    for (let j = 0; j < K; j++) a[i * K + j] = i === j ? 1 - leave : leave / (K - 1);
  });
  return a;
}

/** Emissions measured on the true labels; with `level`, feature 0 regressed on it per regime. */
function trueModel(
  obs: Float64Array,
  truth: Uint8Array,
  level: Float64Array | null,
): { p: HmmParams; phi: Float64Array } {
  const p = createParams(K, D);
  p.transition.set(trueTransition());
  const phi = new Float64Array(K);
  for (let k = 0; k < K; k++)
    for (let d = 0; d < D; d++) {
      let n = 0;
      let sx = 0;
      let sy = 0;
      let sxx = 0;
      let sxy = 0;
      for (let t = 0; t < truth.length; t++) {
        const y = obs[t * D + d] as number;
        if (truth[t] !== k || Number.isNaN(y)) continue;
        const x = d === 0 && level !== null ? (level[t] as number) : 0;
        n++;
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
      }
      if (n === 0) continue; // a feature these features do not have (missing throughout): it weighs nothing
      const slope = n * sxx - sx * sx > 0 ? (n * sxy - sx * sy) / (n * sxx - sx * sx) : 0;
      if (d === 0) phi[k] = slope;
      const mean = (sy - slope * sx) / n;
      let squares = 0;
      for (let t = 0; t < truth.length; t++) {
        const y = obs[t * D + d] as number;
        if (truth[t] !== k || Number.isNaN(y)) continue;
        const x = d === 0 && level !== null ? (level[t] as number) : 0;
        squares += (y - mean - slope * x) ** 2;
      }
      p.means[k * D + d] = mean;
      p.variances[k * D + d] = squares / n;
    }
  return { p, phi };
}

/** The market level's distance above its `span`-bar exponential average, before each bar. */
function levelGap(obs: Float64Array, bars: number, span: number): Float64Array {
  const out = new Float64Array(bars);
  const a = 2 / (span + 1);
  let level = 0;
  let average = 0;
  for (let t = 0; t < bars; t++) {
    out[t] = level - average;
    const x = obs[t * D] as number;
    if (!Number.isNaN(x)) level += x;
    average += a * (level - average);
  }
  return out;
}

/** Forward filter posteriors (T × K); with `level`, feature 0's mean in regime k is μₖ + φₖ·level. */
function posteriors(p: HmmParams, phi: Float64Array, obs: Float64Array, level: Float64Array | null): Float64Array {
  const bars = obs.length / D;
  const out = new Float64Array(bars * K);
  if (level === null) {
    const filter = new ForwardFilter(p);
    for (let t = 0; t < bars; t++) out.set(filter.step(obs, t * D), t * K);
    return out;
  }
  const shifted = createParams(K, D);
  shifted.transition.set(p.transition);
  shifted.variances.set(p.variances);
  const filter = new ForwardFilter(shifted);
  for (let t = 0; t < bars; t++) {
    // The regression mean is the model's mean at this bar: the filter takes the shifted means in place.
    for (let k = 0; k < K; k++) {
      shifted.means[k * D] = (p.means[k * D] as number) + (phi[k] as number) * (level[t] as number);
      shifted.means[k * D + 1] = p.means[k * D + 1] as number;
    }
    filter.setModel(shifted);
    out.set(filter.step(obs, t * D), t * K);
  }
  return out;
}

export interface CeilingRow {
  readonly seed: number;
  readonly symbols: number;
  readonly scores: Readonly<Record<string, RegimeScore>>;
  /** The exact filter's best rule (threshold / margin / dwell) meeting the changes and delay targets. */
  readonly exactBestRule: string;
  /** Settings of the grid meeting all three targets on top of the exact filter. */
  readonly exactSettingsMeetingAll: number;
  /** The exact filter's mean largest posterior: the accuracy it expects of its argmax (calibration). */
  readonly exactExpectedAccuracy: number;
}

export async function benchCeilings(seed: number, symbols: number, bars: number): Promise<CeilingRow> {
  const r = await symbolReturns(seed, symbols, BACKFILL_BARS + bars);
  const plain = plainFeatures(r);
  const gls = glsFeatures(r, BACKFILL_BARS, false);
  const engine = glsFeatures(r, BACKFILL_BARS, true);
  const score = (called: Uint8Array): RegimeScore => scoreRegimes(called, r.truth, BACKFILL_BARS);
  const ceiling = (obs: Float64Array, regress: boolean): RegimeScore => {
    const level = regress ? levelGap(obs, r.bars, 10) : null;
    const { p, phi } = trueModel(obs, r.truth, level);
    return score(ruledCalls(posteriors(p, phi, obs, level), DEFAULT_HMM_SETTINGS));
  };
  const detector = (obs: Float64Array): RegimeScore =>
    score(runDetector({ bars: r.bars, observations: obs, truth: r.truth, times: r.times }, BACKFILL_BARS).called);
  const sim = await simBars(seed, symbols, BACKFILL_BARS + bars);
  const truth = sim.truth.subarray(sim.first);
  if (truth.length !== r.bars || truth.some((y, t) => y !== r.truth[t]))
    throw new Error('the exact filter saw another market than the features');
  const exact = exactPosteriors(sim).posteriors.subarray(sim.first * K);
  const sweep = sweepRule(exact, truth, BACKFILL_BARS);
  const best = sweep.best;
  return {
    seed,
    symbols,
    exactBestRule:
      best === null ? 'none' : `${best.setting.threshold} / ${best.setting.margin} / ${best.setting.dwell}`,
    exactSettingsMeetingAll: sweep.meetingAll,
    exactExpectedAccuracy: expectedAccuracy(exact, BACKFILL_BARS),
    scores: {
      '(d) exact filter, argmax': score(argmaxCalls(exact)),
      "(d) exact filter, detector's rule": score(ruledCalls(exact, DEFAULT_HMM_SETTINGS)),
      ...(best === null ? {} : { '(d) exact filter, best rule': best.score }),
      "(e) exact on returns + pull-back alone, detector's rule": score(
        ruledCalls(exactPosteriors(sim, RETURNS_ONLY).posteriors.subarray(sim.first * K), DEFAULT_HMM_SETTINGS),
      ),
      'ceiling (a)': ceiling(plain, false),
      'ceiling (b) GLS': ceiling(gls, false),
      'ceiling (c) GLS + pull-back': ceiling(gls, true),
      '(f) ceiling, GLS + volume feature': ceiling(engine, false),
      'detector on (a)': detector(plain),
      'detector on (b) GLS': detector(gls),
      'detector on (f) GLS + volume (the engine)': detector(engine),
    },
  };
}

const runAsScript = process.argv[1]?.endsWith('regime-ceiling.ts') === true;
if (runAsScript) {
  const seeds = (process.env.SEEDS ?? '1,2,3,4,5,6,7,8,9').split(',').map(Number);
  const symbols = Number(process.env.SYMBOLS ?? 20);
  const bars = Number(process.env.BARS ?? 25_000);
  console.log(
    `regime ceilings, ${symbols} symbols, ${bars.toLocaleString('en-US')} bars after a ${BACKFILL_BARS}-bar backfill: accuracy / changes per true change / mean delay`,
  );
  const cell = (s: RegimeScore | undefined): string =>
    s === undefined
      ? '—'
      : `${(s.accuracy * 100).toFixed(1)}% / ${(s.changesCalled / s.trueChanges).toFixed(2)}× / ${s.meanDelay.toFixed(1)}`;
  for (const seed of seeds) {
    const row = await benchCeilings(seed, symbols, bars);
    if (process.env.FORMAT === 'markdown') {
      const s = row.scores;
      const gap =
        ((s['(d) exact filter, best rule']?.accuracy ?? Number.NaN) -
          (s['detector on (f) GLS + volume (the engine)']?.accuracy ?? Number.NaN)) *
        100;
      console.log(
        `| ${seed} | ${cell(s['(d) exact filter, argmax'])} (expects ${(row.exactExpectedAccuracy * 100).toFixed(1)}%) | ${cell(s["(d) exact filter, detector's rule"])} | ${cell(s['(d) exact filter, best rule'])} (${row.exactBestRule}) | ${cell(s["(e) exact on returns + pull-back alone, detector's rule"])} | ${cell(s['detector on (b) GLS'])} | ${cell(s['detector on (f) GLS + volume (the engine)'])} | ${gap.toFixed(1)} |`,
      );
      continue;
    }
    const cells = Object.entries(row.scores).map(([name, s]) => `${name} ${cell(s)}`);
    console.log(
      `  seed ${seed}: ${cells.join(' | ')} | exact's best rule ${row.exactBestRule}, settings meeting all targets ${row.exactSettingsMeetingAll}, expected accuracy ${(row.exactExpectedAccuracy * 100).toFixed(1)}%`,
    );
  }
}
