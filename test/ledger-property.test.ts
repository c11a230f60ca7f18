/**
 * Property test: the product's portfolio, order plan, fill cut and daily loss limit, driven through random
 * price paths, limits, strategy wishes and fills, checked at every step against a reference ledger kept
 * here in integer cents (no product code is used to compute what is expected).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Portfolio } from '../src/core/portfolio.js';
import { buyFillQuantity, NO_ORDER, OrderPlanner, PENDING_BUY, PENDING_SELL } from '../src/core/order-plan.js';
import { RiskManager } from '../src/core/risk.js';

/** The README's sizing margin: buys are sized on the close raised by 0.5%. */
const MARGIN = 0.005;
const STEP_MS = 15 * 60_000;

interface Scenario {
  readonly startDay: number;
  readonly cashCents: number;
  readonly maxPosition: number;
  readonly maxExposure: number;
  readonly dailyLoss: number;
  readonly feeBps: number;
  readonly minFeeCents: number;
  /** Orders fill later, a real broker's way (left alone by the plan while working), instead of at the next bar. */
  readonly fillsLater: boolean;
  readonly startPrices: readonly number[];
  readonly steps: readonly Step[];
}

interface Step {
  /** 0: the next bar, 1: the next session's open, 2: an after-hours bar (00:30 UTC, New York's evening). */
  readonly move: number;
  /** Per symbol: open gap and close move, in basis points. */
  readonly gaps: readonly number[];
  readonly moves: readonly number[];
  readonly hold: readonly boolean[];
  readonly tradable: readonly boolean[];
  /** Extra move of a fill from the open (bps): gaps beyond the sizing margin happen. */
  readonly fillSlip: readonly number[];
  readonly regimeCap: number;
  /** A working order of a broker that fills later fills at this step when true. */
  readonly brokerFills: readonly boolean[];
}

const SYMBOLS = 5;
const bps = (min: number, max: number) => fc.integer({ min, max });
const stepArb = fc.record({
  move: fc.constantFrom(0, 0, 0, 0, 0, 0, 0, 1, 1, 2),
  gaps: fc.array(bps(-300, 300), { minLength: SYMBOLS, maxLength: SYMBOLS }),
  moves: fc.array(bps(-400, 400), { minLength: SYMBOLS, maxLength: SYMBOLS }),
  hold: fc.array(fc.boolean(), { minLength: SYMBOLS, maxLength: SYMBOLS }),
  tradable: fc.array(fc.constantFrom(true, true, true, true, false), { minLength: SYMBOLS, maxLength: SYMBOLS }),
  fillSlip: fc.array(bps(-100, 150), { minLength: SYMBOLS, maxLength: SYMBOLS }),
  regimeCap: fc.constantFrom(1, 0.6, 0.3, 0.2),
  brokerFills: fc.array(fc.boolean(), { minLength: SYMBOLS, maxLength: SYMBOLS }),
});
const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  startDay: fc.integer({ min: 0, max: 364 }),
  cashCents: fc.integer({ min: 100_000, max: 50_000_000 }),
  maxPosition: fc.constantFrom(0.01, 0.05, 0.1, 0.25, 0.5, 1),
  maxExposure: fc.constantFrom(0.1, 0.5, 0.8, 1),
  dailyLoss: fc.constantFrom(0.002, 0.005, 0.01, 0.03),
  feeBps: fc.constantFrom(0, 0.5, 5, 30),
  minFeeCents: fc.constantFrom(0, 1, 100),
  fillsLater: fc.boolean(),
  startPrices: fc.array(fc.integer({ min: 50, max: 200_000 }), { minLength: SYMBOLS, maxLength: SYMBOLS }),
  steps: fc.array(stepArb, { minLength: 20, maxLength: 60 }),
});

/** The reference ledger: integer cents, written from the README's rules. */
class Ledger {
  cash: number;
  readonly qty = new Map<number, number>();
  /** Cost basis in cents (fractional after partial sells: average cost). */
  readonly cost = new Map<number, number>();
  realized = 0;

  constructor(cash: number) {
    this.cash = cash;
  }

  buy(symbol: number, q: number, price: number, fee: number): void {
    this.cash -= q * price + fee;
    this.qty.set(symbol, (this.qty.get(symbol) ?? 0) + q);
    this.cost.set(symbol, (this.cost.get(symbol) ?? 0) + q * price);
    this.realized -= fee;
  }

  sell(symbol: number, q: number, price: number, fee: number): void {
    const held = this.qty.get(symbol) ?? 0;
    assert.ok(q <= held, 'never sells more than held');
    const cost = ((this.cost.get(symbol) ?? 0) * q) / held;
    this.cash += q * price - fee;
    this.realized += q * price - cost - fee;
    if (q === held) {
      this.qty.delete(symbol);
      this.cost.delete(symbol);
    } else {
      this.qty.set(symbol, held - q);
      this.cost.set(symbol, (this.cost.get(symbol) ?? 0) - cost);
    }
  }

  equity(closes: readonly number[]): number {
    let value = this.cash;
    for (const [symbol, q] of this.qty) value += q * (closes[symbol] as number);
    return value;
  }
}

const newYorkDate = (time: number): string =>
  new Date(time).toLocaleDateString('en-US', { timeZone: 'America/New_York' });
const cents = (dollars: number): number => Math.round(dollars * 100);

interface WorkingOrder {
  readonly side: 'buy' | 'sell';
  readonly qty: number;
  /** Close it was sized on, cents. */
  readonly sized: number;
  /** Equity it was sized on, cents. */
  readonly equity: number;
  readonly maxValue: number;
}

let fillsChecked = 0;
let stepsChecked = 0;
let haltsSeen = 0;

function runScenario(s: Scenario): void {
  const names = Array.from({ length: SYMBOLS }, (_, i) => `S${i}`);
  const fee = (q: number, priceCents: number): number =>
    Math.max(s.minFeeCents, Math.round((q * priceCents * s.feeBps) / 10_000));
  const feeDollars = (q: number, price: number): number => fee(q, price * 100) / 100;
  const limits = { maxPositionFraction: s.maxPosition, maxGrossExposure: s.maxExposure, dailyLossLimit: s.dailyLoss };
  const book = new Portfolio(s.cashCents / 100);
  // One planner for the whole run, as the Trader keeps one: nothing of a bar's plan may leak into the next.
  const plan = new OrderPlanner(SYMBOLS);
  const risk = new RiskManager(limits, s.cashCents / 100);
  const ledger = new Ledger(s.cashCents);
  const closes = [...s.startPrices];
  const working = new Map<number, WorkingOrder>();
  let time = Date.UTC(2025, 0, 1, 14, 30) + s.startDay * 86_400_000;
  let day = '';
  let base = s.cashCents;
  let lastEquity = s.cashCents;
  let halted = false;

  for (const step of s.steps) {
    time =
      step.move === 0
        ? time + STEP_MS
        : step.move === 1
          ? Math.floor(time / 86_400_000 + 1) * 86_400_000 + 14.5 * 3_600_000
          : Math.floor(time / 86_400_000 + 1) * 86_400_000 + 0.5 * 3_600_000;
    // The bar: open gaps from the last close, close moves from the open (whole cents, at least 1).
    const opens = closes.map((c, i) => Math.max(1, Math.round(c * (1 + (step.gaps[i] as number) / 10_000))));
    for (let i = 0; i < SYMBOLS; i++)
      closes[i] = Math.max(1, Math.round((opens[i] as number) * (1 + (step.moves[i] as number) / 10_000)));

    // Fills: sells first (their cash pays for the buys), each checked against the ledger.
    const fills: { symbol: number; order: WorkingOrder }[] = [];
    for (const [symbol, order] of working) {
      if (s.fillsLater && !step.brokerFills[symbol]) continue;
      fills.push({ symbol, order });
    }
    fills.sort((a, b) => (a.order.side === b.order.side ? a.symbol - b.symbol : a.order.side === 'sell' ? -1 : 1));
    for (const { symbol, order } of fills) {
      working.delete(symbol);
      const direction = order.side === 'buy' ? 1 : -1;
      const price = Math.max(
        1,
        Math.round((opens[symbol] as number) * (1 + (direction * (step.fillSlip[symbol] as number)) / 10_000)),
      );
      const held = ledger.qty.get(symbol) ?? 0;
      let q = order.qty;
      if (order.side === 'sell') q = Math.min(q, held);
      else if (!s.fillsLater) {
        // Reference cut: the position at the fill price within the cap of the equity it was sized on,
        // the value within the reservation, the cost within the cash.
        let expected = order.qty;
        while (
          expected > 0 &&
          ((held + expected) * price > s.maxPosition * order.equity ||
            expected * price > order.qty * order.sized * (1 + MARGIN) ||
            expected * price + fee(expected, price) > ledger.cash)
        )
          expected--;
        q = buyFillQuantity({
          qty: order.qty,
          price: price / 100,
          held,
          cash: book.cash,
          maxValue: order.maxValue,
          reservedValue: (order.qty * order.sized * (1 + MARGIN)) / 100,
          fees: { feeFor: feeDollars },
        });
        // Floating point may cut one share more at an exact boundary, never one share too many.
        assert.ok(q <= expected && q >= expected - 1, `fill cut to ${q}, reference ${expected}`);
      }
      if (q <= 0) continue;
      const feeCents = fee(q, price);
      book.applyFill({
        symbol: names[symbol] as string,
        side: order.side,
        qty: q,
        price: price / 100,
        fee: feeCents / 100,
        time,
      });
      if (order.side === 'buy') ledger.buy(symbol, q, price, feeCents);
      else ledger.sell(symbol, q, price, feeCents);
      fillsChecked++;
      assert.equal(cents(book.cash), ledger.cash, 'cash after a fill');
    }

    // Marks at the bar's closes, after the fills.
    for (let i = 0; i < SYMBOLS; i++) book.mark(names[i] as string, (closes[i] as number) / 100);
    const equity = ledger.equity(closes);
    assert.equal(cents(book.equity()), equity, 'equity = cash + Σ qty × close, to the cent');
    assert.equal(cents(book.cash), ledger.cash, 'cash');
    assert.equal(book.positionCount, ledger.qty.size, 'positions');
    for (const [symbol, q] of ledger.qty) assert.equal(book.position(names[symbol] as string)?.qty, q);
    assert.ok(
      Math.abs(book.realizedPnl * 100 - ledger.realized) < 0.5 + 1e-6 * Math.abs(ledger.realized),
      'realized P&L',
    );

    // The daily loss limit, from the previous session's close, on New York's date.
    const actions = risk.check(time, book.equity());
    const date = newYorkDate(time);
    let expectResume = false;
    if (date !== day) {
      if (day !== '') base = lastEquity;
      expectResume = halted;
      halted = false;
      day = date;
    }
    lastEquity = equity;
    const expectHalt: boolean = !halted && base - equity >= base * s.dailyLoss;
    if (expectHalt) {
      halted = true;
      haltsSeen++;
    }
    assert.deepEqual(
      actions.map((a) => a.action),
      [...(expectResume ? ['resume'] : []), ...(expectHalt ? ['halt'] : [])],
      `risk at ${new Date(time).toISOString()}: base ${base}, equity ${equity}`,
    );
    for (const a of actions) assert.equal(cents(a.base), base, 'the risk event names the base');
    const halt = actions.find((a) => a.action === 'halt');
    if (halt?.action === 'halt') assert.equal(cents(halt.loss), base - equity, 'and the loss');
    assert.equal(risk.haltReason !== null, halted);

    // The orders of the bar, under the caps.
    const cap = Math.min(s.maxExposure, step.regimeCap);
    const fresh = new OrderPlanner(SYMBOLS);
    for (const planner of [plan, fresh]) {
      for (let i = 0; i < SYMBOLS; i++) {
        const order = s.fillsLater ? working.get(i) : undefined;
        planner.price[i] = (closes[i] as number) / 100;
        planner.held[i] = ledger.qty.get(i) ?? 0;
        planner.hold[i] = !halted && (step.hold[i] as boolean) ? 1 : 0;
        planner.tradable[i] = (step.tradable[i] as boolean) ? 1 : 0;
        planner.pendingSide[i] = NO_ORDER;
        if (order === undefined) continue;
        planner.pendingSide[i] = order.side === 'buy' ? PENDING_BUY : PENDING_SELL;
        planner.pendingQty[i] = order.qty;
        planner.pendingPrice[i] = order.sized / 100;
      }
      planner.plan(book.equity(), book.cash, s.maxPosition, cap, { feeFor: feeDollars });
    }
    assert.deepEqual([...plan.orders], [...fresh.orders], 'a planner used before plans as a new one does');
    assert.equal(plan.committed, fresh.committed);
    assert.equal(plan.reserved, fresh.reserved);
    let fixed = 0;
    let committed = 0;
    let reserved = 0;
    let pendingReserved = 0;
    let bought = false;
    for (let i = 0; i < SYMBOLS; i++) {
      const held = ledger.qty.get(i) ?? 0;
      const close = closes[i] as number;
      const order = plan.orders[i] as number;
      const pending = s.fillsLater ? working.get(i) : undefined;
      if (pending !== undefined || !step.tradable[i]) {
        assert.ok(Number.isNaN(order), 'a working order or an untradable symbol is left alone');
        const kept = pending?.side === 'sell' ? Math.max(0, held - pending.qty) : held;
        fixed += kept * close;
        if (pending?.side === 'buy') {
          const high = pending.sized * (1 + MARGIN);
          fixed += pending.qty * high;
          pendingReserved += pending.qty * high + fee(pending.qty, high);
        }
        continue;
      }
      assert.ok(Number.isInteger(order), 'a tradable symbol gets a decision');
      if (order < 0) assert.ok(-order <= held, 'sells at most what is held');
      if (plan.hold[i] !== 1) assert.equal(order, -held || 0, 'what is not wanted is sold whole');
      const kept = held + Math.min(order, 0);
      committed += kept * close;
      assert.ok(kept * close <= s.maxPosition * equity + 1, 'each position within --max-position after the orders');
      if (order > 0) {
        assert.equal(held, 0, 'only new positions are bought');
        assert.ok(!halted, 'nothing is bought while halted');
        bought = true;
        const high = close * (1 + MARGIN);
        assert.ok(order * high <= s.maxPosition * equity + 1, 'a buy at the close plus margin within --max-position');
        committed += order * high;
        reserved += order * high + fee(order, high);
        working.set(i, { side: 'buy', qty: order, sized: close, equity, maxValue: s.maxPosition * book.equity() });
      } else if (order < 0) {
        working.set(i, { side: 'sell', qty: -order, sized: close, equity, maxValue: Number.NaN });
      } else if (!s.fillsLater) working.delete(i);
    }
    assert.ok(Math.abs(plan.committed * 100 - (fixed + committed)) < 1, 'the plan reports the committed exposure');
    assert.ok(Math.abs(plan.reserved * 100 - (pendingReserved + reserved)) < 1, 'and the reserved cash');
    if (fixed <= cap * equity) {
      assert.ok(
        fixed + committed <= cap * equity + 1,
        `Σ positions + pending buys ${fixed + committed} ≤ cap ${cap * equity}`,
      );
    } else assert.ok(!bought, 'nothing is bought while what cannot be changed is above the cap');
    if (pendingReserved <= ledger.cash) assert.ok(pendingReserved + reserved <= ledger.cash + 1, 'pending buys ≤ cash');
    else assert.ok(!bought, 'nothing is bought while pending buys exceed the cash');
    stepsChecked++;
  }
}

test('portfolio, order plan, fill cuts and daily loss limit agree with an integer-cents reference ledger', () => {
  fc.assert(
    fc.property(scenarioArb, (scenario) => runScenario(scenario)),
    { numRuns: 400, seed: 8 },
  );
  assert.ok(fillsChecked >= 10_000, `${fillsChecked} fills checked`);
  assert.ok(haltsSeen > 100, `${haltsSeen} halts`);
  console.log(`checked ${fillsChecked} fills, ${stepsChecked} steps, ${haltsSeen} halts`);
});
