import type { Fill, Side } from '../core/model.js';
import type { RegimeName } from '../core/regime-types.js';
import type { Checkpoint } from './checkpoint.js';
import type { SavedRegimeModel } from '../core/hmm/saved-model.js';
import type { HeldFeatures } from '../core/hmm/detector.js';

/** The regime detector's bars since the last iteration, and from which bar on the record must keep them. */
export interface RegimeFeatureRows extends HeldFeatures {
  /** Bars up to this one are no longer needed by a resume. */
  readonly dropUpTo: number;
}
import type { EngineEvent, RegimeChange } from './snapshot.js';

export type OrderStatus = 'working' | 'filled' | 'replaced' | 'cancelled';

export interface OrderRecord {
  readonly clientOrderId: string;
  readonly time: number;
  readonly symbol: string;
  readonly side: Side;
  readonly qty: number;
  readonly status: OrderStatus;
}

export interface FillRecord extends Fill {
  readonly clientOrderId: string;
  /** The regime in force when the order was filled. */
  readonly regime: RegimeName;
}

/** Everything one iteration adds to the record, written together. */
export interface IterationRecord {
  readonly iteration: number;
  readonly time: number;
  readonly equity: number;
  readonly cash: number;
  readonly regime: RegimeName;
  readonly events: readonly EngineEvent[];
  /** New orders and status changes, in the order they happened. */
  readonly orders: readonly OrderRecord[];
  readonly fills: readonly FillRecord[];
  readonly regimeChanges: readonly RegimeChange[];
  /** The regime model, when a fit was put in force since the last iteration. */
  readonly regimeModel?: SavedRegimeModel;
  /** The regime detector's features of the bars it took since the last iteration. */
  readonly regimeFeatures?: RegimeFeatureRows;
  readonly checkpoint: Checkpoint;
}

/** Where the engine's history goes (the SQLite store); the engine does not know how it is kept. */
export interface TradingRecord {
  /** Queues an iteration's writes. A returned promise means the writer is behind: the loop waits for it. */
  record(iteration: IterationRecord): Promise<void> | undefined;
  /** Resolves when every iteration handed over so far is committed; rejects when the record cannot be kept. */
  committed(): Promise<void>;
  /** What happened after the last iteration (the stop itself), written before the record closes. */
  recordTail(events: readonly EngineEvent[], orders: readonly OrderRecord[]): void;
}

/** What a restart continues from. */
export interface ResumeState {
  readonly checkpoint: Checkpoint;
  /** The newest equity points, oldest first. */
  readonly equityTimes: Float64Array;
  readonly equityValues: Float64Array;
  /** Per equity point, the sides of the fills in its span (see EquitySeries); absent: none known. */
  readonly equityFillSides?: Uint8Array;
  readonly regimeHistory: readonly RegimeChange[];
  readonly events: readonly EngineEvent[];
  /** The newest saved regime model (JSON as saved; the engine validates it). */
  readonly regimeModel?: unknown;
  /** The regime detector's held bars' features, up to the checkpoint's bar (absent before schema 5). */
  readonly regimeFeatures?: HeldFeatures;
}
