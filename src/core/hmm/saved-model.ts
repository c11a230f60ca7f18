/**
 * The regime model as saved with a run (JSON in the database): named states and features, so that
 * a reader (resume, watch, `learn report`) knows what the numbers are. Reading validates everything:
 * a damaged or foreign model is refused (null), never half-used. Two feature sets exist: the plain
 * ones (every model saved before the factor features) and the factor ones; a reader takes either and
 * says which, and a detector takes only a model of the features it computes.
 */
import { REGIME_NAMES } from '../regime-types.js';
import { FACTOR_FEATURE_NAMES, FEATURE_NAMES, type FactorLoadings, type FeatureNames } from './features.js';
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
}

const orNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

export function saveLoadings(loadings: FactorLoadings): SavedLoadings {
  return { beta: Array.from(loadings.beta, orNull), deviation: Array.from(loadings.deviation, orNull) };
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
  return {
    beta: Float64Array.from(beta as (number | null)[], (x) => x ?? Number.NaN),
    deviation: Float64Array.from(deviation as (number | null)[], (x) => x ?? Number.NaN),
  };
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
  return null;
}

/**
 * The model a saved JSON value holds, or null when it is not one this version can use; with
 * `features`, also null when it is a model of other features.
 */
export function readModel(value: unknown, features?: FeatureNames): HmmParams | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const names = modelFeatures(value);
  if (!sameNames(v.states, REGIME_NAMES) || names === null || (features !== undefined && names !== features))
    return null;
  const K = REGIME_NAMES.length;
  const D = names.length;
  const initial = numbers(v.initial, K);
  const transition = numbers(v.transition, K * K);
  const means = numbers(v.means, K * D);
  const variances = numbers(v.variances, K * D);
  if (initial === null || transition === null || means === null || variances === null) return null;
  const params: HmmParams = { states: K, features: D, initial, transition, means, variances };
  return isUsable(params) ? params : null;
}
