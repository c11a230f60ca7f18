/**
 * Performance by regime, accumulated one row at a time (memory: one entry per regime and per open
 * position, never per row).
 *
 * Equity: the stretch from one equity point to the next belongs to the regime recorded at the first
 * of the two, the regime the positions held over that stretch were chosen under.
 */

export interface RegimePerformance {
  readonly regime: string;
  /** Stretches between equity points × the run's bar spacing (so nights and weekends do not count). */
  readonly timeMs: number;
  readonly intervals: number;
  readonly trades: number;
  /** Sells that closed (part of) a position whose cost is known. */
  readonly roundTrips: number;
  readonly wins: number;
  /** wins / roundTrips; null with no round trips. */
  readonly hitRate: number | null;
  /** Compounded return over the regime's stretches. */
  readonly return: number;
  /** Largest peak-to-trough fall within one unbroken stretch of the regime. */
  readonly maxDrawdown: number;
}

interface EquityTally {
  intervals: number;
  timeMs: number;
  growth: number;
  maxDrawdown: number;
}

export class EquityByRegime {
  private readonly tallies = new Map<string, EquityTally>();
  private runId: number | null = null;
  private previous: { time: number; equity: number; regime: string } | null = null;
  /** Intervals per regime in the current run, waiting for the run's bar spacing. */
  private runIntervals = new Map<string, number>();
  private runSpacing = Number.POSITIVE_INFINITY;
  private stretchRegime: string | null = null;
  private stretchPeak = 0;

  /** Points must come in order of run, then iteration. */
  add(runId: number, time: number, equity: number, regime: string): void {
    if (runId !== this.runId) {
      this.finishRun();
      this.runId = runId;
      this.previous = { time, equity, regime };
      return;
    }
    const previous = this.previous as { time: number; equity: number; regime: string };
    const tally = this.tally(previous.regime);
    const delta = time - previous.time;
    if (delta > 0 && delta < this.runSpacing) this.runSpacing = delta;
    this.runIntervals.set(previous.regime, (this.runIntervals.get(previous.regime) ?? 0) + 1);
    tally.intervals++;
    if (previous.equity > 0) tally.growth *= equity / previous.equity;
    if (this.stretchRegime !== previous.regime) {
      this.stretchRegime = previous.regime;
      this.stretchPeak = previous.equity;
    }
    if (this.stretchPeak > 0) tally.maxDrawdown = Math.max(tally.maxDrawdown, 1 - equity / this.stretchPeak);
    this.stretchPeak = Math.max(this.stretchPeak, equity);
    this.previous = { time, equity, regime };
  }

  /** Call after the last point. */
  finishRun(): void {
    const spacing = Number.isFinite(this.runSpacing) ? this.runSpacing : 0;
    for (const [regime, intervals] of this.runIntervals) this.tally(regime).timeMs += intervals * spacing;
    this.runIntervals = new Map();
    this.runSpacing = Number.POSITIVE_INFINITY;
    this.stretchRegime = null;
    this.previous = null;
    this.runId = null;
  }

  regimes(): IterableIterator<string> {
    return this.tallies.keys();
  }

  get(regime: string): Readonly<EquityTally> | undefined {
    return this.tallies.get(regime);
  }

  private tally(regime: string): EquityTally {
    let tally = this.tallies.get(regime);
    if (tally === undefined) {
      tally = { intervals: 0, timeMs: 0, growth: 1, maxDrawdown: 0 };
      this.tallies.set(regime, tally);
    }
    return tally;
  }
}

export interface FillRow {
  /** Positions are kept per portfolio and symbol. */
  readonly portfolioId: number;
  readonly symbol: string;
  readonly side: string;
  readonly qty: number;
  readonly price: number;
  readonly fee: number;
  readonly regime: string;
}

interface TradeTally {
  trades: number;
  roundTrips: number;
  wins: number;
}

/**
 * Matches sells to buys per symbol at average cost (buy fees included in the cost, the sell's fee
 * charged to what it closes). A round trip that made money is a win; it counts in the sell's regime.
 */
export class TradesByRegime {
  private readonly tallies = new Map<string, TradeTally>();
  private readonly positions = new Map<string, { qty: number; cost: number }>();

  /** Fills must come in time order; `counted` false only moves positions (fills before the reported run). */
  add(fill: FillRow, counted: boolean): void {
    const key = `${fill.portfolioId}\u0000${fill.symbol}`;
    const position = this.positions.get(key) ?? { qty: 0, cost: 0 };
    const tally = counted ? this.tally(fill.regime) : null;
    if (tally !== null) tally.trades++;
    if (fill.side === 'buy') {
      position.qty += fill.qty;
      position.cost += fill.qty * fill.price + fill.fee;
      this.positions.set(key, position);
      return;
    }
    const closing = Math.min(fill.qty, position.qty);
    if (closing <= 0) return;
    const averageCost = position.cost / position.qty;
    const profit = closing * (fill.price - averageCost) - fill.fee * (closing / fill.qty);
    position.qty -= closing;
    position.cost -= averageCost * closing;
    if (position.qty === 0) this.positions.delete(key);
    if (tally !== null) {
      tally.roundTrips++;
      if (profit > 0) tally.wins++;
    }
  }

  regimes(): IterableIterator<string> {
    return this.tallies.keys();
  }

  get(regime: string): Readonly<TradeTally> | undefined {
    return this.tallies.get(regime);
  }

  private tally(regime: string): TradeTally {
    let tally = this.tallies.get(regime);
    if (tally === undefined) {
      tally = { trades: 0, roundTrips: 0, wins: 0 };
      this.tallies.set(regime, tally);
    }
    return tally;
  }
}

/** One row per regime: the four known ones in their usual order, then any other a row named. */
export function combine(
  equity: EquityByRegime,
  trades: TradesByRegime,
  knownRegimes: readonly string[],
): RegimePerformance[] {
  const names = [...knownRegimes];
  for (const name of [...equity.regimes(), ...trades.regimes()]) if (!names.includes(name)) names.push(name);
  return names.map((regime) => {
    const e = equity.get(regime);
    const t = trades.get(regime);
    const roundTrips = t?.roundTrips ?? 0;
    return {
      regime,
      timeMs: e?.timeMs ?? 0,
      intervals: e?.intervals ?? 0,
      trades: t?.trades ?? 0,
      roundTrips,
      wins: t?.wins ?? 0,
      hitRate: roundTrips > 0 ? (t?.wins ?? 0) / roundTrips : null,
      return: (e?.growth ?? 1) - 1,
      maxDrawdown: e?.maxDrawdown ?? 0,
    };
  });
}
