import type { EngineSnapshot } from './snapshot.js';

/** The only door between the engine and a UI: read snapshots, send commands. */
export interface EngineControls {
  getSnapshot(): EngineSnapshot;
  /** Called after the snapshot changes; returns the unsubscribe function. */
  subscribe(onChange: () => void): () => void;
  /** Pauses the loop at the next iteration boundary, or resumes it. */
  togglePause(): void;
  /** Puts failed and timed-out symbols of the last round into the next round again. */
  retryFailedDownloads(): void;
  /** Stops at the next iteration boundary and cancels downloads in flight. */
  stop(): void;
}
