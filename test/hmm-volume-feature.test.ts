import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../src/core/random.js';
import {
  estimateLoadings,
  estimateVolumeLoadings,
  FACTOR_FEATURE_NAMES,
  FEATURE_COUNT,
  MAX_VOLUME_STRETCH,
  TWO_FACTOR_FEATURE_NAMES,
  UniverseFeatures,
} from '../src/core/hmm/features.js';
import { DEFAULT_HMM_SETTINGS, HmmRegimeDetector } from '../src/core/hmm/detector.js';
import { readLoadings, readModel, saveLoadings, saveModel } from '../src/core/hmm/saved-model.js';
import { createParams } from '../src/core/hmm/model.js';

const close = (actual: number, expected: number, tolerance: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected} (±${tolerance})`);

/** Bars of `symbols` symbols whose log volume is level + log(1 + |move|/(ρ e^θ)) + 0.3 z. */
function volumeBars(
  random: SeededRandom,
  bars: number,
  symbols: { level: number; rho: number; moveSd: number }[],
  theta: () => number,
): { moves: Float64Array[]; volumes: Float64Array[] } {
  const moves: Float64Array[] = [];
  const volumes: Float64Array[] = [];
  for (let t = 0; t < bars; t++) {
    const stretch = Math.exp(theta());
    const m = new Float64Array(symbols.length);
    const v = new Float64Array(symbols.length);
    symbols.forEach((s, i) => {
      m[i] = s.moveSd * random.normal();
      v[i] = Math.exp(s.level + Math.log1p(Math.abs(m[i] as number) / (s.rho * stretch)) + 0.3 * random.normal());
    });
    moves.push(m);
    volumes.push(v);
  }
  return { moves, volumes };
}

const universe = (random: SeededRandom, count: number): { level: number; rho: number; moveSd: number }[] =>
  Array.from({ length: count }, () => {
    const moveSd = 0.001 + 0.002 * random.next();
    return { level: 10 + 2 * random.next(), rho: moveSd * (0.7 + 1.5 * random.next()), moveSd };
  });

test('volume loadings recover each symbol’s quiet volume, the move that doubles it (within the grid’s step) and its noise; too few bars or symbols: none', () => {
  const random = new SeededRandom(3);
  const symbols = universe(random, 30);
  const { moves, volumes } = volumeBars(random, 3000, symbols, () => 0);
  // A symbol without volumes (a feed that has none) and one with a gap.
  for (const v of volumes) v[7] = 0;
  for (let t = 0; t < 3000; t += 4) (volumes[t] as Float64Array)[9] = Number.NaN;
  const loadings = estimateVolumeLoadings(moves, volumes, 30);
  assert.ok(loadings !== null);
  symbols.forEach((s, i) => {
    if (i === 7) {
      assert.ok(Number.isNaN(loadings.scale[i] as number), 'no volumes: left out');
      return;
    }
    close(Math.log((loadings.scale[i] as number) / s.rho), 0, 0.25, `log ρ ${i}`);
    close(loadings.level[i] as number, s.level, 0.12, `level ${i}`);
    close(loadings.noise[i] as number, 0.3, 0.03, `noise ${i}`);
  });
  assert.equal(estimateVolumeLoadings(moves.slice(0, 50), volumes.slice(0, 50), 30), null, 'too few bars');
  const one = (rows: Float64Array[]): Float64Array[] => rows.map((r) => r.subarray(0, 1));
  assert.equal(estimateVolumeLoadings(one(moves), one(volumes), 1), null, 'one symbol');
});

test('the volume feature measures how far the moves are stretched for their volume (θ), missing without volume loadings or moving symbols', () => {
  const random = new SeededRandom(4);
  const symbols = universe(random, 20);
  const backfill = volumeBars(random, 2000, symbols, () => 0);
  const returns = backfill.moves.map((m) => Float64Array.from(m, (x) => x + 0.0001 * random.normal()));
  const loadings = estimateLoadings(returns, 20, backfill);
  assert.ok(loadings?.volume !== undefined);
  const features = new UniverseFeatures(loadings);
  assert.deepEqual(features.names, FACTOR_FEATURE_NAMES);
  const out = new Float64Array(FEATURE_COUNT);
  const meanTheta = (theta: number): number => {
    const bars = volumeBars(random, 400, symbols, () => theta);
    let sum = 0;
    for (let t = 0; t < 400; t++) {
      for (let s = 0; s < 20; s++) {
        const m = (bars.moves[t] as Float64Array)[s] as number;
        features.add(m, s, m, (bars.volumes[t] as Float64Array)[s] as number);
      }
      features.finish(out);
      sum += out[2] as number;
    }
    return sum / 400;
  };
  const thetas = [-0.4, 0, 0.4, 0.8].map(meanTheta);
  // One Gauss-Newton step from 0 is exact near 0 and shrinks far from it; the order is kept.
  close(thetas[1] as number, 0, 0.06, 'θ = 0');
  close(thetas[2] as number, 0.4, 0.15, 'θ = 0.4');
  close(thetas[0] as number, -0.4, 0.15, 'θ = −0.4');
  for (let i = 1; i < thetas.length; i++) assert.ok((thetas[i] as number) > (thetas[i - 1] as number), thetas.join());
  // Only one symbol with a volume, or none that moves: missing; the other features are still there.
  features.add(0.001, 0, 0.001, 1e5);
  features.add(0.002, 1, 0.002, Number.NaN);
  features.add(0.003, 2, 0.003, 0);
  features.finish(out);
  assert.ok(Number.isNaN(out[2] as number) && Number.isFinite(out[0] as number));
  for (let s = 0; s < 20; s++) features.add(0.001, s, 0, 1e5);
  features.finish(out);
  assert.ok(Number.isNaN(out[2] as number), 'no symbol moved within its bar');
  // Two symbols that hardly moved say too little (θ's standard error above 1): missing.
  for (let s = 0; s < 2; s++) features.add(0.001, s, 1e-7, 1e5);
  features.finish(out);
  assert.ok(Number.isNaN(out[2] as number), 'too little said');
  // An auction's volume, a thousand times every symbol's fit: bounded.
  for (let s = 0; s < 20; s++) {
    const m = 2 * (symbols[s] as { moveSd: number }).moveSd;
    features.add(
      m,
      s,
      m,
      1e3 * Math.exp((loadings.volume.level[s] as number) + Math.log1p(m / (loadings.volume.scale[s] as number))),
    );
  }
  features.finish(out);
  assert.equal(out[2], -MAX_VOLUME_STRETCH);
  // A symbol whose bar opened or closed at 0 (an infinite move) is left out; the others still say θ.
  for (let s = 0; s < 20; s++) {
    const m = 2 * (symbols[s] as { moveSd: number }).moveSd;
    const quiet = Math.exp((loadings.volume.level[s] as number) + Math.log1p(m / (loadings.volume.scale[s] as number)));
    features.add(m, s, s === 3 ? Number.POSITIVE_INFINITY : s === 4 ? Number.NEGATIVE_INFINITY : m, quiet);
  }
  features.finish(out);
  close(out[2] as number, 0, 0.05, 'θ with two infinite moves among twenty');
  // Loadings without volume ones (saved before the feature): the feature is missing.
  const { volume: _none, ...returnsOnly } = loadings;
  const older = new UniverseFeatures(returnsOnly);
  for (let s = 0; s < 20; s++) older.add(0.001 * s, s, 0.001 * s, 1e5);
  older.finish(out);
  assert.ok(Number.isNaN(out[2] as number) && Number.isFinite(out[1] as number));
});

test('volume loadings are saved with the others and read back; loadings saved before them read without them', () => {
  const random = new SeededRandom(5);
  const symbols = universe(random, 6);
  const bars = volumeBars(random, 500, symbols, () => 0);
  const loadings = estimateLoadings(bars.moves, 6, bars);
  assert.ok(loadings?.volume !== undefined);
  const saved = JSON.parse(JSON.stringify(saveLoadings(loadings))) as unknown;
  const read = readLoadings(saved, 6);
  assert.deepEqual(read, loadings);
  const { volumeLevel: _l, volumeScale: _s, volumeNoise: _n, ...older } = saved as Record<string, unknown>;
  const readOlder = readLoadings(older, 6);
  assert.ok(readOlder !== null && readOlder.volume === undefined);
  assert.equal(
    readLoadings({ ...(saved as object), volumeScale: [1, 2, 3] }, 6)?.volume,
    undefined,
    'damaged: left out',
  );
});

test('a model saved before the volume feature is put in force with the feature weighing nothing; a missing feature changes no call', () => {
  const p = createParams(4, 2);
  p.means.set([0.0004, -6, -0.0004, -6, 0, -6.2, 0, -5.3]);
  p.variances.set([1e-6, 0.01, 1e-6, 0.01, 1e-6, 0.01, 9e-6, 0.02]);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) p.transition[i * 4 + j] = i === j ? 0.99 : 0.01 / 3;
  const older = { ...saveModel(p), features: [...TWO_FACTOR_FEATURE_NAMES] };
  const asIs = readModel(older);
  assert.equal(asIs?.features, 2, 'read as saved (learn report)');
  const inForce = readModel(older, FACTOR_FEATURE_NAMES);
  assert.ok(inForce !== null && inForce.features === 3);
  for (let k = 0; k < 4; k++) {
    assert.deepEqual([inForce.means[k * 3], inForce.means[k * 3 + 1]], [p.means[k * 2], p.means[k * 2 + 1]]);
    assert.deepEqual([inForce.means[k * 3 + 2], inForce.variances[k * 3 + 2]], [0, 1], 'alike in every state');
  }

  // Two detectors on the same two features, one with a third always missing (no volumes): the same calls.
  const settings = { ...DEFAULT_HMM_SETTINGS, minHistory: 200, window: 1500, refitEvery: 500 };
  const two = new HmmRegimeDetector(2, settings);
  const three = new HmmRegimeDetector(3, settings);
  const random = new SeededRandom(6);
  let regime = 2;
  let same = 0;
  const bars = 4000;
  for (let t = 0; t < bars; t++) {
    if (random.next() < 1 / 150) regime = Math.floor(random.next() * 4);
    const x = (p.means[regime * 2] as number) + Math.sqrt(p.variances[regime * 2] as number) * random.normal();
    const y = (p.means[regime * 2 + 1] as number) + Math.sqrt(p.variances[regime * 2 + 1] as number) * random.normal();
    two.update([x, y]);
    three.update([x, y, Number.NaN]);
    if (t === 999) assert.ok(two.fitNow() && three.fitNow());
    if (t >= 1000 && two.regime === three.regime) same++;
  }
  assert.ok(same / (bars - 1000) > 0.99, `${same} of ${bars - 1000} bars called alike`);
});
