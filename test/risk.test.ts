import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RiskManager } from '../src/core/risk.js';
import { sessionDay } from '../src/core/session-date.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const limits = { maxPositionFraction: 0.1, maxGrossExposure: 1, dailyLossLimit: 0.03 };
/** Tuesday 4 March 2025, 14:30 UTC (9:30 in New York). */
const OPEN = Date.UTC(2025, 2, 4, 14, 30);

test('the daily loss is measured from the previous session close, the first bar and the overnight gap included', () => {
  const risk = new RiskManager(limits, 100_000);
  assert.deepEqual(risk.check(OPEN, 99_000), [], 'day one: 1% below the opening equity');
  assert.deepEqual(risk.check(OPEN + 6 * HOUR, 100_000), [], 'the close of day one');
  // Day two opens 3% below day one's close: the very first bar halts.
  const [halt] = risk.check(OPEN + DAY, 97_000);
  assert.equal(halt?.action, 'halt');
  assert.equal(halt.action === 'halt' && halt.base, 100_000);
  assert.equal(halt.action === 'halt' && halt.loss, 3000);
  assert.match(
    risk.haltReason ?? '',
    /daily loss 3\.00% \(\$3000\.00\) from the previous close's \$100000\.00 reached the 3\.00% limit/,
  );
  assert.deepEqual(risk.check(OPEN + DAY + HOUR, 99_000), [], 'stays halted the same session');
  const [resume] = risk.check(OPEN + 2 * DAY, 99_000);
  assert.equal(resume?.action, 'resume');
  assert.equal(resume.base, 99_000, "the base is the halted day's closing equity");
  assert.equal(risk.haltReason, null);
});

test('2.99% is not the 3% limit; exactly 3% of the base in cents is', () => {
  const risk = new RiskManager(limits, 100_000);
  assert.deepEqual(risk.check(OPEN, 97_001), []);
  assert.equal(risk.check(OPEN + HOUR, 97_000)[0]?.action, 'halt');
});

test('a new portfolio measures its first session from the opening equity', () => {
  const risk = new RiskManager(limits, 100_000);
  assert.equal(risk.check(OPEN, 96_900)[0]?.action, 'halt', 'the first bar of a run counts');
  const broker = new RiskManager(limits, 100_000);
  broker.useOpeningEquity(50_000);
  assert.equal(broker.check(OPEN, 49_000)[0], undefined, "a broker's account at start is the base");
});

test('the trading day is the New York session date, not the UTC date', () => {
  // 20:30 New York on 4 March (EST) is 01:30 UTC on 5 March: still the 4th's session.
  assert.equal(sessionDay(Date.UTC(2025, 2, 5, 1, 30)), sessionDay(Date.UTC(2025, 2, 4, 14, 30)));
  assert.equal(sessionDay(Date.UTC(2025, 2, 5, 5, 30)), sessionDay(Date.UTC(2025, 2, 4, 14, 30)) + 1);
  // Summer (EDT, UTC−4): 23:59 New York on 1 July is 03:59 UTC on the 2nd.
  assert.equal(sessionDay(Date.UTC(2025, 6, 2, 3, 59)), Date.UTC(2025, 6, 1) / DAY);
  assert.equal(sessionDay(Date.UTC(2025, 6, 2, 4, 0)), Date.UTC(2025, 6, 2) / DAY);
  const risk = new RiskManager(limits, 100_000);
  risk.check(Date.UTC(2025, 2, 4, 20, 45), 100_000);
  assert.equal(risk.check(Date.UTC(2025, 2, 5, 0, 30), 96_000)[0]?.action, 'halt', 'after-hours of the 4th: same day');
  assert.equal(risk.check(Date.UTC(2025, 2, 5, 14, 30), 96_000)[0]?.action, 'resume', 'the 5th is a new day');
});

test('the state survives a restart, and an older checkpoint (no lastEquity) still reads', () => {
  const risk = new RiskManager(limits, 100_000);
  risk.check(OPEN, 101_000);
  const copy = new RiskManager(limits);
  copy.restore(JSON.parse(JSON.stringify(risk.state())) as ReturnType<RiskManager['state']>);
  assert.deepEqual(copy.check(OPEN + DAY, 97_970), risk.check(OPEN + DAY, 97_970));
  const old = new RiskManager(limits);
  old.restore({ day: sessionDay(OPEN), dayStartEquity: 100_000, haltReason: null });
  assert.equal(old.check(OPEN + DAY, 95_000).length, 0, 'a new day without the last equity starts from its first bar');
  assert.equal(old.dayBase, 95_000);
});

test('the session date is right at every time, in time order or not (the date kept between calls never goes stale)', () => {
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'America/New_York',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  const newYorkDate = (time: number): number => {
    const [y, m, d] = format.format(time).split('-').map(Number) as [number, number, number];
    return Date.UTC(y, m - 1, d) / DAY;
  };
  // Every 17 minutes across 2024 and 2025 (four clock changes), then back and forth at random.
  for (let time = Date.UTC(2024, 0, 1); time < Date.UTC(2026, 0, 1); time += 17 * 60_000)
    assert.equal(sessionDay(time), newYorkDate(time), new Date(time).toISOString());
  let state = 5;
  for (let i = 0; i < 20_000; i++) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    const time = Date.UTC(2024, 0, 1) + Math.floor((state / 2_147_483_648) * 2 * 365 * DAY);
    assert.equal(sessionDay(time), newYorkDate(time), new Date(time).toISOString());
  }
});
