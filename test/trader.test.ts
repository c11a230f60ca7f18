import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PaperBroker } from '../src/broker/paper-broker.js';
import type { Bar } from '../src/core/model.js';
import type { RegimeChangeRecord } from '../src/core/regime.js';
import { DEFAULT_RISK_LIMITS } from '../src/core/risk.js';
import { roundToCents } from '../src/core/units.js';
import type { LoopEvent } from '../src/engine/loop-events.js';
import { Trader, type TraderListener } from '../src/engine/trader.js';
import type { FillRecord, OrderRecord } from '../src/engine/trading-record.js';
import { simulatedBars } from './support/simulated-bars.js';

const SYMBOLS = ['AAA', 'BBB', 'CCC', 'DDD'];

/** Each step's bars, by symbol index, from simulated columns. */
async function stepsOfBars(): Promise<{ time: number; bars: (Bar | undefined)[] }[]> {
  const stored = await simulatedBars({ seed: 4, symbols: SYMBOLS, timeframe: '15Min', periodDays: 40 });
  const first = stored.series[0];
  assert.ok(first);
  return Array.from(first.time, (time, i) => ({
    time,
    bars: stored.series.map((s) => ({
      time,
      open: s.open[i] as number,
      high: s.high[i] as number,
      low: s.low[i] as number,
      close: s.close[i] as number,
      volume: s.volume[i] as number,
    })),
  }));
}

class Collector implements TraderListener {
  readonly events: LoopEvent[] = [];
  readonly orders: OrderRecord[] = [];
  readonly fills: FillRecord[] = [];
  readonly changes: RegimeChangeRecord[] = [];
  event(event: LoopEvent): void {
    this.events.push(event);
  }
  order(order: OrderRecord): void {
    this.orders.push(order);
  }
  fill(fill: FillRecord): void {
    this.fills.push(fill);
  }
  regimeChange(change: RegimeChangeRecord): void {
    this.changes.push(change);
  }
}

const newTrader = (listener: TraderListener | null): Trader =>
  new Trader(
    { symbols: SYMBOLS, startingCash: 100_000, risk: DEFAULT_RISK_LIMITS, regimeHistoryCapacity: 256 },
    new PaperBroker(),
    listener,
  );

test('the Trader, driven step by step with plain values: orders fill at the next bar’s open, and it tells what happened', async () => {
  const steps = await stepsOfBars();
  const told = new Collector();
  const trader = newTrader(told);
  const history = 200;
  for (const [i, { time, bars }] of steps.entries()) {
    trader.step(time, bars, i >= history);
    if (i >= history) trader.closeIteration();
  }
  assert.ok(told.fills.length > 10, 'it trades');
  assert.equal(trader.trades, told.fills.length);
  const barOf = new Map(steps.flatMap(({ bars }) => bars.map((b, s) => [`${SYMBOLS[s]}@${b?.time}`, b] as const)));
  const placed = new Map(told.orders.filter((o) => o.status === 'working').map((o) => [o.clientOrderId, o]));
  for (const fill of told.fills) {
    const order = placed.get(fill.clientOrderId);
    assert.ok(order, `fill ${fill.clientOrderId} of an order placed`);
    assert.ok(fill.time > order.time, 'filled at a later bar');
    const bar = barOf.get(`${fill.symbol}@${fill.time}`);
    assert.ok(bar);
    const slip = fill.side === 'buy' ? 1.0002 : 0.9998;
    assert.equal(fill.price, Math.max(0.01, roundToCents(bar.open * slip)), 'at its open, 2 bps against the order');
  }
  assert.equal(told.events.filter((e) => e.type === 'fill').length, told.fills.length, 'one fill event per fill');
  assert.equal(told.events.filter((e) => e.type === 'regime').length, told.changes.length);
  assert.ok(trader.maxDrawdown > 0 && trader.maxDrawdown < 0.5);
});

test('with nobody listening the Trader trades the same', async () => {
  const steps = await stepsOfBars();
  const run = (listener: TraderListener | null): { equity: number; trades: number; drawdown: number } => {
    const trader = newTrader(listener);
    for (const [i, { time, bars }] of steps.entries()) {
      trader.step(time, bars, i >= 200);
      trader.closeIteration();
    }
    return { equity: trader.portfolio.equity(), trades: trader.trades, drawdown: trader.maxDrawdown };
  };
  assert.deepEqual(run(null), run(new Collector()));
});
