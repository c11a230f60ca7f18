/**
 * The one reader of a saved checkpoint (`checkpoints.state`), for a restart and for `watch`: parsed
 * and checked field by field, never cast blindly. JSON has no NaN: the writer's NaN (a time not yet
 * known) comes back as null and is read as NaN again. Fields a newer writer adds are ignored.
 */
import type { MarketOrder, Position } from '../core/model.js';
import { REGIME_NAMES, type RegimeName } from '../core/regime-types.js';
import type { Checkpoint } from '../engine/checkpoint.js';
import type { SavedLoadings } from '../core/hmm/saved-model.js';
import type { DetectorResumeState } from '../core/hmm/detector.js';

/** A checkpoint that cannot be read: not JSON, or a field missing or of the wrong kind. */
export class UnreadableCheckpointError extends Error {
  override readonly name = 'UnreadableCheckpointError';
}

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null;
const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isRegime = (name: unknown): name is RegimeName => REGIME_NAMES.some((r) => r === name);

function lacking(field: string): never {
  throw new UnreadableCheckpointError(`the checkpoint lacks fields this version needs (${field})`);
}

function finite(fields: Fields, name: string, path = name): number {
  const value = fields[name];
  return isFiniteNumber(value) ? value : lacking(path);
}

/** A number the writer may have saved as NaN (null in JSON). */
function numberOrNaN(fields: Fields, name: string, path = name): number {
  const value = fields[name];
  if (value === null) return Number.NaN;
  return typeof value === 'number' ? value : lacking(path);
}

function position(value: unknown): Position {
  if (!isObject(value) || typeof value.symbol !== 'string') return lacking('positions');
  return {
    symbol: value.symbol,
    qty: finite(value, 'qty', 'positions'),
    avgPrice: finite(value, 'avgPrice', 'positions'),
    lastPrice: finite(value, 'lastPrice', 'positions'),
  };
}

function workingOrder(value: unknown): MarketOrder {
  if (
    !isObject(value) ||
    typeof value.clientOrderId !== 'string' ||
    typeof value.symbol !== 'string' ||
    (value.side !== 'buy' && value.side !== 'sell')
  )
    return lacking('workingOrders');
  return {
    clientOrderId: value.clientOrderId,
    symbol: value.symbol,
    side: value.side,
    qty: finite(value, 'qty', 'workingOrders'),
    time: numberOrNaN(value, 'time', 'workingOrders'),
    // The sizing of an order (absent from checkpoints written before it was kept).
    ...optionalNumber(value, 'price'),
    ...optionalNumber(value, 'maxValue'),
  };
}

/** `{ [name]: value }` when the field is a finite number, else nothing (an older writer's checkpoint). */
function optionalNumber<K extends string>(fields: Fields, name: K): Partial<Record<K, number>> {
  const value = fields[name];
  return isFiniteNumber(value) ? ({ [name]: value } as Partial<Record<K, number>>) : {};
}

function market(value: unknown): Checkpoint['market'] {
  if (!isObject(value) || typeof value.timeframe !== 'string' || !Array.isArray(value.symbols))
    return lacking('market');
  const symbols = value.symbols.map((s) => (typeof s === 'string' ? s : lacking('market')));
  if (value.kind === 'sim')
    return {
      kind: 'sim',
      seed: finite(value, 'seed', 'market'),
      barCount: finite(value, 'barCount', 'market'),
      timeframe: value.timeframe,
      symbols,
    };
  if (value.kind === 'alpaca' && typeof value.live === 'boolean')
    return { kind: 'alpaca', live: value.live, timeframe: value.timeframe, symbols };
  return lacking('market');
}

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/** The detector's own state (absent from older checkpoints: the resume then refits as before); all or nothing. */
function detectorState(value: unknown): DetectorResumeState | null {
  if (!isObject(value)) return null;
  const { bars, historyCount, barsSinceRefit, refit, posterior, current, challenger, challengerBars, fits, fitBars } =
    value;
  const K = REGIME_NAMES.length;
  if (
    !isCount(bars) ||
    !isCount(historyCount) ||
    !isCount(barsSinceRefit) ||
    !isCount(challengerBars) ||
    !isCount(fits) ||
    !isCount(fitBars) ||
    !Number.isSafeInteger(current) ||
    (current as number) < 0 ||
    (current as number) >= K ||
    !Number.isSafeInteger(challenger) ||
    (challenger as number) < -1 ||
    (challenger as number) >= K
  )
    return null;
  const refitOk = refit === null || (isObject(refit) && isCount(refit.length) && isCount(refit.steps));
  const posteriorOk =
    posterior === null || (Array.isArray(posterior) && posterior.length === K && posterior.every(isFiniteNumber));
  if (!refitOk || !posteriorOk) return null;
  return {
    bars,
    historyCount,
    barsSinceRefit,
    refit: refit === null ? null : { length: refit.length as number, steps: refit.steps as number },
    posterior: posterior === null ? null : (posterior as number[]),
    current: current as number,
    challenger: challenger as number,
    challengerBars,
    fits,
    fitBars,
  };
}

const isBeta = (x: unknown): boolean => x === null || isFiniteNumber(x);
const isDeviation = (x: unknown): boolean => x === null || (isFiniteNumber(x) && x > 0);

/** The detector's factor loadings (absent before them, or for plain features), when well formed; its volume ones with them. */
function loadings(value: unknown): SavedLoadings | null {
  if (!isObject(value)) return null;
  const { beta, deviation } = value;
  if (!Array.isArray(beta) || !Array.isArray(deviation) || beta.length !== deviation.length) return null;
  if (!beta.every(isBeta) || !deviation.every(isDeviation)) return null;
  // The volume feature's columns (absent before it), kept only whole and well formed.
  const { volumeLevel, volumeScale, volumeNoise } = value;
  const column = (x: unknown, valid: (y: unknown) => boolean): x is (number | null)[] =>
    Array.isArray(x) && x.length === beta.length && x.every(valid);
  const volume =
    column(volumeLevel, isBeta) && column(volumeScale, isDeviation) && column(volumeNoise, isDeviation)
      ? { volumeLevel, volumeScale, volumeNoise }
      : {};
  return { beta: beta as (number | null)[], deviation: deviation as (number | null)[], ...volume };
}

/** The regime panel's extras (issue 9; absent from older checkpoints), each kept only when well formed. */
function regimeExtras(regime: Fields): Partial<Checkpoint['regime']> {
  const { posterior, learning, expectedRemainingBars, truth } = regime;
  const detector = detectorState(regime.detector);
  const factor = loadings(regime.loadings);
  return {
    ...(detector === null ? {} : { detector }),
    ...(factor === null ? {} : { loadings: factor }),
    ...(Array.isArray(posterior) && posterior.length === REGIME_NAMES.length && posterior.every(isFiniteNumber)
      ? { posterior: posterior as number[] }
      : {}),
    ...(typeof learning === 'boolean' ? { learning } : {}),
    ...(isFiniteNumber(expectedRemainingBars) ? { expectedRemainingBars } : {}),
    ...(isObject(truth) && isRegime(truth.current) && isFiniteNumber(truth.right) && isFiniteNumber(truth.bars)
      ? { truth: { current: truth.current, right: truth.right, bars: truth.bars } }
      : {}),
  };
}

export function readCheckpoint(state: string): Checkpoint {
  let parsed: unknown;
  try {
    parsed = JSON.parse(state);
  } catch {
    throw new UnreadableCheckpointError('the checkpoint is not valid JSON');
  }
  if (!isObject(parsed)) return lacking('all');
  const c = parsed;
  const { regime, risk } = c;
  if (!Array.isArray(c.positions)) return lacking('positions');
  if (!Array.isArray(c.workingOrders)) return lacking('workingOrders');
  if (!isObject(regime) || !isRegime(regime.current)) return lacking('regime');
  if (!isObject(risk) || (risk.haltReason !== null && typeof risk.haltReason !== 'string')) return lacking('risk');
  return {
    iteration: finite(c, 'iteration'),
    marketTime: numberOrNaN(c, 'marketTime'),
    cash: finite(c, 'cash'),
    realizedPnl: finite(c, 'realizedPnl'),
    positions: c.positions.map(position),
    workingOrders: c.workingOrders.map(workingOrder),
    regime: {
      current: regime.current,
      since: numberOrNaN(regime, 'since', 'regime'),
      bars: finite(regime, 'bars', 'regime'),
      ...regimeExtras(regime),
    },
    peakEquity: finite(c, 'peakEquity'),
    maxDrawdown: finite(c, 'maxDrawdown'),
    trades: finite(c, 'trades'),
    risk: {
      day: numberOrNaN(risk, 'day', 'risk'),
      dayStartEquity: numberOrNaN(risk, 'dayStartEquity', 'risk'),
      haltReason: risk.haltReason,
      ...optionalNumber(risk, 'lastEquity'),
    },
    market: market(c.market),
    // The kill switch's state (absent from checkpoints written before it: buys on).
    ...(c.buysOff === true ? { buysOff: true } : {}),
  };
}
