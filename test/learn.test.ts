import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCommand } from '../src/cli/commands/learn.js';
import { UsageError } from '../src/cli/parse-values.js';
import { DEFAULT_DETECTOR_CONFIG } from '../src/core/regime.js';
import { loadProfile } from '../src/learn/profiles.js';
import { ReplayMarket, type SymbolBars } from '../src/learn/replay-market.js';
import { candidateConfigs } from '../src/learn/tune.js';
import { SimulatedMarket } from '../src/market/sim-market.js';
import { barsFromColumns } from '../src/core/bar-columns.js';
import { StoreError, openStore } from '../src/store/open-store.js';
import { captureStdout } from './support/capture-output.js';
import { createDatabase, type DatabaseFiller } from './support/fill-database.js';

const M = 60_000;
const T0 = Date.UTC(2025, 0, 6, 14, 30);
const GAP = 10 * 3_600_000;

/**
 * Run 1: trend-up ×1.1 then ×0.9 (return -1%, drawdown 10%); range ×1.1, ×0.9 (across a night), ×1.1
 * (return +8.9%, drawdown 10%); it ends in volatile. Fills: AAA bought in trend-up and sold in part at
 * a profit in trend-up, the rest at a loss (after fees) in range; BBB bought in range, sold at a profit
 * in volatile, then a sell with nothing held; CCC bought in trend-up and held.
 * Run 2 (a restart of the same portfolio): range ×1.05; CCC sold at a profit in range.
 */
async function reportFixture(): Promise<{ path: string; filler: DatabaseFiller }> {
  const { path, filler } = await createDatabase();
  const portfolio = await filler.portfolio(T0);
  const first = await filler.run(portfolio, T0);
  await filler.equityPoints(first, [
    { iteration: 1, time: T0, equity: 100, regime: 'trend-up' },
    { iteration: 2, time: T0 + M, equity: 110, regime: 'trend-up' },
    { iteration: 3, time: T0 + 2 * M, equity: 99, regime: 'range' },
    { iteration: 4, time: T0 + 3 * M, equity: 108.9, regime: 'range' },
    { iteration: 5, time: T0 + 3 * M + GAP, equity: 98.01, regime: 'range' },
    { iteration: 6, time: T0 + 4 * M + GAP, equity: 107.811, regime: 'volatile' },
  ]);
  await filler.fills(first, [
    { time: T0, symbol: 'AAA', side: 'buy', qty: 10, price: 10, fee: 1, regime: 'trend-up' },
    { time: T0, symbol: 'CCC', side: 'buy', qty: 10, price: 5, regime: 'trend-up' },
    { time: T0 + M, symbol: 'AAA', side: 'sell', qty: 4, price: 12, fee: 0.4, regime: 'trend-up' },
    { time: T0 + 2 * M, symbol: 'AAA', side: 'sell', qty: 6, price: 10.1, fee: 0.6, regime: 'range' },
    { time: T0 + 2 * M, symbol: 'BBB', side: 'buy', qty: 5, price: 20, regime: 'range' },
    { time: T0 + 4 * M + GAP, symbol: 'BBB', side: 'sell', qty: 5, price: 21, regime: 'volatile' },
    { time: T0 + 4 * M + GAP, symbol: 'BBB', side: 'sell', qty: 3, price: 22, regime: 'volatile' },
  ]);
  const second = await filler.run(portfolio, T0 + 2 * GAP);
  await filler.equityPoints(second, [
    { iteration: 7, time: T0 + 2 * GAP, equity: 100, regime: 'range' },
    { iteration: 8, time: T0 + 2 * GAP + M, equity: 105, regime: 'range' },
  ]);
  await filler.fills(second, [
    { time: T0 + 2 * GAP + M, symbol: 'CCC', side: 'sell', qty: 10, price: 6, regime: 'range' },
  ]);
  return { path, filler };
}

interface ReportJson {
  run: number | null;
  runs: number;
  equityPoints: number;
  fills: number;
  regimes: {
    regime: string;
    timeMs: number;
    intervals: number;
    trades: number;
    roundTrips: number;
    wins: number;
    hitRate: number | null;
    return: number;
    maxDrawdown: number;
  }[];
}

const reportJson = async (args: string[]): Promise<ReportJson> => {
  const { code, stdout } = await captureStdout(() => runCommand(['report', '--json', ...args]));
  assert.equal(code, 0);
  return JSON.parse(stdout) as ReportJson;
};

const close = (actual: number, expected: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≠ ${expected}`);

test('report on one run: time, trades, hit rate, return and drawdown per regime', async () => {
  const { path, filler } = await reportFixture();
  const report = await reportJson(['--run', '1', '--db', path]);
  assert.equal(report.run, 1);
  assert.equal(report.equityPoints, 6);
  assert.equal(report.fills, 7);
  const [up, down, range, volatile] = report.regimes;
  assert.deepEqual(
    report.regimes.map((r) => r.regime),
    ['trend-up', 'trend-down', 'range', 'volatile'],
  );
  assert.ok(up && down && range && volatile);
  assert.deepEqual([up.intervals, up.timeMs, up.trades, up.roundTrips, up.wins, up.hitRate], [2, 2 * M, 3, 1, 1, 1]);
  close(up.return, -0.01, 'trend-up return');
  close(up.maxDrawdown, 0.1, 'trend-up drawdown');
  assert.deepEqual(
    [range.intervals, range.timeMs, range.trades, range.roundTrips, range.wins, range.hitRate],
    [3, 3 * M, 2, 1, 0, 0],
    'the night counts as one bar',
  );
  close(range.return, 0.089, 'range return');
  close(range.maxDrawdown, 0.1, 'range drawdown: its own stretch only');
  assert.deepEqual(
    [volatile.intervals, volatile.timeMs, volatile.trades, volatile.roundTrips, volatile.wins],
    [0, 0, 2, 1, 1],
    'a sell of nothing held is no round trip',
  );
  close(volatile.return, 0, 'no stretch, no return');
  assert.deepEqual([down.trades, down.hitRate, down.return, down.maxDrawdown], [0, null, 0, 0]);
  await filler.connection.close();
});

test('report on a restarted run knows the cost of what an earlier run bought; all runs add up', async () => {
  const { path, filler } = await reportFixture();
  const second = await reportJson(['--run', '2', '--db', path]);
  const range = second.regimes.find((r) => r.regime === 'range');
  assert.deepEqual([second.fills, range?.trades, range?.roundTrips, range?.wins, range?.intervals], [1, 1, 1, 1, 1]);
  close(range?.return ?? Number.NaN, 0.05, 'run 2 range return');

  const all = await reportJson(['--db', path]);
  assert.deepEqual([all.run, all.runs, all.equityPoints, all.fills], [null, 2, 8, 8]);
  const allRange = all.regimes.find((r) => r.regime === 'range');
  assert.deepEqual(
    [allRange?.trades, allRange?.roundTrips, allRange?.wins, allRange?.hitRate, allRange?.intervals, allRange?.timeMs],
    [3, 2, 1, 0.5, 4, 4 * M],
    'runs are not joined across the restart',
  );
  close(allRange?.return ?? Number.NaN, 1.089 * 1.05 - 1, 'all runs range return');
  await filler.connection.close();
});

test('report prints an aligned table', async () => {
  const { path, filler } = await reportFixture();
  const { code, stdout } = await captureStdout(() => runCommand(['report', '--run', '1', '--db', path]));
  assert.equal(code, 0);
  const lines = stdout.split('\n');
  assert.match(lines[0] ?? '', /^performance by regime, run 1: 6 equity points, 7 fills/);
  const header = lines[1] ?? '';
  assert.match(header, /^regime\s+time\s+bars\s+trades\s+round trips\s+hit rate\s+return\s+max drawdown$/);
  const up = lines.find((l) => l.startsWith('trend-up')) ?? '';
  assert.match(up, /^trend-up\s+2m00s\s+2\s+3\s+1\s+100\.0%\s+-1\.00%\s+10\.00%$/);
  const down = lines.find((l) => l.startsWith('trend-down')) ?? '';
  assert.match(down, /^trend-down\s+-\s+0\s+0\s+0\s+-\s+0\.00%\s+0\.00%$/);
  // Right-aligned numbers end where their header ends.
  assert.equal(up.length, header.length);
  await filler.connection.close();
});

test('report: an unknown run, an empty database and bad flags are one-line errors', async () => {
  const { path, filler } = await reportFixture();
  await assert.rejects(
    runCommand(['report', '--run', '9', '--db', path]),
    (e: unknown) => e instanceof StoreError && /no run 9/.test(e.message),
  );
  await assert.rejects(
    runCommand(['report', '--run', 'x', '--db', path]),
    (e: unknown) => e instanceof UsageError && /--run/.test(e.message),
  );
  await assert.rejects(
    runCommand(['report', '--since', '1d']),
    (e: unknown) => e instanceof UsageError && /--since/.test(e.message),
  );
  await assert.rejects(runCommand(['forecast']), UsageError);
  await filler.connection.close();
  const empty = await createDatabase();
  await empty.connection.close();
  await assert.rejects(
    runCommand(['report', '--db', empty.path]),
    (e: unknown) => e instanceof StoreError && /no runs/.test(e.message),
  );
});

const series = (symbol: string, times: number[]): SymbolBars => {
  const column = (offset: number) => Float64Array.from(times, (t, i) => 100 + i + offset);
  return {
    symbol,
    time: Float64Array.from(times),
    open: column(0),
    high: column(1),
    low: column(-1),
    close: column(0.5),
    volume: column(1000),
  };
};

test('the replay market serves the history first, then one more step per advance', async () => {
  const market = new ReplayMarket([series('AAA', [10, 20, 30, 40]), series('BBB', [20, 25, 40])], 2);
  const signal = new AbortController().signal;
  const times = async (symbol: string, after: number, limit?: number) =>
    barsFromColumns(await market.fetchBars({ symbol, timeframe: '15Min', after, signal, limit })).map((b) => b.time);
  assert.deepEqual([...market.steps], [10, 20, 25, 30, 40]);
  assert.equal(market.now(), 20);
  assert.equal(market.remaining, 3);
  assert.deepEqual(await times('AAA', Number.NEGATIVE_INFINITY), [10, 20]);
  assert.deepEqual(await times('BBB', Number.NEGATIVE_INFINITY), [20]);
  market.advance();
  assert.deepEqual(await times('AAA', 20), []);
  assert.deepEqual(await times('BBB', 20), [25]);
  market.advance();
  market.advance();
  assert.equal(market.remaining, 0);
  assert.deepEqual(await times('AAA', 10, 2), [30, 40]);
  market.advance();
  assert.equal(market.now(), 40, 'the clock stops at the last step');
  await assert.rejects(times('ZZZ', 0), /no stored bars for ZZZ/);
});

test('the candidate settings start with the default and are distinct', () => {
  const configs = candidateConfigs(24);
  assert.equal(configs.length, 24);
  assert.deepEqual(configs[0], DEFAULT_DETECTOR_CONFIG);
  const keys = new Set(configs.map((c) => `${c.threshold}/${c.dwell}/${c.window}`));
  assert.equal(keys.size, 24);
  assert.deepEqual(candidateConfigs(24), configs, 'the same every time');
});

async function storeSimulatedBars(filler: DatabaseFiller, symbols: string[], periodDays: number): Promise<void> {
  const market = new SimulatedMarket({ seed: 11, symbols, timeframe: '15Min', periodDays });
  const signal = new AbortController().signal;
  for (const symbol of symbols) {
    const bars = barsFromColumns(
      await market.fetchBars({ symbol, timeframe: '15Min', after: Number.NEGATIVE_INFINITY, signal }),
    );
    await filler.bars('sim', symbol, '15Min', bars, Date.now());
  }
}

test('tune backtests settings on stored bars and saves the best as a profile that loadProfile reads', async () => {
  const { path, connection, filler } = await createDatabase();
  await storeSimulatedBars(filler, ['AAA', 'BBB', 'CCC'], 40);
  await connection.close();
  const { code, stdout } = await captureStdout(() =>
    runCommand(['tune', '--db', path, '--max-sets', '3', '--save', 'quick']),
  );
  assert.equal(code, 0, stdout);
  assert.match(
    stdout,
    /^tuning on 3 symbols \(AAA, BBB, CCC\): sim 15Min bars, 754 steps \(226 as history, 528 backtested\)$/m,
  );
  assert.match(stdout, /^objective: return \/ max\(max drawdown, 1%\)/m);
  assert.match(stdout, /^3 settings tried$/m);
  assert.match(stdout, /^walk-forward: each setting fits the regime model on the history part only/m);
  assert.match(stdout, /^default\s+0\.7\s+1\s+5000\s+[+-]?\d+\.\d\d%\s+\d+\.\d\d%\s+\d+\s+-?\d+\.\d{3}$/m);
  const best = /^best\s+([\d.]+)\s+(\d+)\s+(\d+)\s/m.exec(stdout);
  assert.ok(best, stdout);
  assert.match(stdout, /as profile "quick" in .* \(use it with: trading-tui start --profile quick\)$/m);

  const reopened = await openStore(path, { readonly: true });
  const { config: profile, notice } = await loadProfile(reopened, 'quick');
  assert.equal(notice, null);
  assert.deepEqual([profile.threshold, profile.dwell, profile.window], best.slice(1, 4).map(Number));
  assert.equal(profile.refitEvery, DEFAULT_DETECTOR_CONFIG.refitEvery, 'untuned settings keep their defaults');
  const saved = await reopened.get<{ objective: string; score: number }>(
    'SELECT objective, score FROM profiles WHERE name = ?',
    ['quick'],
  );
  assert.match(saved?.objective ?? '', /Calmar-like.*sim 15Min bars of AAA,BBB,CCC/);
  assert.ok(Number.isFinite(saved?.score));
  await assert.rejects(
    loadProfile(reopened, 'missing'),
    (e: unknown) => e instanceof StoreError && e.message === `no profile missing in ${path} (saved profiles: quick)`,
  );
  await reopened.close();
});

test('tune refuses too few stored bars, unknown symbols and bad flags with one line', async () => {
  const { path, connection, filler } = await createDatabase();
  await assert.rejects(
    runCommand(['tune', '--db', path]),
    (e: unknown) => e instanceof StoreError && /no stored bars/.test(e.message),
  );
  await storeSimulatedBars(filler, ['AAA', 'BBB'], 14);
  await assert.rejects(
    runCommand(['tune', '--db', path]),
    (e: unknown) =>
      e instanceof StoreError &&
      /too few stored bars to tune on: AAA has 260, BBB has 260; need at least 500/.test(e.message),
  );
  await assert.rejects(
    runCommand(['tune', '--db', path, '--symbols', 'AAA,ZZZ']),
    (e: unknown) => e instanceof StoreError && /for ZZZ/.test(e.message),
  );
  await assert.rejects(
    runCommand(['tune', '--db', path, '--max-sets', '0']),
    (e: unknown) => e instanceof UsageError && /--max-sets/.test(e.message),
  );
  await assert.rejects(
    runCommand(['tune', '--db', path, '--save', 'a b']),
    (e: unknown) => e instanceof UsageError && /--save/.test(e.message),
  );
  await assert.rejects(
    loadProfile(connection, 'tuned'),
    (e: unknown) => e instanceof StoreError && /saved profiles: none/.test(e.message),
  );
  await connection.close();
});
