import type { MarketOrder, Position } from '../core/model.js';
import type { RegimeName } from '../core/regime-types.js';
import type { DetectorResumeState } from '../core/hmm/detector.js';
import type { RiskState } from '../core/risk.js';
import type { SavedLoadings } from '../core/hmm/saved-model.js';

/** What a restart needs to continue where a run stopped; saved with every iteration. */
export interface Checkpoint {
  readonly iteration: number;
  /** Market time of the last processed bar (epoch ms). */
  readonly marketTime: number;
  readonly cash: number;
  readonly realizedPnl: number;
  readonly positions: readonly Position[];
  readonly workingOrders: readonly MarketOrder[];
  readonly regime: {
    readonly current: RegimeName;
    readonly since: number;
    readonly bars: number;
    /** What the regime panel shows beyond these (for watch); absent in checkpoints of older versions. */
    readonly posterior?: readonly number[];
    readonly learning?: boolean;
    readonly expectedRemainingBars?: number;
    readonly truth?: { readonly current: RegimeName; readonly right: number; readonly bars: number };
    /** The detector's own state, for a resume that continues exactly (absent in older checkpoints). */
    readonly detector?: DetectorResumeState;
    /**
     * The factor loadings the detector's features are computed with, by symbol index (a symbol left
     * out is null in the JSON), while it is learning: once it has a model they are saved with each model
     * (regime_models), not with every iteration. Absent with no model: the plain features.
     */
    readonly loadings?: SavedLoadings;
  };
  readonly peakEquity: number;
  readonly maxDrawdown: number;
  readonly trades: number;
  readonly risk: RiskState;
  /** New buys stopped by the user (absent in checkpoints written before the kill switch: on). */
  readonly buysOff?: boolean;
  /** Where the market was: for the simulated market, enough to regenerate it exactly. */
  readonly market: SimCheckpoint | BrokerCheckpoint;
}

export interface SimCheckpoint {
  readonly kind: 'sim';
  readonly seed: number;
  readonly barCount: number;
  readonly timeframe: string;
  readonly symbols: readonly string[];
}

/** A real market keeps its own history: only what it was asked for. */
export interface BrokerCheckpoint {
  readonly kind: 'alpaca';
  readonly live: boolean;
  readonly timeframe: string;
  readonly symbols: readonly string[];
}
