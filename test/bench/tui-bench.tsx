import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { render } from 'ink';
import { App } from '../../components/app.js';
import type { EngineSnapshot } from '../../src/engine/snapshot.js';
import { BIN, freshDataHome } from '../support/bin.js';
import { TmuxPane, hasTmux } from '../support/tmux.js';
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
  /** Bytes written for a frame in which only the iteration number changed. */
  readonly bytesOneValueChanged: number;
  /** Bytes of a frame in which a new equity point moved the whole chart. */
  readonly bytesNewEquityPoint: number;
}

async function nextWrite(stdout: FakeTerminalOutput, before: number): Promise<void> {
  while (stdout.writes.length === before) await new Promise((resolve) => setImmediate(resolve));
}

/** Time from a new snapshot to its frame written, on a 200x60 terminal with a full 1440-point chart. */
export async function benchFrames(frames = 200): Promise<FrameBenchResult> {
  const columns = 200;
  const rows = 60;
  const points = 1440;
  const series = equitySeries(points);
  let snapshot: EngineSnapshot = makeSnapshot({ equity: { ...makeSnapshot().equity, ...series, capacity: points } });
  const controls = new FakeControls(snapshot);
  const stdout = new FakeTerminalOutput(columns, rows);
  const instance = render(<App controls={controls} fps={1000} />, {
    stdout: asWriteStream(stdout),
    stdin: asReadStream(new FakeTerminalInput()),
    patchConsole: false,
    exitOnCtrlC: false,
    maxFps: 1000,
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
  const bytesOneValueChanged = await bytesOfNextFrame({ ...snapshot, iteration: snapshot.iteration + 1 });
  const values = new Float64Array(snapshot.equity.values);
  values.copyWithin(0, 1);
  values[values.length - 1] = (values[values.length - 2] as number) * 1.01;
  const bytesNewEquityPoint = await bytesOfNextFrame({
    ...snapshot,
    iteration: snapshot.iteration + 2,
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

/** CPU time of the real program in a tmux pane at --interval 1s, over `seconds` after a warm-up. */
export async function benchCpu(
  seconds: number,
): Promise<{ seconds: number; cpuPercent: number; rssMb: number } | null> {
  if (!hasTmux) return null;
  const pane = new TmuxPane();
  try {
    pane.start(
      `exec env -u CI TERM=xterm-256color XDG_DATA_HOME=${freshDataHome()} ${process.execPath} ${BIN} --interval 1s`,
      120,
      40,
    );
    await pane.waitFor('the UI', (lines) => lines.join('\n').includes('Equity'));
    const pid = Number(pane.read('pane_pid'));
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const cpuTicks = (): number => {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return Number(fields[11]) + Number(fields[12]); // utime, stime
    };
    const start = cpuTicks();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const used = (cpuTicks() - start) / ticksPerSecond;
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    pane.sendKeys('q');
    return { seconds, cpuPercent: (used / seconds) * 100, rssMb: rssKb / 1024 };
  } finally {
    pane.kill();
  }
}
