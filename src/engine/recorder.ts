/**
 * The Recorder: collects what an iteration adds to the record (events, orders, fills, regime
 * changes, a newly fitted regime model) and hands it over with the iteration's checkpoint. Only made when there is a record.
 */
import type { RegimeChangeRecord } from '../core/regime.js';
import type { RegimeName } from '../core/regime-types.js';
import type { SavedRegimeModel } from '../core/hmm/saved-model.js';
import type { Checkpoint } from './checkpoint.js';
import type { EngineEvent } from './snapshot.js';
import type { TraderState } from './trader.js';
import type { FillRecord, OrderRecord, RegimeFeatureRows, TradingRecord } from './trading-record.js';

/** An iteration's figures, as the loop ends it. */
export interface IterationFigures {
  readonly iteration: number;
  readonly time: number;
  readonly equity: number;
  readonly cash: number;
  readonly regime: RegimeName;
}

export class Recorder {
  private events: EngineEvent[] = [];
  private orders: OrderRecord[] = [];
  private fills: FillRecord[] = [];
  private regimeChanges: RegimeChangeRecord[] = [];

  constructor(
    private readonly record: TradingRecord,
    /** The market's state for a checkpoint (the simulated market: enough to regenerate it). */
    private readonly marketCheckpoint: (() => Checkpoint['market']) | undefined,
  ) {}

  event(event: EngineEvent): void {
    this.events.push(event);
  }

  order(order: OrderRecord): void {
    this.orders.push(order);
  }

  fill(fill: FillRecord): void {
    this.fills.push(fill);
  }

  regimeChange(change: RegimeChangeRecord): void {
    this.regimeChanges.push(change);
  }

  /** Hands the iteration's history to the record; resolves when it is committed (rejects if it cannot be). */
  recordIteration(
    figures: IterationFigures,
    trader: () => TraderState,
    regimeModel: SavedRegimeModel | null = null,
    regimeFeatures: RegimeFeatureRows | null = null,
  ): Promise<void> {
    const { events, orders, fills, regimeChanges } = this;
    this.events = [];
    this.orders = [];
    this.fills = [];
    this.regimeChanges = [];
    // The loop waits for the commit (nothing is published before it); a failure surfaces there.
    this.record
      .record({
        ...figures,
        events,
        orders,
        fills,
        regimeChanges,
        ...(regimeModel === null ? {} : { regimeModel }),
        ...(regimeFeatures === null || regimeFeatures.count === 0 ? {} : { regimeFeatures }),
        checkpoint: this.checkpoint(figures, trader()),
      })
      ?.catch(() => undefined);
    return this.record.committed();
  }

  /** What happened after the last iteration (the stop itself). */
  recordTail(): void {
    this.record.recordTail(this.events, this.orders);
    this.events = [];
    this.orders = [];
  }

  private checkpoint(figures: IterationFigures, trader: TraderState): Checkpoint {
    const market = this.marketCheckpoint?.();
    if (market === undefined) throw new Error('a trading record needs the market checkpoint');
    return { iteration: figures.iteration, marketTime: figures.time, ...trader, market };
  }
}
