import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RiskManager } from '../src/core/risk.js';

const DAY = 86_400_000;

test('the daily loss limit halts trading for the rest of the day and resumes on the next', () => {
  const risk = new RiskManager({ maxPositionFraction: 0.1, maxGrossExposure: 1, dailyLossLimit: 0.03 });
  const morning = 20_000 * DAY + 14 * 3_600_000;
  assert.equal(risk.check(morning, 100_000), null);
  assert.equal(risk.check(morning + 900_000, 97_100), null, '2.9% down: still trading');
  const halt = risk.check(morning + 1_800_000, 96_999);
  assert.equal(halt?.action, 'halt');
  assert.match(risk.haltReason ?? '', /daily loss 3\.00% reached the 3\.00% limit/);
  assert.equal(risk.weightPerPosition(5, 1), 0, 'nothing may be held while halted');
  assert.equal(risk.check(morning + 2_700_000, 99_000), null, 'stays halted the same day');
  const resume = risk.check(morning + DAY, 99_000);
  assert.equal(resume?.action, 'resume');
  assert.equal(risk.haltReason, null);
});

test('position size and gross exposure caps', () => {
  const risk = new RiskManager({ maxPositionFraction: 0.1, maxGrossExposure: 0.5, dailyLossLimit: 0.03 });
  assert.equal(risk.weightPerPosition(2, 1), 0.1, 'a position is capped at 10%');
  assert.equal(risk.weightPerPosition(10, 1), 0.05, 'gross exposure 50% over 10 positions');
  assert.equal(risk.weightPerPosition(10, 0.2), 0.02, 'the regime cap applies when lower');
  assert.equal(risk.weightPerPosition(0, 1), 0);
});
