/**
 * The monitor in a real terminal (tmux): bytes written to the pane (`tmux pipe-pane`), CPU and RSS
 * from /proc, beside a bare Ink 8 app at the same size as the floor; and the time to the first frame.
 * Per-second rates are reported as medians: the machine may be shared.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, freshDataHome, runBin } from '../support/bin.js';
import { TmuxPane, hasTmux } from '../support/tmux.js';

const BARE_APP = fileURLToPath(new URL('./bare-ink-app.ts', import.meta.url));
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

export interface PaneFigures {
  readonly columns: number;
  readonly rows: number;
  /** Median of per-second samples over the measured window. */
  readonly bytesPerSecond: number;
  /** All bytes of the window over its seconds (a frame that rewrites much weighs in here). */
  readonly meanBytesPerSecond: number;
  /** Frames (synchronized-output blocks) written in the window, and their mean size. */
  readonly framesPerSecond: number;
  readonly bytesPerFrame: number;
  /** Over the whole window. */
  readonly cpuPercent: number;
  /** At the end of the window. */
  readonly rssMb: number;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length === 0
    ? Number.NaN
    : sorted.length % 2 === 1
      ? (sorted[middle] as number)
      : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]); // utime, stime
}

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

const fileSize = (path: string): number => (existsSync(path) ? statSync(path).size : 0);

/** Frames begun (synchronized output, `CSI ? 2026 h`) in bytes `from`..`to` of a recording. */
function framesIn(path: string, from: number, to: number): number {
  if (!existsSync(path)) return 0;
  const text = readFileSync(path).subarray(from, to).toString('latin1');
  return text.split('\x1b[?2026h').length - 1;
}

/**
 * Runs `command` in a pane of the given size; after `warmUpSeconds` (or once `ready` holds on the
 * screen), samples bytes and CPU each second for `seconds`.
 */
async function measurePane(
  command: string,
  columns: number,
  rows: number,
  options: { seconds: number; warmUpSeconds: number; ready?: (screen: string) => boolean },
): Promise<PaneFigures> {
  const pane = new TmuxPane();
  const folder = mkdtempSync(join(tmpdir(), 'trading-tui-bench-'));
  const bytesFile = join(folder, 'pane.bytes');
  try {
    pane.start(command, columns, rows);
    pane.pipeTo(bytesFile);
    const pid = Number(pane.read('pane_pid'));
    const ready = options.ready;
    if (ready !== undefined) await pane.waitFor('the monitor to be ready', (lines) => ready(lines.join('\n')), 300_000);
    await sleep(options.warmUpSeconds * 1000);
    const bytes: number[] = [];
    const firstTicks = cpuTicks(pid);
    const startedAt = performance.now();
    const firstByte = fileSize(bytesFile);
    let lastBytes = firstByte;
    for (let s = 0; s < options.seconds; s++) {
      await sleep(1000);
      const nowBytes = fileSize(bytesFile);
      bytes.push(nowBytes - lastBytes);
      lastBytes = nowBytes;
    }
    // CPU over the whole window: per second, a clock tick (1% of a core) is too coarse.
    const cpuSeconds = (cpuTicks(pid) - firstTicks) / CLOCK_TICKS;
    const cpuPercent = (cpuSeconds / ((performance.now() - startedAt) / 1000)) * 100;
    const windowBytes = bytes.reduce((sum, b) => sum + b, 0);
    const meanBytesPerSecond = windowBytes / Math.max(1, bytes.length);
    const frames = framesIn(bytesFile, firstByte, lastBytes);
    return {
      columns,
      rows,
      bytesPerSecond: median(bytes),
      meanBytesPerSecond,
      framesPerSecond: frames / Math.max(1, bytes.length),
      bytesPerFrame: windowBytes / Math.max(1, frames),
      cpuPercent,
      rssMb: rssMb(pid),
    };
  } finally {
    pane.kill();
    // BENCH_PANE_BYTES=<file>: keep the pane's bytes (to see which panel's lines they rewrite).
    const keep = process.env.BENCH_PANE_BYTES;
    if (keep !== undefined && keep !== '' && command !== bareCommand && existsSync(bytesFile))
      copyFileSync(bytesFile, `${keep}.${columns}x${rows}`);
    rmSync(folder, { recursive: true, force: true });
  }
}

/** The bin run as a user's shell runs it, through its `#!` line (Node's flags are there), with this Node. */
const monitorCommand = (args: string): string =>
  `exec env -u CI -u APCA_API_KEY_ID -u APCA_API_SECRET_KEY NODE_ENV=production TERM=xterm-256color XDG_DATA_HOME=${freshDataHome()} PATH=${dirname(process.execPath)}:${process.env.PATH ?? ''} ${BIN} ${args}`;
const bareCommand = `exec env NODE_ENV=production TERM=xterm-256color ${process.execPath} ${BARE_APP}`;

export interface TerminalFigures {
  readonly monitor: PaneFigures;
  readonly bare: PaneFigures;
}

/** The monitor at --interval 1s in its steady state, and the bare Ink app, at one size. */
export async function benchSteadyState(
  columns: number,
  rows: number,
  seconds: number,
): Promise<TerminalFigures | null> {
  if (!hasTmux) return null;
  const monitor = await measurePane(monitorCommand('--interval 1s'), columns, rows, {
    seconds,
    warmUpSeconds: 5,
    ready: (screen) => /it [1-9]/.test(screen),
  });
  const bare = await measurePane(bareCommand, columns, rows, { seconds, warmUpSeconds: 3 });
  return { monitor, bare };
}

export interface SteadyCpu {
  readonly columns: number;
  readonly rows: number;
  /** From `fromSeconds` to `fromSeconds + seconds` after the start, both programs at the same time. */
  readonly fromSeconds: number;
  readonly seconds: number;
  readonly monitorPercent: number;
  readonly barePercent: number;
  readonly monitorRssMb: number;
  readonly bareRssMb: number;
}

/**
 * CPU in the steady state: the monitor (fresh start, --interval 1s) and the bare Ink app side by side
 * in two panes, so that a busy machine weighs on both alike, measured once the JIT has settled
 * (`fromSeconds` after the start) over a long window (a frame a second is a few ms of CPU: a short
 * window is mostly noise).
 */
export async function benchSteadyCpu(
  columns: number,
  rows: number,
  fromSeconds: number,
  seconds: number,
): Promise<SteadyCpu | null> {
  if (!hasTmux) return null;
  const monitor = new TmuxPane();
  const bare = new TmuxPane();
  try {
    monitor.start(monitorCommand('--interval 1s'), columns, rows);
    bare.start(bareCommand, columns, rows);
    const pids = [Number(monitor.read('pane_pid')), Number(bare.read('pane_pid'))] as const;
    await sleep(fromSeconds * 1000);
    const first = pids.map(cpuTicks);
    const startedAt = performance.now();
    await sleep(seconds * 1000);
    const elapsed = (performance.now() - startedAt) / 1000;
    const percent = pids.map((pid, i) => ((cpuTicks(pid) - (first[i] as number)) / CLOCK_TICKS / elapsed) * 100);
    return {
      columns,
      rows,
      fromSeconds,
      seconds,
      monitorPercent: percent[0] as number,
      barePercent: percent[1] as number,
      monitorRssMb: rssMb(pids[0]),
      bareRssMb: rssMb(pids[1]),
    };
  } finally {
    monitor.kill();
    bare.kill();
  }
}

/**
 * With the chart full: a database holding 1500 iterations (written headless at --interval 0), then the
 * monitor continuing it at --interval 1s: its 1440 points are on screen from the start.
 */
export async function benchFullChart(columns: number, rows: number, seconds: number): Promise<TerminalFigures | null> {
  if (!hasTmux) return null;
  const folder = mkdtempSync(join(tmpdir(), 'trading-tui-bench-db-'));
  try {
    const database = join(folder, 'run.db');
    const filled = await runBin(
      ['--headless', '--interval', '0', '--iterations', '1500', '--db', database],
      {},
      300_000,
    );
    if (filled.code !== 0) throw new Error(`filling the database failed: ${filled.stderr}`);
    const monitor = await measurePane(monitorCommand(`--interval 1s --db ${database}`), columns, rows, {
      seconds,
      warmUpSeconds: 10,
      ready: (screen) => /view all 1440 /.test(screen) && !screen.includes('catching up'),
    });
    const bare = await measurePane(bareCommand, columns, rows, { seconds, warmUpSeconds: 3 });
    return { monitor, bare };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

export interface FirstFrame {
  /** From the shell's exec of node to the first bytes of a frame with the panels in the pane. */
  readonly ms: number;
  /** Whether the backfill was still running when that frame was drawn. */
  readonly duringBackfill: boolean;
}

/** Time from start to the first frame, polled every 5 ms on the bytes tmux records for the pane. */
export async function benchFirstFrame(columns: number, rows: number): Promise<FirstFrame | null> {
  if (!hasTmux) return null;
  const pane = new TmuxPane();
  const folder = mkdtempSync(join(tmpdir(), 'trading-tui-bench-'));
  const bytesFile = join(folder, 'pane.bytes');
  const goFile = join(folder, 'go');
  const startFile = join(folder, 'started');
  try {
    // The program waits for the pipe to be attached, then notes the time and starts.
    pane.start(
      `sh -c 'while [ ! -e ${goFile} ]; do sleep 0.01; done; date +%s%N > ${startFile}; ${monitorCommand('--interval 1s')}'`,
      columns,
      rows,
    );
    pane.pipeTo(bytesFile);
    execFileSync('touch', [goFile]);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const text = existsSync(bytesFile) ? readFileSync(bytesFile, 'utf8') : '';
      if (text.includes('Equity') && text.includes('Downloads')) {
        const seenNs = BigInt(Date.now()) * 1_000_000n;
        const startedNs = BigInt(readFileSync(startFile, 'utf8').trim());
        return {
          ms: Number(seenNs - startedNs) / 1e6,
          // No refresh round yet: the backfill has not ended (the first frame may come before it starts).
          duringBackfill: !/refresh #/.test(text),
        };
      }
      await sleep(5);
    }
    throw new Error('no frame within 60 s');
  } finally {
    pane.kill();
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Medians of `runs` first-frame measurements. */
export async function benchFirstFrames(columns: number, rows: number, runs: number): Promise<FirstFrame | null> {
  const results: FirstFrame[] = [];
  for (let i = 0; i < runs; i++) {
    const result = await benchFirstFrame(columns, rows);
    if (result === null) return null;
    results.push(result);
  }
  return { ms: median(results.map((r) => r.ms)), duringBackfill: results.every((r) => r.duringBackfill) };
}
