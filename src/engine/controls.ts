import type { EngineSnapshot } from './snapshot.js';
import type { SymbolHistoryView } from './symbol-history.js';

/** The only door between the engine and a UI: read snapshots, send commands. */
export interface EngineControls {
  getSnapshot(): EngineSnapshot;
  /** A symbol's recent closes and fills (the drill-down of a position); null when not kept (`watch`). */
  symbolHistory(symbol: string): SymbolHistoryView | null;
  /** Called after the snapshot changes; returns the unsubscribe function. */
  subscribe(onChange: () => void): () => void;
  /** Pauses the loop at the next iteration boundary, or resumes it. Does nothing once the run has ended. */
  togglePause(): void;
  /** Puts failed and timed-out symbols of the last round into the next round again (not once the run has ended). */
  retryFailedDownloads(): void;
  /**
   * The kill switch: sells every held position at market now (through the broker's order path) and
   * stops new buys. Does nothing once the run has ended.
   */
  closeAllPositions(): void;
  /** Stops new buys, or restarts them; sells go on. Does nothing once the run has ended. */
  toggleBuys(): void;
  /** Stops at the next iteration boundary and cancels downloads in flight. */
  stop(): void;
}
