/**
 * The output stage in a real terminal: tmux's own screen (`capture-pane -e`, colours included) is the
 * frame Ink drew, cell for cell, before and after a resize, and a new price costs the pane a few dozen
 * bytes (recorded with `pipe-pane`).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { TmuxPane, hasTmux } from './support/tmux.js';
import { StyledScreen } from './support/styled-screen.js';
import { waitUntil } from './support/wait-until.js';

const PANE_MONITOR = fileURLToPath(new URL('./support/pane-monitor.tsx', import.meta.url));
const BEGIN = '\x1b[?2026h';
const END = '\x1b[?2026l';

/** Waits until the pane shows the newest frame Ink drew (a frame may land between the two reads). */
async function assertPaneShowsFrame(pane: TmuxPane, frameFile: string, columns: number, rows: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const shown = StyledScreen.painted(pane.captureStyled(), columns, rows).cells();
    const drawn = StyledScreen.painted(readFileSync(frameFile, 'utf8'), columns, rows).cells();
    try {
      assert.deepEqual(shown, drawn);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test(
  'in tmux the pane shows the frame Ink drew, cell for cell with its colours, also after a resize; a new price is a few dozen bytes',
  { skip: hasTmux ? false : 'tmux is not installed', timeout: 90_000 },
  async () => {
    const pane = new TmuxPane();
    const folder = mkdtempSync(join(tmpdir(), 'trading-tui-stage-'));
    const frameFile = join(folder, 'frame');
    const bytesFile = join(folder, 'pane.bytes');
    const goFile = join(folder, 'go');
    try {
      const program = `env -u CI TERM=xterm-256color NODE_ENV=production ${process.execPath} --import tsx ${PANE_MONITOR} ${frameFile}`;
      pane.start(`sh -c 'while [ ! -e ${goFile} ]; do sleep 0.01; done; exec ${program}'`, 120, 40);
      pane.pipeTo(bytesFile);
      writeFileSync(goFile, '');
      await waitUntil(() => existsSync(`${frameFile}.done`), 30_000, 50);
      await assertPaneShowsFrame(pane, frameFile, 120, 40);

      const frames = readFileSync(bytesFile, 'utf8')
        .split(BEGIN)
        .slice(1)
        .map((chunk) => chunk.slice(0, chunk.indexOf(END)));
      const first = Buffer.byteLength(frames[0] ?? '');
      const inkFrame = Buffer.byteLength(readFileSync(frameFile, 'utf8'));
      assert.ok(
        first <= inkFrame + 64,
        `the first frame is drawn whole once: ${first} bytes (Ink's frame ${inkFrame})`,
      );
      const priceFrames = frames.slice(1).map((f) => Buffer.byteLength(f) + BEGIN.length + END.length);
      assert.ok(priceFrames.length >= 8, `a frame per new price (${priceFrames.length})`);
      assert.ok(Math.max(...priceFrames) <= 64, `bytes of the frames with a new price: ${priceFrames.join(', ')}`);

      pane.resize(100, 30);
      await assertPaneShowsFrame(pane, frameFile, 100, 30);

      pane.sendKeys('q');
      await pane.waitFor('the program to end', () => pane.read('pane_dead') === '1', 10_000);
      assert.equal(pane.read('alternate_on'), '0', 'the alternate screen is off again');
    } finally {
      pane.kill();
      rmSync(folder, { recursive: true, force: true });
    }
  },
);
