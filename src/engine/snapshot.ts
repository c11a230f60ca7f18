import type { DownloadStatusView } from './download-status.js';
import type { RegimeName, StrategyParams } from '../core/regime-types.js';

export type Mode = 'SIM' | 'PAPER' | 'LIVE';

export interface PositionView {
  readonly symbol: string;
  readonly qty: number;
  readonly avgPrice: number;
  readonly lastPrice: number;
  readonly marketValue: number;
  readonly unrealizedPnl: number;
  /** Market value as a fraction of equity. */
  readonly weight: number;
}

export type EngineEventKind = 'fill' | 'regime' | 'risk' | 'download' | 'error' | 'info';

export interface EngineEvent {
  /** Increases by one per event; lets a reader tell which events it has not seen. */
  readonly seq: number;
  /** Market time of the event (epoch ms). */
  readonly time: number;
  readonly kind: EngineEventKind;
  readonly message: string;
}

export interface RegimeChange {
  readonly time: number;
  readonly from: RegimeName;
  readonly to: RegimeName;
  readonly confidence: number;
}

export interface RegimeView {
  readonly current: RegimeName;
  readonly confidence: number;
  /** Market time at which the current regime began (epoch ms). */
  readonly since: number;
  /** Bars spent in the current regime. */
  readonly bars: number;
  /** Oldest first, bounded. */
  readonly history: readonly RegimeChange[];
  readonly params: StrategyParams;
  /** P(regime) from the detector's model, in REGIME_NAMES order (absent where not known, e.g. watch). */
  readonly posterior?: readonly number[];
  /** True until the detector has a model (too little history). */
  readonly learning?: boolean;
  /** Expected bars left in the regime in force (the model's mean spell length; spells are memoryless). */
  readonly expectedRemainingBars?: number;
  /** With the simulated market only: its true regime now and the running score of the regime in force. */
  readonly truth?: RegimeTruthView;
}

export interface RegimeTruthView {
  readonly current: RegimeName;
  /** Bars scored (after learning) and how many of them the regime in force was the true one. */
  readonly bars: number;
  readonly right: number;
}

export interface EquityView {
  /** Oldest first; at most `capacity` points. */
  readonly times: Float64Array;
  readonly values: Float64Array;
  /**
   * Per point, the sides of the fills in its span (after the point before it, up to its time): the
   * bits FILL_BUY and FILL_SELL of equity-series.ts. Absent where not known.
   */
  readonly fillSides?: Uint8Array;
  readonly capacity: number;
  readonly start: number;
  readonly current: number;
  /** Largest fall from a peak, as a fraction of the peak (0.05 = 5%). */
  readonly maxDrawdown: number;
}

export interface MemoryView {
  readonly rss: number;
  readonly heapUsed: number;
}

export type LoopPhase = 'starting' | 'backfill' | 'running' | 'paused' | 'stopping' | 'stopped';

/** Everything the UI and the headless printer read. Immutable: a new object per change. */
export interface EngineSnapshot {
  readonly mode: Mode;
  readonly phase: LoopPhase;
  readonly iteration: number;
  /** Iterations asked for, or null to run until stopped. */
  readonly iterations: number | null;
  readonly intervalMs: number;
  /**
   * Market minutes one bar spans (a daily bar: one 390-minute session), so that counts of bars read as
   * market time; absent where the run's timeframe is not known.
   */
  readonly barMinutes?: number;
  /** Market clock (epoch ms). */
  readonly marketTime: number;
  readonly cash: number;
  readonly equity: EquityView;
  readonly positions: readonly PositionView[];
  readonly regime: RegimeView;
  readonly downloads: DownloadStatusView;
  /** Newest last, bounded. */
  readonly events: readonly EngineEvent[];
  readonly memory: MemoryView;
  readonly trades: number;
  readonly realizedPnl: number;
  /** Set while trading is halted by the daily loss limit. */
  readonly haltReason: string | null;
  /** New buys stopped by the user (`b`, or the kill switch `x`); absent means on. */
  readonly buysOff?: boolean;
  /**
   * A restarted run still downloading its backfill: the portfolio, chart and regime shown are the
   * saved ones from the database, not yet marked to the market again.
   */
  readonly catchingUp?: boolean;
  /** A real market's hours (absent for the simulated market). */
  readonly market?: { readonly open: boolean; readonly nextOpen: number };
}
