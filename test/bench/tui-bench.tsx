import { render } from 'ink';
import { App } from '../../components/app.js';
import type { EngineSnapshot } from '../../src/engine/snapshot.js';
import { terminalRenderOptions } from '../../src/cli/run-tui.js';
import { FrameSink } from '../../src/terminal/frame-sink.js';
import {
  FakeControls,
  FakeTerminalInput,
  FakeTerminalOutput,
  asReadStream,
  asWriteStream,
  equitySeries,
  makeSnapshot,
} from '../support/tui-fixtures.js';

export interface FrameBenchResult {
  readonly columns: number;
  readonly rows: number;
  readonly points: number;
  readonly frames: number;
  readonly medianMs: number;
  readonly meanMs: number;
  /** Bytes written for a frame in which only one number (the trade count) changed. */
  readonly bytesOneValueChanged: number;
  /** Bytes of a frame with a new equity point (and the next iteration), a full chart sliding by one. */
  readonly bytesNewEquityPoint: number;
}

async function nextWrite(stdout: FakeTerminalOutput, before: number): Promise<void> {
  while (stdout.writes.length === before) await new Promise((resolve) => setImmediate(resolve));
}

/** Time from a new snapshot to its frame written, on a 200x60 terminal with a full 1440-point chart (Ink 8 through the FrameSink). */
export async function benchFrames(frames = 200): Promise<FrameBenchResult> {
  const columns = 200;
  const rows = 60;
  const points = 1440;
  const series = equitySeries(points);
  let snapshot: EngineSnapshot = makeSnapshot({ equity: { ...makeSnapshot().equity, ...series, capacity: points } });
  const controls = new FakeControls(snapshot);
  const stdout = new FakeTerminalOutput(columns, rows);
  const instance = render(<App controls={controls} fps={1000} />, {
    // As the monitor draws: whole frames from Ink, the changed cells to the terminal.
    stdout: new FrameSink(asWriteStream(stdout)),
    stdin: asReadStream(new FakeTerminalInput()),
    ...terminalRenderOptions(),
  });
  await nextWrite(stdout, 0);
  await new Promise((resolve) => setTimeout(resolve, 50));

  const bytesOfNextFrame = async (next: EngineSnapshot): Promise<number> => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    const before = stdout.writes.length;
    controls.publish(next);
    await nextWrite(stdout, before);
    await new Promise((resolve) => setTimeout(resolve, 5));
    return stdout.writes.slice(before).reduce((sum, chunk) => sum + Buffer.byteLength(chunk), 0);
  };

  const timings: number[] = [];
  for (let i = 0; i < frames; i++) {
    // A new point: the ring's copy is a new array, so the chart is downsampled and drawn again.
    const values = new Float64Array(snapshot.equity.values);
    values.copyWithin(0, 1);
    values[values.length - 1] = (values[values.length - 2] as number) * (1 + 0.001 * Math.sin(i));
    snapshot = { ...snapshot, iteration: snapshot.iteration + 1, equity: { ...snapshot.equity, values } };
    const before = stdout.writes.length;
    const started = performance.now();
    controls.publish(snapshot);
    await nextWrite(stdout, before);
    timings.push(performance.now() - started);
  }
  // The trade count (in the positions' summary): one value, the chart untouched.
  const bytesOneValueChanged = await bytesOfNextFrame({ ...snapshot, trades: snapshot.trades + 1 });
  const values = new Float64Array(snapshot.equity.values);
  values.copyWithin(0, 1);
  values[values.length - 1] = (values[values.length - 2] as number) * 1.01;
  const bytesNewEquityPoint = await bytesOfNextFrame({
    ...snapshot,
    iteration: snapshot.iteration + 1,
    equity: { ...snapshot.equity, values },
  });
  instance.unmount();
  timings.sort((a, b) => a - b);
  return {
    columns,
    rows,
    points,
    frames,
    medianMs: timings[Math.floor(timings.length / 2)] as number,
    meanMs: timings.reduce((s, t) => s + t, 0) / timings.length,
    bytesOneValueChanged,
    bytesNewEquityPoint,
  };
}
