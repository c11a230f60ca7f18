import './support/not-in-ci.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import stringWidth from 'string-width';
import { RegimePanel } from '../components/regime-panel.js';
import type { RegimeView } from '../src/engine/snapshot.js';
import { FIXTURE_TIME, flush, frameLines, makeSnapshot } from './support/tui-fixtures.js';

function panelText(regime: RegimeView, width: number): string[] {
  const app = render(
    <RegimePanel regime={regime} marketTime={FIXTURE_TIME} width={width} height={7} focused={false} />,
  );
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
  const lines = panelText(detected, 60);
  const text = lines.join('\n');
  assert.match(text, /TREND-UP\s+87%\s+~160 bars left/);
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
  const learning = panelText({ ...detected, learning: true, truth: { current: 'range', right: 0, bars: 0 } }, 60).join(
    '\n',
  );
  assert.match(learning, /LEARNING/);
  assert.match(learning, /truth: range · not scored yet/);
  const { posterior: _p, learning: _l, expectedRemainingBars: _e, truth: _t, ...older } = detected;
  const watch = panelText(older, 70).join('\n');
  assert.match(watch, /U=trend-up/);
  assert.match(watch, /TREND-UP\s+87%/);
  assert.ok(!watch.includes('bars left'));
});
