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

test('renders at most fps times a second under a steady stream of changes', async () => {
  const controls = new FakeControls(makeSnapshot({ iteration: 0 }));
  let renders = 0;
  const app = render(<Probe controls={controls} fps={10} onRender={() => renders++} />);
  await flush();
  const before = renders;
  const started = Date.now();
  let i = 0;
  while (Date.now() - started < 350) {
    controls.publish(makeSnapshot({ iteration: ++i }));
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  // 350 ms at 10 fps: a leading render and at most one per 100 ms after it.
  assert.ok(renders - before <= 5, `${renders - before} renders in 350 ms`);
  assert.ok(renders - before >= 2, 'kept rendering while changes came');
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
