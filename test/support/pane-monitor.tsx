/**
 * The monitor's UI run by runTui in a real terminal (a tmux pane) over a fake engine whose snapshot
 * the program changes a few times: `node --import tsx test/support/pane-monitor.tsx <frame file>`.
 * Each whole frame Ink draws is written to the frame file (the newest replaces the one before), so a
 * test can compare what the pane shows with it. Ends on SIGTERM or q, as the monitor does.
 */
import { writeFileSync } from 'node:fs';
import { runTui } from '../../src/cli/run-tui.js';
import type { EngineSnapshot } from '../../src/engine/snapshot.js';
import { FakeControls, makeSnapshot } from './tui-fixtures.js';

const frameFile = process.argv[2];
if (frameFile === undefined) throw new Error('usage: pane-monitor.tsx <frame file>');

/** How many times the program changes a price (the test expects a frame for each), and how far apart. */
const PRICE_CHANGES = 8;
const CHANGE_EVERY_MS = 150;

const price = (snapshot: EngineSnapshot, symbol: string, lastPrice: number): EngineSnapshot => ({
  ...snapshot,
  positions: snapshot.positions.map((p) =>
    p.symbol === symbol ? { ...p, lastPrice, marketValue: p.qty * lastPrice } : p,
  ),
});

let snapshot = makeSnapshot();
const controls = new FakeControls(snapshot);
const ending = runTui(controls, { fps: 1000, onFrame: (frame) => writeFileSync(frameFile, frame) });
await new Promise((resolve) => setTimeout(resolve, 500));
for (let i = 1; i <= PRICE_CHANGES; i++) {
  snapshot = price(snapshot, 'NVDA', 912.75 + i * 1.11);
  controls.publish(snapshot);
  await new Promise((resolve) => setTimeout(resolve, CHANGE_EVERY_MS));
}
writeFileSync(`${frameFile}.done`, '');
await ending;
