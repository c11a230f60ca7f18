/** The dashboard keys in a real terminal (tmux, the built bin): x + y, b, /, Enter and Esc. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BIN, freshDataHome } from './support/bin.js';
import { TmuxPane, hasTmux } from './support/tmux.js';

const screen = (lines: readonly string[]): string => lines.join('\n');
const status = (lines: readonly string[]): string => lines.at(-1) ?? '';
const openPositions = (lines: readonly string[]): number => Number(/(\d+) open/.exec(screen(lines))?.[1] ?? -1);

test(
  'x asks and y sells everything (BUYS OFF), b restarts buys, / filters Events, Enter opens a row and Esc goes back',
  { skip: hasTmux ? false : 'tmux is not installed', timeout: 120_000 },
  async () => {
    const pane = new TmuxPane();
    try {
      pane.start(
        `env -u CI -u APCA_API_KEY_ID -u APCA_API_SECRET_KEY TERM=xterm-256color XDG_DATA_HOME=${freshDataHome()} ${process.execPath} ${BIN} --interval 200ms --seed 2 --symbols AAPL,MSFT,SPY,QQQ,NVDA,AMZN`,
        120,
        40,
      );
      await pane.waitFor('positions held', (lines) => openPositions(lines) > 0, 60_000);

      pane.sendKeys('x');
      const asked = await pane.waitFor('the question', (lines) => status(lines).startsWith('Sell all '));
      assert.match(status(asked), /Sell all \d+ positions? at market and stop new buys: \d+ [A-Z]+/);
      pane.sendKeys('n');
      await pane.waitFor('the status bar again', (lines) => /^SIM /.test(status(lines)));

      pane.sendKeys('x');
      await pane.waitFor('the question', (lines) => status(lines).startsWith('Sell all '));
      pane.sendKeys('y');
      await pane.waitFor('BUYS OFF', (lines) => status(lines).includes('BUYS OFF'));
      await pane.waitFor('every position sold', (lines) => openPositions(lines) === 0, 30_000);
      // Paused, so that new events do not push the ones looked for below the screen.
      pane.sendKeys('p');
      await pane.waitFor('PAUSED', (lines) => status(lines).includes('PAUSED'));
      assert.ok(status(pane.capture()).includes('p resume'), 'the hint says what p does now');

      pane.sendKeys('b');
      await pane.waitFor('buys on again', (lines) => !status(lines).includes('BUYS OFF'));

      pane.sendKeys('/');
      for (const ch of 'close all') pane.sendKeys('-l', ch);
      pane.sendKeys('Enter');
      const filtered = await pane.waitFor('the filter in the Events title', (lines) =>
        /Events {2}\/close all 1 of \d+/.test(screen(lines)),
      );
      assert.ok(!/ fill {5}/.test(screen(filtered)), 'fills are filtered out');

      pane.sendKeys('Enter');
      const opened = await pane.waitFor('the event opened whole', (lines) =>
        /Event #\d+ {2}Esc back/.test(screen(lines)),
      );
      assert.match(screen(opened), /close all by the user: selling \d+ [A-Z]+/, 'its whole text');
      assert.ok(!screen(opened).includes('─ Positions'), 'over the panels');
      pane.sendKeys('Escape');
      await pane.waitFor('the panels again', (lines) => screen(lines).includes('─ Positions'));

      pane.sendKeys('Escape');
      await pane.waitFor('the filter cleared', (lines) => !screen(lines).includes('/close all'));
      pane.sendKeys('/');
      for (const ch of 'restarted') pane.sendKeys('-l', ch);
      pane.sendKeys('Enter');
      await pane.waitFor('the b event', (lines) => screen(lines).includes('new buys restarted by the us'));

      pane.sendKeys('q');
      await pane.waitFor('the process to end', () => pane.read('pane_dead') === '1', 15_000);
    } finally {
      pane.kill();
    }
  },
);
