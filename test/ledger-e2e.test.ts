import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runBin } from './support/bin.js';
import { auditRun, type AuditFigures, type AuditLimits } from './support/ledger-audit.js';

const folder = mkdtempSync(join(tmpdir(), 'ledger-e2e-'));
process.on('exit', () => rmSync(folder, { recursive: true, force: true }));

const ITERATIONS = 2000;

/** Runs the built bin seeded and audits its NDJSON and database with the independent ledger. */
async function audit(seed: number, flags: string[], limits: AuditLimits): Promise<AuditFigures> {
  const db = join(folder, `seed-${seed}-${flags.length}.db`);
  const result = await runBin(
    [
      '--headless',
      '--json',
      '--interval',
      '0',
      '--seed',
      String(seed),
      '--iterations',
      String(ITERATIONS),
      '--db',
      db,
      ...flags,
    ],
    {},
    180_000,
  );
  assert.equal(result.code, 0, result.stderr);
  return auditRun(result.stdout, db, limits);
}

function assertClean(figures: AuditFigures): void {
  const report = JSON.stringify(figures);
  assert.equal(figures.iterations, ITERATIONS, report);
  assert.ok(figures.fills > 1000 && figures.orders >= figures.fills, `it traded: ${report}`);
  assert.ok(figures.closesChecked > ITERATIONS, `the iteration lines carry the closes: ${report}`);
  assert.equal(figures.equityPoints, ITERATIONS, report);
  for (const key of [
    'misMarked',
    'cashMismatches',
    'closeMismatches',
    'wrongFillPrices',
    'exposureOverCap',
    'positionOverCapAfterOrders',
    'fillsOverPositionCap',
    'fillsOverReservation',
    'reservationsOverCash',
    'missedHalts',
    'wrongHalts',
    'haltsNotFlat',
    'missedResumes',
    'equityPointMismatches',
  ] as const)
    assert.equal(figures[key], 0, `${key}: ${report}`);
}

const TIGHT = ['--max-exposure', '50%', '--max-position', '5%', '--daily-loss-limit', '0.5%'];
const TIGHT_LIMITS: AuditLimits = { maxPosition: 0.05, maxExposure: 0.5, dailyLossLimit: 0.005 };

test('an independent ledger rebuilt from the NDJSON and the database agrees with every line, under tight limits', async () => {
  const runs = await Promise.all([audit(1, TIGHT, TIGHT_LIMITS), audit(2, TIGHT, TIGHT_LIMITS)]);
  for (const figures of runs) assertClean(figures);
  assert.ok(
    runs.some((f) => f.halts > 0),
    'the daily loss limit was reached',
  );
});

test('the same audit with the default limits (regime caps up to 100%, 10% positions, 3% daily loss)', async () => {
  assertClean(await audit(3, [], { maxPosition: 0.1, maxExposure: 1, dailyLossLimit: 0.03 }));
});

test('a run stopped halfway and resumed gives the same orders, fills, halts and equity as one uninterrupted', async () => {
  const args = ['--headless', '--json', '--interval', '0', '--seed', '4', ...TIGHT];
  // The regime's confidence is left out: the detector's smoothing restarts from the backfill on a resume.
  const trading = (stdout: string): string[] =>
    stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((l) => ['iteration', 'fill', 'order', 'risk'].includes(l.type as string))
      .map((l) => JSON.stringify({ ...l, confidence: 0, heapUsed: 0, rss: 0 }));
  const whole = await runBin([...args, '--iterations', '600', '--db', join(folder, 'whole.db')], {}, 120_000);
  const halves: string[] = [];
  for (let half = 0; half < 2; half++) {
    const run = await runBin([...args, '--iterations', '300', '--db', join(folder, 'halves.db')], {}, 120_000);
    assert.equal(run.code, 0, run.stderr);
    halves.push(...trading(run.stdout));
  }
  const expected = trading(whole.stdout);
  assert.ok(
    expected.some((l) => l.includes('"type":"risk"')),
    'the run has daily-loss halts',
  );
  assert.deepEqual(halves, expected);
});
