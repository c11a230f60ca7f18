/**
 * The regime model as saved with a run (JSON in the database): named states and features, so that
 * a reader (resume, watch, `learn report`) knows what the numbers are. Reading validates everything:
 * a damaged or foreign model is refused (null), never half-used. Two feature sets exist: the plain
 * ones (every model saved before the factor features) and the factor ones; a reader takes either and
 * says which, and a detector takes only a model of the features it computes. Models saved before the
 * volume feature have two features; a detector takes one of its own set with the third added alike
 * in every state (so it weighs nothing until the next refit learns it).
 */
import { REGIME_NAMES } from '../regime-types.js';
import {
  FACTOR_FEATURE_NAMES,
  FEATURE_NAMES,
  TWO_FACTOR_FEATURE_NAMES,
  TWO_FEATURE_NAMES,
  type FactorLoadings,
  type FeatureNames,
  type VolumeLoadings,
} from './features.js';
import { isUsable, type HmmParams } from './model.js';

export interface SavedRegimeModel {
  readonly states: readonly string[];
  readonly features: readonly string[];
  readonly initial: readonly number[];
  /** Row-major K × K. */
  readonly transition: readonly number[];
  /** K × D. */
  readonly means: readonly number[];
  readonly variances: readonly number[];
  /**
   * With the factor features, the loadings they are computed with (by symbol index, null for a symbol
   * left out): a resume goes on computing the same features (saved once per fit, not with every
   * iteration's checkpoint).
   */
  readonly loadings?: SavedLoadings;
}

export interface SavedLoadings {
  readonly beta: readonly (number | null)[];
  readonly deviation: readonly (number | null)[];
  /** The volume feature's (absent in loadings saved before it: the feature is then missing). */
  readonly volumeLevel?: readonly (number | null)[];
  readonly volumeScale?: readonly (number | null)[];
  readonly volumeNoise?: readonly (number | null)[];
}

const orNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

export function saveLoadings(loadings: FactorLoadings): SavedLoadings {
  const volume = loadings.volume;
  return {
    beta: Array.from(loadings.beta, orNull),
    deviation: Array.from(loadings.deviation, orNull),
    ...(volume === undefined
      ? {}
      : {
          volumeLevel: Array.from(volume.level, orNull),
          volumeScale: Array.from(volume.scale, orNull),
          volumeNoise: Array.from(volume.noise, orNull),
        }),
  };
}

const isBeta = (x: unknown): boolean => x === null || (typeof x === 'number' && Number.isFinite(x));
const isDeviation = (x: unknown): boolean => x === null || (typeof x === 'number' && Number.isFinite(x) && x > 0);

/** Saved loadings for `symbols` symbols, or null (none, damaged, or for a universe of another size). */
export function readLoadings(value: unknown, symbols: number): FactorLoadings | null {
  if (typeof value !== 'object' || value === null) return null;
  const { beta, deviation } = value as Record<string, unknown>;
  if (!Array.isArray(beta) || !Array.isArray(deviation)) return null;
  if (beta.length !== symbols || deviation.length !== symbols) return null;
  if (!beta.every(isBeta) || !deviation.every(isDeviation)) return null;
  const loadings = {
    beta: Float64Array.from(beta as (number | null)[], (x) => x ?? Number.NaN),
    deviation: Float64Array.from(deviation as (number | null)[], (x) => x ?? Number.NaN),
  };
  const volume = readVolumeLoadings(value as Record<string, unknown>, symbols);
  return volume === null ? loadings : { ...loadings, volume };
}

/** The volume feature's loadings, or null (none saved, or damaged: the feature is then missing). */
function readVolumeLoadings(value: Record<string, unknown>, symbols: number): VolumeLoadings | null {
  const { volumeLevel, volumeScale, volumeNoise } = value;
  const column = (x: unknown, valid: (y: unknown) => boolean): Float64Array | null =>
    Array.isArray(x) && x.length === symbols && x.every(valid)
      ? Float64Array.from(x as (number | null)[], (y) => y ?? Number.NaN)
      : null;
  const level = column(volumeLevel, isBeta);
  const scale = column(volumeScale, isDeviation);
  const noise = column(volumeNoise, isDeviation);
  return level === null || scale === null || noise === null ? null : { level, scale, noise };
}

export function saveModel(
  p: HmmParams,
  features: FeatureNames = FEATURE_NAMES,
  loadings: FactorLoadings | null = null,
): SavedRegimeModel {
  return {
    ...(loadings === null ? {} : { loadings: saveLoadings(loadings) }),
    states: [...REGIME_NAMES],
    features: [...features],
    initial: Array.from(p.initial),
    transition: Array.from(p.transition),
    means: Array.from(p.means),
    variances: Array.from(p.variances),
  };
}

const numbers = (value: unknown, length: number): Float64Array | null =>
  Array.isArray(value) && value.length === length && value.every((x) => typeof x === 'number' && Number.isFinite(x))
    ? Float64Array.from(value as number[])
    : null;

const sameNames = (value: unknown, names: readonly string[]): boolean =>
  Array.isArray(value) && value.length === names.length && value.every((x, i) => x === names[i]);

/** The feature set a saved model names, or null when it is none this version knows. */
export function modelFeatures(value: unknown): FeatureNames | null {
  if (typeof value !== 'object' || value === null) return null;
  const features = (value as Record<string, unknown>).features;
  if (sameNames(features, FEATURE_NAMES)) return FEATURE_NAMES;
  if (sameNames(features, FACTOR_FEATURE_NAMES)) return FACTOR_FEATURE_NAMES;
  if (sameNames(features, TWO_FEATURE_NAMES)) return TWO_FEATURE_NAMES;
  if (sameNames(features, TWO_FACTOR_FEATURE_NAMES)) return TWO_FACTOR_FEATURE_NAMES;
  return null;
}

/** True for the factor features, with the volume feature or saved before it. */
export const isFactorFeatures = (names: FeatureNames | null): boolean =>
  names === FACTOR_FEATURE_NAMES || names === TWO_FACTOR_FEATURE_NAMES;

/** The current feature set a set saved before the volume feature became. */
const CURRENT_OF: ReadonlyMap<FeatureNames, FeatureNames> = new Map<FeatureNames, FeatureNames>([
  [TWO_FEATURE_NAMES, FEATURE_NAMES],
  [TWO_FACTOR_FEATURE_NAMES, FACTOR_FEATURE_NAMES],
]);

/**
 * The model a saved JSON value holds, or null when it is not one this version can use; with
 * `features`, also null when it is a model of other features.
 */
export function readModel(value: unknown, features?: FeatureNames): HmmParams | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const names = modelFeatures(value);
  if (!sameNames(v.states, REGIME_NAMES) || names === null) return null;
  const older = features !== undefined && names !== features && CURRENT_OF.get(names) === features;
  if (features !== undefined && names !== features && !older) return null;
  const K = REGIME_NAMES.length;
  const D = names.length;
  const initial = numbers(v.initial, K);
  const transition = numbers(v.transition, K * K);
  const means = numbers(v.means, K * D);
  const variances = numbers(v.variances, K * D);
  if (initial === null || transition === null || means === null || variances === null) return null;
  const params: HmmParams = { states: K, features: D, initial, transition, means, variances };
  if (!isUsable(params)) return null;
  return older ? withInertFeatures(params, features.length) : params;
}

/** The model with features added up to `D`, alike in every state (mean 0, variance 1): they weigh nothing. */
function withInertFeatures(p: HmmParams, D: number): HmmParams {
  const K = p.states;
  const means = new Float64Array(K * D);
  const variances = new Float64Array(K * D).fill(1);
  for (let k = 0; k < K; k++)
    for (let d = 0; d < p.features; d++) {
      means[k * D + d] = p.means[k * p.features + d] as number;
      variances[k * D + d] = p.variances[k * p.features + d] as number;
    }
  return { ...p, features: D, means, variances };
}
