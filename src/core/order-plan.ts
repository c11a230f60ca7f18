/**
 * The orders of one bar, under the caps. Pure: the engine hands over the symbols' closes, holdings,
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

export interface PendingOrder {
  readonly side: 'buy' | 'sell';
  readonly qty: number;
  /** The close it was sized on (NaN when unknown: the current close stands in). */
  readonly price: number;
}

export interface PlanSymbol {
  /** The latest close; not above zero while none is known. */
  readonly price: number;
  readonly held: number;
  /** Whether the strategy wants to hold it after this bar. */
  readonly hold: boolean;
  /** False while no order may be sent for it (no price yet, the broker refuses for a while). */
  readonly tradable: boolean;
  /** An order a real broker is still working on: it is left alone and counted as if done. */
  readonly pending: PendingOrder | undefined;
}

export interface PlanInput {
  readonly equity: number;
  readonly cash: number;
  readonly maxPositionFraction: number;
  /** The lower of --max-exposure and the regime's cap. */
  readonly exposureCap: number;
  readonly feeFor: (qty: number, price: number) => number;
  readonly symbols: readonly PlanSymbol[];
}

/** Per symbol: > 0 buy that many, < 0 sell that many, 0 nothing (a working order of the bar before is cancelled), null leave alone. */
export type PlannedOrders = (number | null)[];

export interface Plan {
  readonly orders: PlannedOrders;
  /** Σ (held − pending sells) × close + Σ buy reservations, after the plan. */
  readonly committed: number;
  /** Cash reserved by pending buys (value at the sized price plus margin, plus fee), after the plan. */
  readonly reserved: number;
}

/** The value a buy of `qty` at `price` reserves: at the price raised by the margin, plus the fee. */
export function buyReservation(qty: number, price: number, feeFor: (qty: number, price: number) => number): number {
  const high = price * (1 + SIZING_MARGIN);
  return qty * high + feeFor(qty, high);
}

export function planOrders(input: PlanInput): Plan {
  const { equity, symbols, feeFor } = input;
  const count = symbols.length;
  const positionCap = input.maxPositionFraction * equity;
  const grossCap = input.exposureCap * equity;
  let chosen = 0;
  for (const s of symbols) if (s.hold) chosen++;
  const weight = chosen === 0 ? 0 : Math.min(input.maxPositionFraction, input.exposureCap / chosen);

  const orders: PlannedOrders = new Array<number | null>(count).fill(null);
  /** Quantity held after this bar's sells, per symbol, and whether the plan may still cut it. */
  const after = new Float64Array(count);
  const trimmable = new Uint8Array(count);
  const weightQty = new Float64Array(count);
  let committed = 0;
  let reserved = 0;
  for (let i = 0; i < count; i++) {
    const s = symbols[i] as PlanSymbol;
    const value = s.price > 0 ? s.price : 0;
    if (s.pending !== undefined) {
      const p = s.pending;
      const kept = p.side === 'sell' ? Math.max(0, s.held - p.qty) : s.held;
      after[i] = kept;
      if (p.side === 'buy') {
        const sizedAt = p.price > 0 ? p.price : value;
        reserved += buyReservation(p.qty, sizedAt, feeFor);
        committed += p.qty * sizedAt * (1 + SIZING_MARGIN);
      }
      committed += kept * value;
      continue;
    }
    if (!s.tradable || !(s.price > 0)) {
      after[i] = s.held;
      committed += s.held * value;
      continue;
    }
    const atWeight = Math.floor((weight * equity) / s.price);
    weightQty[i] = atWeight;
    let target = s.held;
    if (!s.hold) target = 0;
    else if (s.held > 0) {
      const overCap = s.held * s.price > positionCap;
      if (overCap || s.held > atWeight * (1 + REBALANCE_TOLERANCE)) target = atWeight;
    }
    const kept = Math.min(s.held, target);
    after[i] = kept;
    trimmable[i] = s.hold && kept > 0 ? 1 : 0;
    committed += kept * s.price;
  }

  // Above the exposure cap: kept positions go back to their weight, then (only if what the plan may not
  // touch still leaves it above) further down, in symbol order.
  for (let pass = 0; pass < 2 && committed > grossCap; pass++) {
    for (let i = 0; i < count && committed > grossCap; i++) {
      if (trimmable[i] !== 1) continue;
      const price = (symbols[i] as PlanSymbol).price;
      const current = after[i] as number;
      const floorQty = pass === 0 ? (weightQty[i] as number) : 0;
      const next = Math.max(floorQty, current - Math.ceil((committed - grossCap) / price));
      if (next >= current) continue;
      committed -= (current - next) * price;
      after[i] = next;
    }
  }

  let cashLeft = input.cash - reserved;
  for (let i = 0; i < count; i++) {
    const s = symbols[i] as PlanSymbol;
    if (s.pending !== undefined || !s.tradable || !(s.price > 0)) continue;
    const kept = after[i] as number;
    if (kept < s.held) {
      orders[i] = kept - s.held;
      continue;
    }
    orders[i] = 0;
    // Only a new position is bought: a held one is never topped up (no churn of small buys).
    if (!s.hold || s.held > 0) continue;
    const high = s.price * (1 + SIZING_MARGIN);
    let qty = Math.floor((weight * equity) / high);
    qty = Math.min(qty, Math.floor(Math.max(0, grossCap - committed) / high));
    while (qty > 0 && qty * high + feeFor(qty, high) > cashLeft) qty = Math.min(qty - 1, Math.floor(cashLeft / high));
    if (qty <= 0) continue;
    orders[i] = qty;
    const r = buyReservation(qty, s.price, feeFor);
    cashLeft -= r;
    reserved += r;
    committed += qty * high;
  }
  return { orders, committed, reserved };
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
  readonly feeFor: (qty: number, price: number) => number;
}): number {
  const { price, feeFor } = input;
  let qty = input.qty;
  if (input.maxValue >= 0) qty = Math.min(qty, Math.floor(input.maxValue / price) - input.held);
  if (input.reservedValue >= 0) qty = Math.min(qty, Math.floor(input.reservedValue / price));
  while (qty > 0 && qty * price + feeFor(qty, price) > input.cash)
    qty = Math.min(qty - 1, Math.floor(input.cash / price));
  return Math.max(0, qty);
}
