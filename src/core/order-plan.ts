/**
 * The orders of one bar, under the caps. No I/O: the engine hands over the symbols' closes, holdings,
 * what the strategy wants to hold and the orders a real broker is still working on; it gets back, per
 * symbol, what to send. The rules, applied with the equity E after the bar's fills, marked at its closes:
 *
 * - each position ≤ maxPosition × E, and the committed exposure — Σ (held − pending sells) × close
 *   + Σ pending buys' reservations — ≤ exposureCap × E (the lower of --max-exposure and the regime's cap);
 * - a buy is sized on the close raised by SIZING_MARGIN (the gap to the next open plus slippage), and
 *   reserves that value plus its fee: Σ reservations ≤ cash (sells pay for buys only once filled);
 * - a held position is left alone while it is within REBALANCE_TOLERANCE above its weight and no cap is
 *   exceeded; above a cap it is trimmed, however small the excess.
 */

/** How far above the close a buy may fill: the gap to the next open plus slippage. */
export const SIZING_MARGIN = 0.005;
/** A held position is trimmed back to its weight only when above it by more than this share (or above a cap). */
export const REBALANCE_TOLERANCE = 0.25;

/** What an order's fee is, for a quantity at a price (the broker's schedule). */
export interface FeeSchedule {
  feeFor(qty: number, price: number): number;
}

/** `OrderPlanner.pendingSide`: no order working, a buy, a sell. */
export const NO_ORDER = 0;
export const PENDING_BUY = 1;
export const PENDING_SELL = -1;

/** The value a buy of `qty` at `price` reserves: at the price raised by the margin, plus the fee. */
export function buyReservation(qty: number, price: number, fees: FeeSchedule): number {
  return buyCost(qty, price * (1 + SIZING_MARGIN), fees);
}

/** What buying `qty` at `price` costs with its fee. */
function buyCost(qty: number, price: number, fees: FeeSchedule): number {
  return qty * price + fees.feeFor(qty, price);
}

/**
 * Plans the orders of one bar for a fixed list of symbols, bar after bar, without making an object:
 * the caller writes each symbol's inputs into the columns (index = symbol number), calls plan(), and
 * reads `orders`, `committed` and `reserved`. Every input column is read by every plan: write them all.
 */
export class OrderPlanner {
  readonly count: number;
  /** The latest close; not above zero while none is known. */
  readonly price: Float64Array;
  readonly held: Float64Array;
  /** 1 when the strategy wants to hold it after this bar. */
  readonly hold: Uint8Array;
  /** 0 while no order may be sent for it (no price yet, the broker refuses for a while). */
  readonly tradable: Uint8Array;
  /** An order a real broker is still working on (PENDING_BUY, PENDING_SELL, else NO_ORDER): left alone, counted as if done. */
  readonly pendingSide: Int8Array;
  readonly pendingQty: Float64Array;
  /** The close the pending order was sized on (NaN when unknown: the current close stands in). */
  readonly pendingPrice: Float64Array;
  /**
   * The plan, per symbol: > 0 buy that many, < 0 sell that many, 0 nothing (a working order of the bar
   * before is cancelled), NaN leave alone.
   */
  readonly orders: Float64Array;
  /** Σ (held − pending sells) × close + Σ buy reservations, after the plan. */
  committed = 0;
  /** Cash reserved by pending buys (value at the sized price plus margin, plus fee), after the plan. */
  reserved = 0;
  /** Quantity held after this bar's sells, per symbol, and whether the plan may still cut it. */
  private readonly after: Float64Array;
  private readonly trimmable: Uint8Array;
  private readonly weightQty: Float64Array;

  constructor(count: number) {
    this.count = count;
    this.price = new Float64Array(count);
    this.held = new Float64Array(count);
    this.hold = new Uint8Array(count);
    this.tradable = new Uint8Array(count);
    this.pendingSide = new Int8Array(count);
    this.pendingQty = new Float64Array(count);
    this.pendingPrice = new Float64Array(count);
    this.orders = new Float64Array(count);
    this.after = new Float64Array(count);
    this.trimmable = new Uint8Array(count);
    this.weightQty = new Float64Array(count);
  }

  /**
   * `exposureCap`: the lower of --max-exposure and the regime's cap. `equity` and `cash` after the
   * bar's fills, marked at its closes.
   */
  plan(equity: number, cash: number, maxPositionFraction: number, exposureCap: number, fees: FeeSchedule): void {
    const { count, price, held, hold, tradable, pendingSide, pendingQty, pendingPrice, orders } = this;
    const { after, trimmable, weightQty } = this;
    const positionCap = maxPositionFraction * equity;
    const grossCap = exposureCap * equity;
    let chosen = 0;
    for (let i = 0; i < count; i++) if (hold[i] === 1) chosen++;
    const weight = chosen === 0 ? 0 : Math.min(maxPositionFraction, exposureCap / chosen);

    orders.fill(Number.NaN);
    trimmable.fill(0);
    weightQty.fill(0);
    let committed = 0;
    let reserved = 0;
    for (let i = 0; i < count; i++) {
      const close = price[i] as number;
      const has = held[i] as number;
      const value = close > 0 ? close : 0;
      const side = pendingSide[i] as number;
      if (side !== NO_ORDER) {
        const qty = pendingQty[i] as number;
        const kept = side === PENDING_SELL ? Math.max(0, has - qty) : has;
        after[i] = kept;
        if (side === PENDING_BUY) {
          const sized = pendingPrice[i] as number;
          const sizedAt = sized > 0 ? sized : value;
          reserved += buyReservation(qty, sizedAt, fees);
          committed += qty * sizedAt * (1 + SIZING_MARGIN);
        }
        committed += kept * value;
        continue;
      }
      if (tradable[i] !== 1 || !(close > 0)) {
        after[i] = has;
        committed += has * value;
        continue;
      }
      const wanted = hold[i] === 1;
      const atWeight = Math.floor((weight * equity) / close);
      weightQty[i] = atWeight;
      let target = has;
      if (!wanted) target = 0;
      else if (has > 0) {
        const overCap = has * close > positionCap;
        if (overCap || has > atWeight * (1 + REBALANCE_TOLERANCE)) target = atWeight;
      }
      const kept = Math.min(has, target);
      after[i] = kept;
      trimmable[i] = wanted && kept > 0 ? 1 : 0;
      committed += kept * close;
    }

    // Above the exposure cap: kept positions go back to their weight, then (only if what the plan may not
    // touch still leaves it above) further down, in symbol order.
    for (let pass = 0; pass < 2 && committed > grossCap; pass++) {
      for (let i = 0; i < count && committed > grossCap; i++) {
        if (trimmable[i] !== 1) continue;
        const close = price[i] as number;
        const current = after[i] as number;
        const floorQty = pass === 0 ? (weightQty[i] as number) : 0;
        const next = Math.max(floorQty, current - Math.ceil((committed - grossCap) / close));
        if (next >= current) continue;
        committed -= (current - next) * close;
        after[i] = next;
      }
    }

    let cashLeft = cash - reserved;
    for (let i = 0; i < count; i++) {
      const close = price[i] as number;
      if (pendingSide[i] !== NO_ORDER || tradable[i] !== 1 || !(close > 0)) continue;
      const has = held[i] as number;
      const kept = after[i] as number;
      if (kept < has) {
        orders[i] = kept - has;
        continue;
      }
      orders[i] = 0;
      // Only a new position is bought: a held one is never topped up (no churn of small buys).
      if (hold[i] !== 1 || has > 0) continue;
      const high = close * (1 + SIZING_MARGIN);
      let qty = Math.floor((weight * equity) / high);
      qty = Math.min(qty, Math.floor(Math.max(0, grossCap - committed) / high));
      qty = affordableQuantity(qty, high, cashLeft, fees);
      if (qty <= 0) continue;
      orders[i] = qty;
      const r = buyReservation(qty, close, fees);
      cashLeft -= r;
      reserved += r;
      committed += qty * high;
    }
    this.committed = committed;
    this.reserved = reserved;
  }
}

/**
 * The part of a buy that may fill at `price` (a paper fill): the position at the fill price stays within
 * `maxValue` (the position cap of the equity it was sized on), the value within what the order reserved,
 * and the cost within the cash.
 */
export function buyFillQuantity(input: {
  readonly qty: number;
  readonly price: number;
  readonly held: number;
  readonly cash: number;
  /** The largest value the position may have after the fill (NaN: no limit known, an older checkpoint's order). */
  readonly maxValue: number;
  /** The value the order reserved at its sized price (NaN: unknown). */
  readonly reservedValue: number;
  readonly fees: FeeSchedule;
}): number {
  const { price, fees } = input;
  let qty = input.qty;
  if (input.maxValue >= 0) qty = Math.min(qty, Math.floor(input.maxValue / price) - input.held);
  if (input.reservedValue >= 0) qty = Math.min(qty, Math.floor(input.reservedValue / price));
  return Math.max(0, affordableQuantity(qty, price, input.cash, fees));
}

/**
 * The largest quantity up to `qty` whose cost with its fee is within `cash` (`qty` itself when it is not
 * above zero). A binary search: stepping down one share at a time took fee ÷ price steps, 500 a buy at a
 * penny, which a simulated run of years (prices wander to the floor) spent most of its time in.
 * The cost grows with the quantity, so this is the quantity one-share steps would reach.
 */
export function affordableQuantity(qty: number, price: number, cash: number, fees: FeeSchedule): number {
  if (qty <= 0 || buyCost(qty, price, fees) <= cash) return qty;
  let high = Math.min(qty - 1, Math.floor(cash / price));
  if (high <= 0) return high;
  let low = 0;
  while (low < high) {
    const mid = low + Math.ceil((high - low) / 2);
    if (buyCost(mid, price, fees) <= cash) low = mid;
    else high = mid - 1;
  }
  return low;
}
