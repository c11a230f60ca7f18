/** Parsers for option values; each throws a `UsageError` that says what the option accepts. */
import { TIMEFRAMES, type Timeframe } from '../core/model.js';

export class UsageError extends Error {
  override readonly name = 'UsageError';

  /** `details`: printed below the one line, for the user to choose from (the list of commands, say). */
  constructor(
    message: string,
    readonly details?: string,
  ) {
    super(message);
  }
}

/** `60d`, `8w`, `3mo`, `1y` → calendar days. */
export function parsePeriodDays(flag: string, text: string): number {
  const match = /^(\d+)(d|w|mo|y)$/.exec(text.trim());
  const count = match ? Number(match[1]) : Number.NaN;
  if (!match || !(count > 0) || count > 100_000) {
    throw new UsageError(`${flag} expects a period like 60d, 8w, 3mo or 1y (got ${JSON.stringify(text)})`);
  }
  const daysPerUnit: Record<string, number> = { d: 1, w: 7, mo: 30, y: 365 };
  const days = count * (daysPerUnit[match[2] as string] as number);
  if (days > 3650) throw new UsageError(`${flag} accepts at most 10 years (got ${JSON.stringify(text)})`);
  return days;
}

/** `250ms`, `1s`, `2m`, or `0` → milliseconds. */
export function parseDurationMs(flag: string, text: string, { allowZero }: { allowZero: boolean }): number {
  const trimmed = text.trim();
  if (allowZero && trimmed === '0') return 0;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(trimmed);
  const amount = match ? Number(match[1]) : Number.NaN;
  const ms = match
    ? amount * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h']
    : Number.NaN;
  if (!match || !Number.isFinite(ms) || (!allowZero && ms <= 0) || ms > 86_400_000) {
    const zero = allowZero ? ', or 0' : '';
    throw new UsageError(`${flag} expects a duration like 500ms, 1s or 2m${zero} (got ${JSON.stringify(text)})`);
  }
  return Math.round(ms);
}

export function parseTimeframe(flag: string, text: string): Timeframe {
  const found = TIMEFRAMES.find((t) => t === text.trim());
  if (found === undefined)
    throw new UsageError(`${flag} expects one of ${TIMEFRAMES.join(', ')} (got ${JSON.stringify(text)})`);
  return found;
}

export function parseInteger(flag: string, text: string, min: number, max: number, what = 'a whole number'): number {
  const trimmed = text.trim();
  const value = /^-?\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} expects ${what} from ${min} to ${max} (got ${JSON.stringify(text)})`);
  }
  return value;
}

/** `10%` or `0.1` → 0.1. */
export function parseFraction(flag: string, text: string, max: number): number {
  const trimmed = text.trim();
  const match = /^(\d+(?:\.\d+)?)(%?)$/.exec(trimmed);
  const value = match ? Number(match[1]) / (match[2] === '%' ? 100 : 1) : Number.NaN;
  if (!match || !(value > 0) || value > max) {
    throw new UsageError(
      `${flag} expects a percentage like 10% or a fraction like 0.1, above 0 and at most ${max * 100}% (got ${JSON.stringify(text)})`,
    );
  }
  return value;
}

export function parseRate(flag: string, text: string): number {
  const trimmed = text.trim();
  const value = /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!(value >= 0 && value <= 1))
    throw new UsageError(`${flag} expects a share from 0 to 1, like 0.01 (got ${JSON.stringify(text)})`);
  return value;
}

/** `A,B,C` → unique upper-case symbols, order kept. */
export function parseSymbols(flag: string, text: string): string[] {
  const symbols = text
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s.length > 0);
  const bad = symbols.find((s) => !/^[A-Z][A-Z0-9.]{0,9}$/.test(s));
  if (symbols.length === 0 || bad !== undefined) {
    const why = bad === undefined ? 'is empty' : `has ${JSON.stringify(bad)}`;
    throw new UsageError(
      `${flag} expects a comma-separated list of ticker symbols like AAPL,MSFT,SPY (the list ${why})`,
    );
  }
  if (symbols.length > 5000) throw new UsageError(`${flag} accepts at most 5000 symbols (got ${symbols.length})`);
  return [...new Set(symbols)];
}
