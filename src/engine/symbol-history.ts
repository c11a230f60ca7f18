/**
 * Each symbol's recent closes and fills, for the drill-down of a position (`Enter` on Positions):
 * fixed rings per symbol, so the memory is bounded by symbols × (2 × points × 8 B + fills).
 */
import { SYMBOL_FILLS, SYMBOL_PRICE_POINTS } from '../core/limits.js';
import type { Bar, Fill } from '../core/model.js';
import { Float64Ring, Ring } from '../core/ring-buffer.js';

export interface SymbolHistoryView {
  readonly symbol: string;
  /** Bar times (epoch ms) and closes, oldest first. */
  readonly times: Float64Array;
  readonly closes: Float64Array;
  /** Oldest first. */
  readonly fills: readonly Fill[];
}

interface Held {
  readonly times: Float64Ring;
  readonly closes: Float64Ring;
  readonly fills: Ring<Fill>;
}

export class SymbolHistory {
  private readonly bySymbol = new Map<string, Held>();

  constructor(
    symbols: readonly string[],
    private readonly points = SYMBOL_PRICE_POINTS,
    private readonly fillCapacity = SYMBOL_FILLS,
  ) {
    for (const symbol of symbols) this.held(symbol);
  }

  bars(symbol: string, bars: readonly Bar[]): void {
    const held = this.held(symbol);
    for (let i = Math.max(0, bars.length - this.points); i < bars.length; i++) {
      const bar = bars[i] as Bar;
      held.times.push(bar.time);
      held.closes.push(bar.close);
    }
  }

  fill(fill: Fill): void {
    const { symbol, side, qty, price, fee, time } = fill;
    this.held(symbol).fills.push({ symbol, side, qty, price, fee, time });
  }

  view(symbol: string): SymbolHistoryView | null {
    const held = this.bySymbol.get(symbol);
    if (held === undefined) return null;
    return { symbol, times: held.times.toArray(), closes: held.closes.toArray(), fills: held.fills.toArray() };
  }

  /** A symbol outside the list (a position the broker had at start) gets its rings on first use. */
  private held(symbol: string): Held {
    let held = this.bySymbol.get(symbol);
    if (held === undefined) {
      held = {
        times: new Float64Ring(this.points),
        closes: new Float64Ring(this.points),
        fills: new Ring<Fill>(this.fillCapacity),
      };
      this.bySymbol.set(symbol, held);
    }
    return held;
  }
}
