/**
 * The regime model as saved with a run (JSON in the database): named states and features, so that
 * a reader (resume, watch, `learn report`) knows what the numbers are. Reading validates everything:
 * a damaged or foreign model is refused (null), never half-used. Two feature sets exist: the plain
 * ones (every model saved before the factor features) and the factor ones; a reader takes either and
 * says which, and a detector takes only a model of the features it computes.
 */
import { REGIME_NAMES } from '../regime-types.js';
import { FACTOR_FEATURE_NAMES, FEATURE_NAMES, type FeatureNames } from './features.js';
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
}

export function saveModel(p: HmmParams, features: FeatureNames = FEATURE_NAMES): SavedRegimeModel {
  return {
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
