/**
 * What is read back from `runs.options` (the bot's options as JSON): the loop's pace, its equity points
 * and its bar length.
 */
import { DEFAULT_EQUITY_POINTS, MAX_EQUITY_POINTS, MIN_EQUITY_POINTS } from '../core/limits.js';
import { TIMEFRAME_MINUTES, TIMEFRAMES } from '../core/model.js';

export interface RunOptionsRead {
  readonly iterations: number | null;
  readonly intervalMs: number;
  /** `--equity-points` of the run: the points it held, and a restart and `watch` load back. */
  readonly equityPoints: number;
  /** Market minutes per bar of the run's `--timeframe`; undefined when it is not recorded. */
  readonly barMinutes: number | undefined;
}

const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

export function readRunOptions(options: string | undefined): RunOptionsRead {
  let parsed: { iterations?: unknown; intervalMs?: unknown; equityPoints?: unknown; timeframe?: unknown } | null;
  try {
    parsed = JSON.parse(options ?? '{}') as {
      iterations?: unknown;
      intervalMs?: unknown;
      equityPoints?: unknown;
      timeframe?: unknown;
    } | null;
  } catch {
    parsed = null;
  }
  const points = parsed?.equityPoints;
  const timeframe = TIMEFRAMES.find((t) => t === parsed?.timeframe);
  return {
    iterations: isFiniteNumber(parsed?.iterations) ? parsed.iterations : null,
    intervalMs: isFiniteNumber(parsed?.intervalMs) ? parsed.intervalMs : 0,
    equityPoints:
      Number.isInteger(points) && (points as number) >= MIN_EQUITY_POINTS && (points as number) <= MAX_EQUITY_POINTS
        ? (points as number)
        : DEFAULT_EQUITY_POINTS,
    barMinutes: timeframe === undefined ? undefined : TIMEFRAME_MINUTES[timeframe],
  };
}
