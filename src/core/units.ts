export const DAY_MS = 86_400_000;

/** Minutes of a trading session (9:30–16:00 New York): a day of market time, as a daily bar spans. */
export const SESSION_MINUTES = 390;

export const roundToCents = (value: number): number => Math.round(value * 100) / 100;
