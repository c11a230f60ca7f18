import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { affordableQuantity, type FeeSchedule } from '../src/core/order-plan.js';

/** The paper broker's schedule: basis points of the value, at least a minimum fee. */
const schedule = (feeBps: number, minFee: number): FeeSchedule & { calls: number } => {
  const fees = {
    calls: 0,
    feeFor(qty: number, price: number): number {
      fees.calls++;
      return Math.max(minFee, Math.round(((qty * price * feeBps) / 10_000) * 100) / 100);
    },
  };
  return fees;
};

/** One share at a time, as the order plan did before: the reference. */
function stepDown(qty: number, price: number, cash: number, fees: FeeSchedule): number {
  let q = qty;
  while (q > 0 && q * price + fees.feeFor(q, price) > cash) q = Math.min(q - 1, Math.floor(cash / price));
  return q;
}

test('the affordable quantity is the one a share-by-share search finds', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: -5, max: 2_000_000 }),
      fc.double({ min: 0.01, max: 5_000, noNaN: true }),
      fc.double({ min: -1_000, max: 1_000_000, noNaN: true }),
      fc.integer({ min: 0, max: 100 }),
      fc.constantFrom(0, 0.35, 1, 5),
      (qty, price, cash, bps, minFee) => {
        const fees = schedule(bps, minFee);
        assert.equal(affordableQuantity(qty, price, cash, fees), stepDown(qty, price, cash, fees));
      },
    ),
    { numRuns: 3_000 },
  );
});

test('a buy at a penny is sized in a few fee lookups, not one per share the fee costs', () => {
  const fees = schedule(5, 1);
  assert.equal(affordableQuantity(1_000_000_000, 0.01, 10_000, fees), 999_500);
  assert.ok(fees.calls <= 64, `${fees.calls} fee lookups`);
});
