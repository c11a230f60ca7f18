/**
 * Issues 8 and 9: a resume continues exactly as an uninterrupted run. The detector alone (stopped at
 * every bar of a run, refits in progress included), then the whole app through the store.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createSession } from '../src/cli/start.js';
import type { LoopEvent } from '../src/engine/loop-events.js';
import type { Checkpoint } from '../src/engine/checkpoint.js';
import { HmmRegimeDetector, type HmmDetectorSettings } from '../src/core/hmm/detector.js';
import { SeededRandom } from '../src/core/random.js';
import { openStore } from '../src/store/open-store.js';
import { readCheckpoint } from '../src/store/checkpoint-reader.js';
import { readLoadings } from '../src/core/hmm/saved-model.js';
import { startOptions } from './support/session.js';

const folder = mkdtempSync(join(tmpdir(), 'trading-tui-regime-resume-'));
after(() => rmSync(folder, { recursive: true, force: true }));

/** Two features a bar from regimes of random lengths (drift and volatility differ), some missing. */
function bars(count: number, seed: number): Float64Array[] {
  const random = new SeededRandom(seed);
  const profiles = [
    [0.002, 0.004],
    [-0.002, 0.004],
    [0, 0.002],
    [0, 0.012],
  ] as const;
  const out: Float64Array[] = [];
  let regime = 0;
  for (let t = 0; t < count; t++) {
    if (random.next() < 0.02) regime = Math.floor(random.next() * 4);
    const [drift, vol] = profiles[regime] as readonly [number, number];
    const mean = drift + vol * random.normal();
    const dispersion = random.next() < 0.01 ? Number.NaN : vol * (1 + 0.2 * random.normal());
    out.push(Float64Array.of(mean, dispersion));
  }
  return out;
}

const SMALL: HmmDetectorSettings = {
  threshold: 0.7,
  dwell: 2,
  margin: 0.2,
  window: 400,
  minHistory: 120,
  refitEvery: 150,
  emIterationsPerBar: 1,
};

test('a detector put back from its saved state at any bar continues exactly, refits in progress included', () => {
  const series = bars(900, 17);
  const full = new HmmRegimeDetector(2, SMALL);
  const trace: string[] = [];
  for (const x of series) {
    full.update(x);
    trace.push(`${full.regime} ${Array.from(full.posterior).join(',')} ${full.fitCount} ${full.refitting}`);
  }
  // Every 37th bar, and every 4th bar of the refits in progress (a refit takes a few bars: few of the others fall in one).
  const inRefit = trace.flatMap((state, t) => (state.endsWith(' true') ? [t + 1] : []));
  const stops = [
    ...Array.from({ length: Math.ceil((series.length - 1) / 37) }, (_, i) => 1 + 37 * i),
    ...inRefit.filter((_, i) => i % 4 === 0),
  ];
  let midRefit = 0;
  for (const stop of stops) {
    const first = new HmmRegimeDetector(2, SMALL);
    for (let t = 0; t < stop; t++) first.update(series[t] as Float64Array);
    if (first.refitting) midRefit++;
    const resumed = new HmmRegimeDetector(2, SMALL);
    // What a resume's backfill does first: other bars, its own fits, all to be replaced.
    for (const x of bars(300, 99)) resumed.update(x);
    assert.ok(resumed.restoreState(first.resumeState(), first.params, first.heldSince(0)), `restored at ${stop}`);
    for (let t = stop; t < series.length; t++) {
      resumed.update(series[t] as Float64Array);
      const now = `${resumed.regime} ${Array.from(resumed.posterior).join(',')} ${resumed.fitCount} ${resumed.refitting}`;
      assert.equal(now, trace[t], `stopped at bar ${stop}, bar ${t} differs`);
    }
  }
  assert.ok(midRefit >= 3, `several stops fall in a refit (${midRefit})`);
});

test('a state saved mid-refit by a version whose EM took more steps still loads: the refit ends at the next bar', () => {
  const series = bars(900, 17);
  const d = new HmmRegimeDetector(2, SMALL);
  let t = 0;
  while (!(d.refitting && d.fitCount >= 1)) d.update(series[t++] as Float64Array);
  const state = d.resumeState();
  assert.ok(state.refit !== null);
  // Far more EM steps than a refit of this window takes now.
  const older = { ...state, refit: { ...state.refit, steps: state.refit.steps + 10_000 } };
  const resumed = new HmmRegimeDetector(2, SMALL);
  assert.ok(resumed.restoreState(older, d.params, d.heldSince(0)));
  assert.equal(resumed.refitting, true);
  resumed.update(series[t] as Float64Array);
  assert.equal(resumed.refitting, false, 'the refit is over');
  assert.equal(resumed.fitCount, state.fits + 1, 'and its model is in force');
  for (let u = t + 1; u < series.length; u++) resumed.update(series[u] as Float64Array);
  assert.ok(!resumed.learning);
});

test('restoreState refuses held bars that do not reach the saved bar or cover the window', () => {
  const series = bars(400, 5);
  const d = new HmmRegimeDetector(2, SMALL);
  for (const x of series) d.update(x);
  const state = d.resumeState();
  const held = d.heldSince(0);
  const fresh = new HmmRegimeDetector(2, SMALL);
  const short = { first: held.first + 100, count: held.count - 100, values: held.values.subarray(200) };
  assert.equal(fresh.restoreState(state, d.params, short), false, 'a window not all there');
  const stale = { first: held.first - 1, count: held.count, values: held.values };
  assert.equal(fresh.restoreState(state, d.params, stale), false, 'bars that end before the saved one');
  assert.equal(fresh.restoreState(state, null, held), false, 'a belief without its model');
  assert.equal(fresh.learning, true, 'nothing changed');
});

type Iteration = Extract<LoopEvent, { type: 'iteration' }>;

async function iterations(path: string, count: number): Promise<Iteration[]> {
  const session = await createSession(
    startOptions(['--db', path, '--interval', '0', '--seed', '1', '--iterations', String(count)]),
    { backoffBaseMs: 1 },
  );
  const events: Iteration[] = [];
  session.engine.onLoopEvent((e) => {
    if (e.type === 'iteration') events.push(e);
  });
  await session.run();
  return events;
}

/** An iteration line without what measures the process (memory). */
const line = (e: Iteration): string => JSON.stringify({ ...e, heapUsed: 0, rss: 0 });

test('a seeded run stopped and resumed at several points (one in a refit) prints the same iterations as one run', async () => {
  const total = 900;
  const whole = (await iterations(join(folder, 'whole.db'), total)).map(line);
  assert.equal(whole.length, total);
  const path = join(folder, 'stopped.db');
  const pieces: string[] = [];
  const refitsInProgress: number[] = [];
  let done = 0;
  for (const stop of [150, 300, 775, 845, total]) {
    pieces.push(...(await iterations(path, stop - done)).map(line));
    done = stop;
    const c = await openStore(path);
    const state = JSON.parse((await c.get<{ state: string }>('SELECT state FROM checkpoints'))?.state ?? '{}');
    await c.close();
    const detector = (state as Checkpoint).regime.detector;
    assert.ok(detector !== undefined, 'the checkpoint holds the detector’s state');
    if (detector.refit !== null && stop < total) refitsInProgress.push(stop);
  }
  assert.ok(refitsInProgress.length >= 1, 'at least one stop falls in a refit (else the schedule moved: pick others)');
  assert.equal(pieces.length, total);
  for (let i = 0; i < total; i++) assert.equal(pieces[i], whole[i], `iteration ${i + 1}`);
});

test('the factor loadings read back from a learning detector’s checkpoint (a symbol left out is null in the JSON, NaN again); damaged ones are dropped', () => {
  const base = {
    iteration: 3,
    marketTime: 1,
    cash: 1,
    realizedPnl: 0,
    positions: [],
    workingOrders: [],
    peakEquity: 1,
    maxDrawdown: 0,
    trades: 0,
    risk: { day: 1, dayStartEquity: 1, haltReason: null },
    market: { kind: 'sim', seed: 1, barCount: 10, timeframe: '15Min', symbols: ['A', 'B', 'C'] },
  };
  const loadings = { beta: [0.9, null, 1.1], deviation: [0.001, null, 0.002] };
  const read = readCheckpoint(JSON.stringify({ ...base, regime: { current: 'range', since: 0, bars: 1, loadings } }));
  assert.deepEqual(read.regime.loadings, loadings);
  const restored = readLoadings(read.regime.loadings, 3);
  assert.ok(restored !== null);
  assert.deepEqual(Array.from(restored.beta), [0.9, Number.NaN, 1.1]);
  assert.equal(readLoadings(read.regime.loadings, 4), null, 'not for a universe of another size');
  for (const damaged of [{ beta: [0.9, 1, 1], deviation: [1, -1, 1] }, { beta: [1, 1], deviation: [1] }, 'x'])
    assert.equal(
      readCheckpoint(JSON.stringify({ ...base, regime: { current: 'range', since: 0, bars: 1, loadings: damaged } }))
        .regime.loadings,
      undefined,
    );
});
