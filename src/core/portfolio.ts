/**
 * Cash and positions, long only: a position is held while its quantity is above zero, and dropped at zero.
 * Positions are kept in the order they were opened; those of the symbols it was given are also found by
 * symbol number (the trader's index), with no lookup by name.
 */
import type { Fill, Position } from './model.js';

interface MutablePosition {
  symbol: string;
  qty: number;
  avgPrice: number;
  lastPrice: number;
}

export class Portfolio {
  private cashBalance: number;
  private readonly held = new Map<string, MutablePosition>();
  private realized = 0;
  private feesPaid = 0;
  private readonly numberOf: ReadonlyMap<string, number>;
  /** The position of symbol number i, if held. */
  private readonly byNumber: (MutablePosition | undefined)[];

  /** `symbols`: the symbols whose positions are also found by number (their index in it). */
  constructor(startingCash: number, symbols: readonly string[] = []) {
    this.cashBalance = startingCash;
    this.numberOf = new Map(symbols.map((symbol, index) => [symbol, index]));
    this.byNumber = new Array<MutablePosition | undefined>(symbols.length).fill(undefined);
  }

  get cash(): number {
    return this.cashBalance;
  }

  get realizedPnl(): number {
    return this.realized;
  }

  get fees(): number {
    return this.feesPaid;
  }

  get positionCount(): number {
    return this.held.size;
  }

  position(symbol: string): Position | undefined {
    return this.held.get(symbol);
  }

  /** The quantity held of symbol number `index` (0 when none). */
  heldAt(index: number): number {
    return this.byNumber[index]?.qty ?? 0;
  }

  positions(): IterableIterator<Position> {
    return this.held.values();
  }

  /** Applies a fill. Selling more than is held is refused: this portfolio never goes short. */
  applyFill(fill: Fill): void {
    if (!(fill.qty > 0)) throw new RangeError(`fill quantity must be positive, got ${fill.qty}`);
    const existing = this.held.get(fill.symbol);
    const notional = fill.qty * fill.price;
    if (fill.side === 'buy') {
      if (existing === undefined) {
        this.open({ symbol: fill.symbol, qty: fill.qty, avgPrice: fill.price, lastPrice: fill.price });
      } else {
        existing.avgPrice = (existing.avgPrice * existing.qty + notional) / (existing.qty + fill.qty);
        existing.qty += fill.qty;
        existing.lastPrice = fill.price;
      }
      this.cashBalance -= notional + fill.fee;
    } else {
      if (existing === undefined || existing.qty < fill.qty) {
        throw new RangeError(`cannot sell ${fill.qty} ${fill.symbol}: holding ${existing?.qty ?? 0}`);
      }
      this.realized += (fill.price - existing.avgPrice) * fill.qty;
      existing.qty -= fill.qty;
      existing.lastPrice = fill.price;
      this.cashBalance += notional - fill.fee;
      if (existing.qty === 0) this.close(fill.symbol);
    }
    // Realized P&L is net of fees on both sides.
    this.realized -= fill.fee;
    this.feesPaid += fill.fee;
  }

  /** Puts back a saved state (a restart). */
  restore(cash: number, realizedPnl: number, positions: readonly Position[]): void {
    this.cashBalance = cash;
    this.realized = realizedPnl;
    this.held.clear();
    this.byNumber.fill(undefined);
    for (const p of positions) if (p.qty > 0) this.open({ ...p });
  }

  /** Marks a held position to a new price; ignored for symbols not held. */
  mark(symbol: string, price: number): void {
    const position = this.held.get(symbol);
    if (position !== undefined) position.lastPrice = price;
  }

  /** Marks symbol number `index`'s position, if held, to a new price. */
  markAt(index: number, price: number): void {
    const position = this.byNumber[index];
    if (position !== undefined) position.lastPrice = price;
  }

  marketValue(): number {
    let value = 0;
    for (const p of this.held.values()) value += p.qty * p.lastPrice;
    return value;
  }

  unrealizedPnl(): number {
    let pnl = 0;
    for (const p of this.held.values()) pnl += p.qty * (p.lastPrice - p.avgPrice);
    return pnl;
  }

  equity(): number {
    return this.cashBalance + this.marketValue();
  }

  private open(position: MutablePosition): void {
    this.held.set(position.symbol, position);
    const index = this.numberOf.get(position.symbol);
    if (index !== undefined) this.byNumber[index] = position;
  }

  private close(symbol: string): void {
    this.held.delete(symbol);
    const index = this.numberOf.get(symbol);
    if (index !== undefined) this.byNumber[index] = undefined;
  }
}
