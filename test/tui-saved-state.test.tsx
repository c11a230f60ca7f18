import './support/not-in-ci.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App } from '../components/app.js';
import { showSavedStateWhileCatchingUp } from '../src/cli/saved-state-view.js';
import type { Checkpoint } from '../src/engine/checkpoint.js';
import type { ResumeState } from '../src/engine/trading-record.js';
import { FakeControls, equitySeries, flush, makeSnapshot, renderOnTerminal } from './support/tui-fixtures.js';
import { waitUntil as waitFor } from './support/wait-until.js';

const SAVED_AT = Date.UTC(2025, 2, 3, 20, 0);

function resumeState(): ResumeState {
  const { times, values } = equitySeries(600);
  const checkpoint: Checkpoint = {
    iteration: 4321,
    marketTime: SAVED_AT,
    cash: 50_000,
    realizedPnl: 1234.5,
    positions: [
      { symbol: 'IBM', qty: 100, avgPrice: 200, lastPrice: 210 },
      { symbol: 'KO', qty: 300, avgPrice: 60, lastPrice: 59 },
    ],
    workingOrders: [],
    regime: { current: 'volatile', since: SAVED_AT - 3_600_000, bars: 4 },
    peakEquity: 120_000,
    maxDrawdown: 0.05,
    trades: 77,
    risk: { day: 0, dayStartEquity: 100_000, haltReason: null },
    market: { kind: 'sim', seed: 1, barCount: 10, timeframe: '15Min', symbols: ['IBM', 'KO'] },
  };
  return {
    checkpoint,
    equityTimes: times,
    equityValues: values,
    regimeHistory: [{ time: SAVED_AT - 3_600_000, from: 'range', to: 'volatile', confidence: 0.72 }],
    events: [{ seq: 900, time: SAVED_AT, kind: 'fill', message: 'BUY 100 IBM @ 200.00 (saved)' }],
  };
}

/** The engine of a restart before its backfill ends: a fresh start's snapshot. */
const freshStart = () =>
  makeSnapshot({
    phase: 'backfill',
    iteration: 0,
    cash: 100_000,
    positions: [],
    events: [{ seq: 1, time: SAVED_AT, kind: 'download', message: 'MSFT failed after 3 attempt(s)' }],
    equity: { ...makeSnapshot().equity, times: new Float64Array(0), values: new Float64Array(0), current: 100_000 },
  });

test('while a restart catches up, the saved state is shown at once, marked catching up', async () => {
  const engine = new FakeControls(freshStart());
  const controls = showSavedStateWhileCatchingUp(engine, resumeState());
  const shown = controls.getSnapshot();
  assert.equal(shown.catchingUp, true);
  assert.equal(shown.iteration, 4321);
  assert.equal(shown.equity.values.length, 600, 'the saved chart');
  assert.equal(shown.equity.current, 50_000 + 100 * 210 + 300 * 59, 'equity from the saved positions');
  assert.deepEqual(
    shown.positions.map((p) => p.symbol),
    ['IBM', 'KO'],
    'largest first',
  );
  assert.equal(shown.regime.current, 'volatile');
  assert.equal(shown.regime.confidence, 0.72);
  assert.deepEqual(
    shown.events.map((e) => e.seq),
    [900, 901],
    'saved events, then this run’s',
  );
  assert.equal(shown.downloads, engine.getSnapshot().downloads, 'the live downloads');
  assert.equal(controls.getSnapshot(), shown, 'the same snapshot while nothing changes');

  const app = renderOnTerminal(<App controls={controls} fps={1000} />, 120, 40);
  await flush();
  const status = app.lines().at(-1) ?? '';
  assert.ok(status.includes('catching up') && status.includes('it 4321'), status);
  assert.ok(!app.text().includes('waiting for equity points'), 'a chart, not a fresh start');
  assert.match(app.text(), /KO\s+300/);

  // The backfill ends: the engine's own snapshot again.
  engine.publish(makeSnapshot({ iteration: 4322 }));
  await waitFor(() => (app.lines().at(-1) ?? '').includes('it 4322'));
  assert.ok(!app.text().includes('catching up'));
  app.unmount();
});

test('a fresh start (nothing saved) is the engine as it is', () => {
  const engine = new FakeControls(freshStart());
  assert.equal(showSavedStateWhileCatchingUp(engine, null), engine);
});
