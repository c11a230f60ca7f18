export const DAY_MS = 86_400_000;

export const roundToCents = (value: number): number => Math.round(value * 100) / 100;
