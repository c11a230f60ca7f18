/**
 * Marks of fills along the Equity chart's time axis: `▲` under a column whose span of points holds a
 * buy, `▼` a sell, `◆` both; held per equity point for the span of the chart's ring, the same live,
 * after a restart and in `watch`.
 */
import './support/not-in-ci.js';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import type { Side } from '../src/core/model.js';
import { EquityPanel } from '../components/equity-panel.js';
import { chartLayout } from '../components/equity-chart.js';
import { downsampleMinMaxAnchored, type PlottedPoints } from '../components/downsample.js';
import { fillSidesLine, renderTimeChart } from '../components/time-chart.js';
import { createSession } from '../src/cli/start.js';
import { EquitySeries, FILL_BUY, FILL_SELL, fillSidesOf } from '../src/engine/equity-series.js';
import type { LoopEvent } from '../src/engine/loop-events.js';
import type { EngineSnapshot, EquityView } from '../src/engine/snapshot.js';
import { DatabaseSnapshotSource } from '../src/store/database-snapshot-source.js';
import { openStore } from '../src/store/open-store.js';
import { flush, frameLines } from './support/tui-fixtures.js';
import { startOptions } from './support/session.js';

const HOUR = 3_600_000;
const START = Date.UTC(2025, 2, 4, 14, 30);

/** A seeded generator of numbers in [0, 1). */
function seeded(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 16807) % 2147483647) / 2147483647;
}

function walk(count: number, seed: number): { times: Float64Array; values: Float64Array } {
  const random = seeded(seed);
  const times = new Float64Array(count);
  const values = new Float64Array(count);
  for (let i = 0, v = 100_000; i < count; i++) {
    times[i] = START + i * HOUR;
    values[i] = v += (random() - 0.5) * 300;
  }
  return { times, values };
}

/** The reference: the fills whose time is after point i - 1 and at most point i, by a scan of every point ever. */
function referenceSides(
  times: readonly number[],
  fills: readonly { time: number; side: Side }[],
  after = -Infinity,
): number[] {
  return times.map((time, i) => {
    const from = i === 0 ? after : (times[i - 1] as number);
    let sides = 0;
    for (const f of fills) if (f.time > from && f.time <= time) sides |= f.side === 'buy' ? FILL_BUY : FILL_SELL;
    return sides;
  });
}

test('the series keeps, per point of its ring, the sides filled in its span: late and early fills, the ring wrapped', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const random = seeded(seed * 7919);
    const capacity = 40;
    const series = new EquitySeries(capacity);
    const times: number[] = [];
    const fills: { time: number; side: Side }[] = [];
    const queueLate: { time: number; side: Side }[] = [];
    let now = START;
    for (let step = 0; step < 300; step++) {
      now += Math.ceil(random() * 4) * 60_000;
      // Fills at this point's time or a little before it, some noted before the point, some late
      // (after one or several more points), as a real broker's stream delivers them.
      const count = Math.floor(random() * 3);
      for (let k = 0; k < count; k++) {
        const fill = { time: now - Math.floor(random() * 5) * 60_000, side: random() < 0.5 ? 'buy' : 'sell' } as const;
        fills.push(fill);
        if (random() < 0.7) series.noteFill(fill.time, fill.side);
        else queueLate.push(fill);
      }
      series.push(now, 100_000 + step);
      times.push(now);
      if (random() < 0.3) for (const late of queueLate.splice(0)) series.noteFill(late.time, late.side);
    }
    for (const late of queueLate.splice(0)) series.noteFill(late.time, late.side);
    const held = series.toArrays();
    assert.equal(held.times.length, capacity);
    assert.deepEqual([...held.times], times.slice(-capacity));
    assert.deepEqual([...held.fillSides], referenceSides(times, fills).slice(-capacity), `seed ${seed}`);
    // The same from the record: the held points' times, the fills and the time of the point before them.
    assert.deepEqual(
      [...fillSidesOf(held.times, fills, times.at(-capacity - 1))],
      referenceSides(times, fills).slice(-capacity),
    );
  }
});
test('a fill newer than every point waits for the point whose span holds it', () => {
  const series = new EquitySeries(10);
  series.push(START, 1);
  series.noteFill(START + 90_000, 'sell');
  series.push(START + 60_000, 2);
  series.push(START + 120_000, 3);
  assert.deepEqual([...series.toArrays().fillSides], [0, 0, FILL_SELL]);
});

test('each column of the marks row shows the sides filled in the points it stands for: ▲ buy, ▼ sell, ◆ both', () => {
  for (const [count, width, seed] of [
    [1440, 116, 1],
    [1440, 76, 2],
    [300, 76, 3],
    [60, 116, 4],
  ] as const) {
    const { values } = walk(count, seed);
    const random = seeded(seed + 100);
    const sides = Uint8Array.from({ length: count }, () => (random() < 0.03 ? 1 + Math.floor(random() * 3) : 0));
    const lastIndex = count + 37 * seed;
    const { labelWidth } = chartLayout(values);
    const plotted: PlottedPoints = { sources: [], starts: [] };
    downsampleMinMaxAnchored(values, width - labelWidth - 1, lastIndex, plotted);
    const { sources, starts } = plotted;
    // The spans partition the points drawn: each holds the point its column plots.
    for (let c = 0; c < starts.length; c++) {
      const end = starts[c + 1] ?? count;
      assert.ok((starts[c] as number) <= (sources[c] as number) && (sources[c] as number) < end, `column ${c}`);
    }
    const line = fillSidesLine(sides, starts);
    assert.equal(line.length, sources.length);
    for (let point = starts[0] as number; point < count; point++) {
      const s = sides[point] as number;
      if (s === 0) continue;
      let column = starts.length - 1;
      while ((starts[column] as number) > point) column--;
      const shown = line[column];
      const expected = s === FILL_BUY ? '▲' : s === FILL_SELL ? '▼' : '◆';
      assert.ok(shown === expected || shown === '◆', `point ${point} (${s}) in column ${column} shows ${shown}`);
    }
    for (let c = 0; c < line.length; c++) {
      let s = 0;
      for (let p = starts[c] as number; p < (starts[c + 1] ?? count); p++) s |= sides[p] as number;
      assert.equal(line[c], [' ', '▲', '▼', '◆'][s], `column ${c}`);
    }
  }
});

function equityView(times: Float64Array, values: Float64Array, fillSides?: Uint8Array): EquityView {
  return {
    times,
    values,
    ...(fillSides === undefined ? {} : { fillSides }),
    capacity: 1440,
    start: values[0] as number,
    current: values[values.length - 1] as number,
    maxDrawdown: 0.01,
  };
}

async function panelLines(equity: EquityView, height: number, lastIndex: number): Promise<string[]> {
  const app = render(
    <EquityPanel equity={equity} lastIndex={lastIndex} points={Infinity} width={80} height={height} focused />,
  );
  await flush();
  const lines = frameLines(app.lastFrame());
  app.unmount();
  return lines;
}

test('the Equity panel draws the marks row between the plot and the axis where the y-scale keeps six rows', async () => {
  const { times, values } = walk(60, 9);
  const sides = new Uint8Array(60);
  sides[10] = FILL_BUY;
  sides[50] = FILL_SELL;
  sides[55] = FILL_BUY | FILL_SELL;
  const tall = await panelLines(equityView(times, values, sides), 12, 59);
  const text = tall.join('\n');
  assert.ok(tall.filter((line) => /\d[┤┼]/.test(line)).length >= 6, text);
  const marksRow = tall.findIndex((line) => line.includes('fills'));
  assert.ok(marksRow > 0, text);
  assert.match(tall[marksRow + 1] ?? '', /Mar 0\d/, `the axis under the marks\n${text}`);
  // 60 points fit the width: one column per point, the data starting after the y-labels and the axis line.
  const row = tall[marksRow] ?? '';
  const dataStart = (tall.find((line) => /\d[┤┼]/.test(line)) ?? '').search(/[┤┼]/) + 1;
  assert.equal(row[dataStart + 10], '▲', text);
  assert.equal(row[dataStart + 50], '▼', text);
  assert.equal(row[dataStart + 55], '◆', text);
  assert.equal([...row].filter((ch) => '▲▼◆'.includes(ch)).length, 3, text);

  // Two rows lower the axis still fits with a six-row scale, the marks row does not.
  const short = await panelLines(equityView(times, values, sides), 10, 59);
  assert.equal(short.filter((line) => /\d[┤┼]/.test(line)).length, 6, short.join('\n'));
  assert.ok(!short.some((line) => /fills|[▲▼◆]/.test(line)), short.join('\n'));
  // Without fills in view the row stays (the chart does not change height as fills come and go).
  const none = await panelLines(equityView(times, values, new Uint8Array(60)), 12, 59);
  assert.equal(none.filter((line) => /\d[┤┼]/.test(line)).length, tall.filter((l) => /\d[┤┼]/.test(l)).length);
  assert.ok(none.some((line) => line.includes('fills')));
  // Where the snapshot knows no fills (an older record), no row.
  const unknown = await panelLines(equityView(times, values), 12, 59);
  assert.ok(!unknown.some((line) => line.includes('fills')));
});

test('the drill-down chart keeps its marks at times (its row only where a fill falls in the window)', () => {
  const { times, values } = walk(96, 9);
  const lines = renderTimeChart(times, values, 80, 10, [{ time: times[40] as number, glyph: '▲' }]);
  assert.equal(lines.length, 10);
  assert.ok(lines.some((line) => line.trim() === '▲'));
  assert.ok(!renderTimeChart(times, values, 80, 10, []).some((line) => line.includes('▲')));
});

// ---- the engine, a restart and watch ----

const folder = mkdtempSync(join(tmpdir(), 'trading-tui-marks-'));
after(() => rmSync(folder, { recursive: true, force: true }));
const SYMBOLS = 'AAPL,MSFT,SPY,QQQ,IWM,NVDA,AMZN,META';

async function runStored(
  path: string,
  iterations: number,
  points: number,
): Promise<{ events: LoopEvent[]; atStart: EngineSnapshot | null; last: EngineSnapshot }> {
  const session = await createSession(
    startOptions([
      '--db',
      path,
      '--interval',
      '0',
      '--symbols',
      SYMBOLS,
      '--period',
      '10d',
      '--seed',
      '9',
      '--equity-points',
      String(points),
      '--iterations',
      String(iterations),
    ]),
    { backoffBaseMs: 1 },
  );
  const events: LoopEvent[] = [];
  session.engine.onLoopEvent((e) => events.push(e));
  let atStart: EngineSnapshot | null = null;
  session.engine.subscribe(() => {
    if (atStart === null && session.engine.getSnapshot().phase === 'running') atStart = session.engine.getSnapshot();
  });
  await session.run();
  return { events, atStart, last: session.engine.getSnapshot() };
}

test('the engine marks each equity point with its fills; a restart and watch read the same marks from the database', async () => {
  const path = join(folder, 'marks.db');
  const points = 50;
  const first = await runStored(path, 80, points);
  // The reference from the loop's own events: every iteration's time, every fill's time and side.
  const iterationTimes = first.events.flatMap((e) => (e.type === 'iteration' ? [Date.parse(e.time)] : []));
  const fills = first.events.flatMap((e) => (e.type === 'fill' ? [{ time: Date.parse(e.time), side: e.side }] : []));
  assert.ok(fills.length > 5, 'the run trades');
  const expected = referenceSides(iterationTimes, fills).slice(-points);
  const live = first.last.equity;
  assert.deepEqual([...live.times], iterationTimes.slice(-points));
  assert.deepEqual([...(live.fillSides ?? [])], expected, 'live');
  assert.ok(expected.some((s) => s !== 0));

  // watch
  const connection = await openStore(path, { readonly: true });
  const source = new DatabaseSnapshotSource(connection, path);
  await source.poll();
  const watched = source.getSnapshot().equity;
  await source.close();
  assert.deepEqual([...watched.times], [...live.times]);
  assert.deepEqual([...(watched.fillSides ?? [])], expected, 'watch');

  // a restart: the chart and its marks at once, before the first new iteration
  const second = await runStored(path, 3, points);
  const resumed = second.atStart?.equity;
  assert.ok(resumed !== undefined, 'the loop started');
  assert.deepEqual([...resumed.times], [...live.times]);
  assert.deepEqual([...(resumed.fillSides ?? [])], expected, 'restart');
});
