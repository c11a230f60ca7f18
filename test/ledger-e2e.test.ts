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

function assertClean(figures: AuditFigures, iterations = ITERATIONS): void {
  const report = JSON.stringify(figures);
  assert.equal(figures.iterations, iterations, report);
  assert.ok(figures.fills > iterations / 2 && figures.orders >= figures.fills, `it traded: ${report}`);
  assert.ok(figures.closesChecked > iterations, `the iteration lines carry the closes: ${report}`);
  assert.equal(figures.equityPoints, iterations, report);
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

test('a run stopped at a session close and resumed keeps every rule, the daily base taken from the checkpoint', async () => {
  const db = join(folder, 'resumed.db');
  const args = ['--headless', '--json', '--interval', '0', '--seed', '4', '--db', db, ...TIGHT];
  let stdout = '';
  // Iteration 312 is a session's last bar: the resumed run's first bar measures its loss from it.
  for (const iterations of ['312', '288']) {
    const run = await runBin([...args, '--iterations', iterations], {}, 120_000);
    assert.equal(run.code, 0, run.stderr);
    stdout += run.stdout;
  }
  assertClean(await auditRun(stdout, db, TIGHT_LIMITS), 600);
});
