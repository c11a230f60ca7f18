import './support/not-in-ci.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import stringWidth from 'string-width';
import { RegimePanel } from '../components/regime-panel.js';
import type { RegimeView } from '../src/engine/snapshot.js';
import { FIXTURE_TIME, flush, frameLines, makeSnapshot } from './support/tui-fixtures.js';
import { formatMarketMinutes } from '../src/core/format.js';

function panelText(regime: RegimeView, width: number, barMinutes: number | undefined): string[] {
  const app = render(<RegimePanel regime={regime} barMinutes={barMinutes} width={width} height={7} focused={false} />);
  const lines = frameLines(app.lastFrame());
  app.unmount();
  return lines;
}

const detected: RegimeView = {
  ...makeSnapshot().regime,
  posterior: [0.87, 0.01, 0.1, 0.02],
  learning: false,
  expectedRemainingBars: 160.4,
  truth: { current: 'trend-up', right: 2064, bars: 2400 },
};

test('the regime panel shows the four posteriors as bars, the expected time left and the score against the truth', async () => {
  await flush();
  const lines = panelText(detected, 60, 1);
  const text = lines.join('\n');
  assert.match(text, /TREND-UP\s+87%\s+for 85 bars · 1h25m\s+~2h40m left/);
  assert.match(text, /U █+[▏▎▍▌▋▊▉]?\s+87%\s+D\s+1%\s+R █?[▏▎▍▌▋▊▉]?\s+10%\s+V [▏▎▍▌▋▊▉]?\s+2%/, text);
  assert.match(text, /truth: trend-up · 86% right over 2,400 bars/);
  assert.ok(text.includes('recent'), 'the history strip');
  for (const line of lines) assert.ok(stringWidth(line) <= 60, line);
  // Longer bars for larger probabilities.
  const barLine = lines.find((l) => l.includes('U █')) ?? '';
  const blocks = (letter: string): number => /[█▏▎▍▌▋▊▉]+/.exec(barLine.split(`${letter} `)[1] ?? '')?.[0].length ?? 0;
  assert.ok(blocks('U') > blocks('R'), barLine);
});

test('while learning the panel says so; without posteriors (an older run in watch) it shows the legend', async () => {
  const learning = panelText(
    { ...detected, learning: true, truth: { current: 'range', right: 0, bars: 0 } },
    60,
    1,
  ).join('\n');
  assert.match(learning, /LEARNING/);
  assert.match(learning, /truth: range · not scored yet/);
  const { posterior: _p, learning: _l, expectedRemainingBars: _e, truth: _t, ...older } = detected;
  const watch = panelText(older, 70, undefined).join('\n');
  assert.match(watch, /U=trend-up/);
  assert.match(watch, /TREND-UP\s+87%/);
  assert.ok(!watch.includes('bars left'));
});

test('durations count bars and show the market time they span: a regime begun before a night is not 21 hours old', async () => {
  await flush();
  // 16 bars of 15 minutes, the first at 17:00 yesterday, the newest at 14:15 today: 21h15m of clock time.
  const overnight: RegimeView = {
    ...detected,
    since: FIXTURE_TIME - (21 * 60 + 15) * 60_000,
    bars: 16,
    expectedRemainingBars: 12.2,
  };
  const text = panelText(overnight, 70, 15).join('\n');
  assert.match(text, /for 16 bars · 4h\s+~3h left/, text);
  assert.ok(!/21h/.test(text), text);
  // Daily bars: one session each; the bar length unknown (an older run in watch): the count alone.
  assert.match(panelText({ ...overnight, bars: 16 }, 70, 390).join('\n'), /for 16 bars · 16d/);
  const unknown = panelText(overnight, 70, undefined).join('\n');
  assert.match(unknown, /for 16 bars\s+~12 bars left/, unknown);
  assert.match(panelText({ ...overnight, bars: 1 }, 70, 15).join('\n'), /since this bar/);
  // Short of room the time in the regime goes without its count of bars rather than lose the time left.
  const long: RegimeView = { ...overnight, bars: 240, expectedRemainingBars: 64 };
  assert.match(panelText(long, 60, 15)[1] ?? '', /TREND-UP\s+87%\s+for 240 bars · 9\.2d\s+~2\.5d left/);
  assert.match(panelText(long, 48, 15)[1] ?? '', /TREND-UP\s+87%\s+for 9\.2d\s+~2\.5d left/);
  assert.match(panelText(long, 38, 15)[1] ?? '', /TREND-UP\s+87%\s+for 240 bars · 9\.2d │/);
});

test('market time reads in minutes, hours, then trading days of one 6.5-hour session', () => {
  assert.deepEqual([45, 60, 255, 389, 390, 975, 3900, 6240].map(formatMarketMinutes), [
    '45m',
    '1h',
    '4h15m',
    '6h29m',
    '1d',
    '2.5d',
    '10d',
    '16d',
  ]);
});
