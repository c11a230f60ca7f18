import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN, freshDataHome, runBin } from './support/bin.js';
import { TmuxPane, hasTmux } from './support/tmux.js';
import { waitUntil } from './support/wait-until.js';
import { openStore } from '../src/store/open-store.js';
import { stripAnsi } from './support/tui-fixtures.js';

const TITLES = ['Equity', 'Regime', 'Downloads', 'Positions', 'Events'];
const widest = (lines: string[]): number => Math.max(...lines.map((l) => [...l].length));

test(
  'the TUI in a real terminal: panels, resize, pause, quit',
  { skip: hasTmux ? false : 'tmux is not installed', timeout: 90_000 },
  async () => {
    const pane = new TmuxPane();
    const folder = mkdtempSync(join(tmpdir(), 'trading-tui-tmux-'));
    const statusFile = join(folder, 'status');
    try {
      // CI is unset inside the pane: with it set the program would (rightly) run headless.
      pane.start(
        `env -u CI -u APCA_API_KEY_ID -u APCA_API_SECRET_KEY TERM=xterm-256color XDG_DATA_HOME=${freshDataHome()} ${process.execPath} ${BIN} --interval 100ms --seed 4; echo $? > ${statusFile}`,
        120,
        40,
      );
      const full = await pane.waitFor('every panel and a drawn chart', (lines) => {
        const screen = lines.join('\n');
        return TITLES.every((t) => screen.includes(t)) && /[┼┤]/.test(screen) && /#\d+/.test(screen);
      });
      assert.ok(widest(full) <= 120);
      assert.equal(pane.read('alternate_on'), '1', 'the UI runs on the alternate screen');

      pane.resize(60, 20);
      // The redrawn screen, not the old one cropped by tmux (it holds Regime too, before the redraw comes).
      const small = await pane.waitFor(
        'the 60x20 layout',
        (lines) =>
          lines.length <= 20 &&
          widest(lines) <= 60 &&
          ['Equity', 'Regime', 'Downloads', 'SIM'].every((essential) => lines.join('\n').includes(essential)),
      );
      const smallScreen = small.join('\n');
      assert.ok(widest(small) <= 60, `no line wider than 60:\n${smallScreen}`);
      for (const essential of ['Equity', 'Regime', 'Downloads', 'SIM'])
        assert.ok(smallScreen.includes(essential), `${essential} remains at 60x20:\n${smallScreen}`);

      pane.sendKeys('p');
      await pane.waitFor('PAUSED', (lines) => lines.join('\n').includes('PAUSED'), 5_000);

      const quitAt = Date.now();
      pane.sendKeys('q');
      await pane.waitFor('the process to end', () => pane.read('pane_dead') === '1', 5_000);
      assert.ok(Date.now() - quitAt < 5_000);
      assert.equal(readFileSync(statusFile, 'utf8').trim(), '0', 'exit code 0');
      assert.equal(pane.read('alternate_on'), '0', 'the alternate screen is off again');
    } finally {
      pane.kill();
      rmSync(folder, { recursive: true, force: true });
    }
  },
);

test(
  'SIGHUP (a dropped SSH session) restores the terminal too',
  { skip: hasTmux ? false : 'tmux is not installed', timeout: 60_000 },
  async () => {
    const pane = new TmuxPane();
    try {
      pane.start(
        `exec env -u CI -u APCA_API_KEY_ID -u APCA_API_SECRET_KEY TERM=xterm-256color XDG_DATA_HOME=${freshDataHome()} ${process.execPath} ${BIN} --interval 100ms`,
        100,
        30,
      );
      await pane.waitFor('the UI', (lines) => lines.join('\n').includes('Equity'));
      const pid = pane.read('pane_pid');
      process.kill(Number(pid), 'SIGHUP');
      await pane.waitFor('the process to end', () => pane.read('pane_dead') === '1', 5_000);
      assert.equal(pane.read('alternate_on'), '0');
    } finally {
      pane.kill();
    }
  },
);

test(
  'closing the pane (tmux kill-pane) ends the run cleanly: exit 129, the run closed in the database, nothing on stderr',
  { skip: hasTmux ? false : 'tmux is not installed', timeout: 90_000 },
  async () => {
    const pane = new TmuxPane();
    const folder = mkdtempSync(join(tmpdir(), 'trading-tui-hangup-'));
    const database = join(folder, 'run.db');
    const statusFile = join(folder, 'status');
    const stderrFile = join(folder, 'stderr');
    try {
      // The shell around the program ignores the hang-up so that it lives to write down the exit code;
      // Node resets signal dispositions at start, so the program itself gets SIGHUP as usual.
      const program = `env -u CI -u APCA_API_KEY_ID -u APCA_API_SECRET_KEY TERM=xterm-256color XDG_DATA_HOME=${freshDataHome()} ${process.execPath} ${BIN} --interval 1s --db ${database}`;
      pane.start(`sh -c 'trap "" HUP; ${program} 2>${stderrFile}; echo $? > ${statusFile}'`, 120, 40);
      await pane.waitFor('a drawn chart', (lines) => /[┼┤]/.test(lines.join('\n')));
      pane.killPane();
      await waitUntil(() => existsSync(statusFile) && readFileSync(statusFile, 'utf8').trim() !== '', 20_000, 50);
      assert.equal(readFileSync(statusFile, 'utf8').trim(), '129', 'exit code of a hang-up');
      // Ink's cursor library shows the cursor on stderr at exit; beyond that, nothing (no stack, no assertion).
      assert.equal(stripAnsi(readFileSync(stderrFile, 'utf8')).trim(), '');
      const connection = await openStore(database, { readonly: true });
      try {
        const runs = await connection.all<{ ended_at: number | null }>('SELECT ended_at FROM runs');
        assert.equal(runs.length, 1);
        assert.notEqual(runs[0]?.ended_at, null, 'the run is closed');
      } finally {
        await connection.close();
      }
    } finally {
      pane.kill();
      rmSync(folder, { recursive: true, force: true });
    }
  },
);

test(
  'a restart shows the saved state in its very first frame, marked catching up, not a reset',
  { skip: hasTmux ? false : 'tmux is not installed', timeout: 90_000 },
  async () => {
    const folder = mkdtempSync(join(tmpdir(), 'trading-tui-restart-'));
    const database = join(folder, 'run.db');
    const bytesFile = join(folder, 'pane.bytes');
    const goFile = join(folder, 'go');
    const pane = new TmuxPane();
    try {
      // Seed 2 trades within 40 bars (the check below needs a portfolio that moved).
      const first = await runBin([
        '--headless',
        '--interval',
        '0',
        '--iterations',
        '40',
        '--seed',
        '2',
        '--db',
        database,
      ]);
      assert.equal(first.code, 0, first.stderr);
      // The program starts once the pane's bytes are being recorded, so its first frame is in them.
      const program = `env -u CI -u APCA_API_KEY_ID -u APCA_API_SECRET_KEY TERM=xterm-256color XDG_DATA_HOME=${freshDataHome()} ${process.execPath} ${BIN} --interval 1s --seed 2 --db ${database}`;
      pane.start(`sh -c 'while [ ! -e ${goFile} ]; do sleep 0.01; done; exec ${program}'`, 120, 40);
      pane.pipeTo(bytesFile);
      writeFileSync(goFile, '');
      // Ink wraps each frame in synchronized output: the first frame ends at the first end mark.
      const FRAME_END = '\x1b[?2026l';
      await waitUntil(() => existsSync(bytesFile) && readFileSync(bytesFile, 'utf8').includes(FRAME_END), 20_000, 20);
      const recorded = readFileSync(bytesFile, 'utf8');
      const frame = stripAnsi(recorded.slice(0, recorded.indexOf(FRAME_END)));
      assert.match(frame, /it 40 /, 'the saved iteration');
      assert.ok(frame.includes('catching up'), 'marked catching up');
      assert.ok(!frame.includes('waiting for equity points'), 'the saved chart');
      assert.ok(!frame.includes('100,000.00  0.00%'), 'not a fresh portfolio');
      assert.ok(!/rss 0MB/.test(frame), 'memory measured');
      await pane.waitFor('the backfill to end', (lines) => !lines.join('\n').includes('catching up'), 30_000);
    } finally {
      pane.kill();
      rmSync(folder, { recursive: true, force: true });
    }
  },
);
