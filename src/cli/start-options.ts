/**
 * What `trading-tui [start]` runs with, as the parser (args.ts) makes it and the command table
 * (command-table.ts) shows its defaults: types only, so neither needs the other for them.
 */
import type { Timeframe } from '../core/model.js';
import type { RiskLimits } from '../core/risk.js';

export interface SimFaultOptions {
  /** Largest simulated latency per request; each request takes between half of it and all of it. */
  readonly latencyMs: number | null;
  readonly failureRate: number | null;
  readonly hangRate: number | null;
}

export interface StartOptions {
  readonly command: 'start';
  readonly symbols: readonly string[];
  readonly periodDays: number;
  readonly periodText: string;
  readonly timeframe: Timeframe;
  readonly iterations: number | null;
  readonly intervalMs: number;
  readonly seed: number;
  readonly concurrency: 'auto' | number;
  readonly timeoutMs: number;
  readonly equityPoints: number;
  readonly dbPath: string | null;
  /** Keep nothing on disk (--no-db). */
  readonly noDb: boolean;
  /** Start a new portfolio instead of continuing the saved one. */
  readonly fresh: boolean;
  readonly cacheTtlMs: number;
  /** A tuned regime detector profile saved by `learn tune`. */
  readonly profile: string | null;
  readonly headless: boolean;
  readonly json: boolean;
  readonly fps: number;
  readonly cash: number;
  readonly risk: RiskLimits;
  readonly sim: SimFaultOptions;
  /** Where orders go; null: Alpaca when its credentials are in the environment, else the simulation. */
  readonly broker: 'sim' | 'alpaca' | null;
  /** Alpaca's live endpoints (real money) instead of paper. */
  readonly live: boolean;
  /** Live without the typed confirmation (headless). */
  readonly yesIMeanLive: boolean;
}

export type ParsedCommand = { readonly command: 'help' } | { readonly command: 'version' } | StartOptions;

/** The simulated network's faults when no --sim-* flag is given (all 0 with --interval 0). */
export interface SimFaultDefaults {
  readonly latencyMs: number;
  readonly failureRate: number;
  readonly hangRate: number;
}
