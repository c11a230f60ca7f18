export const REGIME_NAMES = ['trend-up', 'trend-down', 'range', 'volatile'] as const;
export type RegimeName = (typeof REGIME_NAMES)[number];

/** The strategy's parameters, as the regime controller puts them in force. */
export interface StrategyParams {
  /** How entries are chosen: follow moves, fade them, or stand mostly aside. */
  readonly style: 'momentum' | 'mean-reversion' | 'defensive';
  /** Cap on the sum of position values, as a fraction of equity. */
  readonly maxGrossExposure: number;
  /** Signal strength (in standard deviations) needed to open a position. */
  readonly entryThreshold: number;
  /** Signal strength below which a position is closed. */
  readonly exitThreshold: number;
}
