import './support/not-in-ci.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReactNode } from 'react';
import { Text } from 'ink';
import { render } from 'ink-testing-library';
import type { EngineControls } from '../src/engine/controls.js';
import { useEngineSnapshot } from '../components/use-engine-snapshot.js';
import { FakeControls, flush, makeSnapshot } from './support/tui-fixtures.js';
import { waitUntil as waitFor } from './support/wait-until.js';

function Probe({
  controls,
  fps,
  onRender,
}: {
  controls: EngineControls;
  fps: number;
  onRender: () => void;
}): ReactNode {
  const snapshot = useEngineSnapshot(controls, fps);
  onRender();
  return <Text>iteration {snapshot.iteration}</Text>;
}

test('a burst of engine changes costs one render', async () => {
  const controls = new FakeControls(makeSnapshot({ iteration: 0 }));
  let renders = 0;
  const app = render(<Probe controls={controls} fps={20} onRender={() => renders++} />);
  await flush();
  const before = renders;
  for (let i = 1; i <= 100; i++) controls.publish(makeSnapshot({ iteration: i }));
  await waitFor(() => app.lastFrame() === 'iteration 100');
  assert.ok(renders - before <= 1, `${renders - before} renders for 100 changes`);
  app.unmount();
});

test('renders at most fps times a second under a steady stream of changes', async (t) => {
  // The hook's clock and timers are mocked: the 350 ms of changes pass the same however busy the
  // machine is, and what is counted (reads of the snapshot, each a render) is exact.
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
  const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  const controls = new FakeControls(makeSnapshot({ iteration: 0 }));
  const reads: number[] = [];
  const getSnapshot = controls.getSnapshot.bind(controls);
  controls.getSnapshot = () => {
    reads.push(Date.now());
    return getSnapshot();
  };
  let renders = 0;
  const app = render(<Probe controls={controls} fps={10} onRender={() => renders++} />);
  // Mounted, subscribed, and the mount's read drawn.
  for (let step = 0; step < 1000 && (controls.listenerCount === 0 || app.lastFrame() !== 'iteration 0'); step++)
    await settle();
  for (let step = 0; step < 10; step++) await settle();
  assert.equal(controls.listenerCount, 1);
  const started = Date.now();
  const firstRead = reads.length;
  const rendersBefore = renders;
  let i = 0;
  // A change every 2 ms for 350 ms.
  while (Date.now() - started < 350) {
    controls.publish(makeSnapshot({ iteration: ++i }));
    t.mock.timers.tick(2);
    await settle();
  }
  const during = reads.slice(firstRead);
  // At 10 fps: reads at least 100 ms apart, the first 100 ms after the mount's; and while changes
  // keep coming, one every 100 ms, no later.
  const gaps = during.map((at, k) => at - (k === 0 ? (reads[firstRead - 1] as number) : (during[k - 1] as number)));
  assert.deepEqual(gaps, [100, 100, 100], `reads at ${during.map((at) => at - started).join(', ')} ms`);
  // Each read is at most one render, and the last one is drawn (React's scheduler runs on
  // setImmediate, not on the mocked timers).
  const lastShown = `iteration ${((during.at(-1) as number) - started) / 2}`;
  for (let step = 0; step < 1000 && app.lastFrame() !== lastShown; step++) await settle();
  assert.equal(app.lastFrame(), lastShown);
  assert.ok(renders - rendersBefore <= during.length, `${renders - rendersBefore} renders for ${during.length} reads`);
  assert.ok(renders - rendersBefore >= 2, 'kept rendering while changes came');
  app.unmount();
});

test('unmounting unsubscribes and cancels the pending timer', async () => {
  const controls = new FakeControls(makeSnapshot({ iteration: 0 }));
  let renders = 0;
  const app = render(<Probe controls={controls} fps={20} onRender={() => renders++} />);
  await flush();
  assert.equal(controls.listenerCount, 1);
  controls.publish(makeSnapshot({ iteration: 1 }));
  await waitFor(() => app.lastFrame() === 'iteration 1');
  // The next change waits ~50 ms for its turn; unmount before it comes.
  controls.publish(makeSnapshot({ iteration: 2 }));
  const reads = controls.snapshotReads;
  app.unmount();
  assert.equal(controls.listenerCount, 0);
  await new Promise((resolve) => setTimeout(resolve, 120));
  assert.equal(controls.snapshotReads, reads, 'no read after unmount');
});
