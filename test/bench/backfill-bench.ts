/**
 * A big universe's backfill: the built bin (`--broker alpaca`) against the fake Alpaca on 127.0.0.1
 * with a latency per bars request, 500 symbols × 60 days of 15-minute bars. Reports the download time
 * (the backfill round), the time from the start line to the first iteration, and the peak RSS of the
 * bot (VmHWM), for a fresh start and for a restart that reads its bars back from the cache.
 *
 * The bin runs as a user's shell runs it: through its `#!` line (which gives Node its flags), with this
 * Node first on PATH. `BENCH_BACKFILL_PLAIN_NODE=1` runs `node <bin>` instead, without those flags.
 * `--json` makes it headless: the UI (Ink) is never loaded in this benchmark.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FakeAlpacaServer } from '../fake-alpaca/fake-alpaca-server.js';
import { FakeMarketDataStream, FakeTradingStream } from '../fake-alpaca/fake-streams.js';
import { BIN } from '../support/bin.js';

const KEY_ID = 'PKBENCHKEY0123456789';
const SECRET = 'bEnCh/secret+value==0123456789abcdef';

export interface BackfillRun {
  readonly downloadMs: number;
  readonly firstIterationMs: number;
  readonly bars: number;
  readonly peakRssMb: number;
}

export interface BackfillBench {
  readonly symbols: number;
  readonly requests: number;
  /** Bars requests of the restart (only the bars after the cached ones, 50 symbols a request). */
  readonly restartRequests: number;
  readonly fresh: BackfillRun;
  readonly restart: BackfillRun;
}

function peakRss(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? 0 : Number(match[1]) / 1024;
  } catch {
    return 0;
  }
}

function runOnce(args: string[], env: NodeJS.ProcessEnv): Promise<BackfillRun> {
  const plainNode = process.env.BENCH_BACKFILL_PLAIN_NODE === '1';
  const path = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`;
  const child = plainNode
    ? spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: 'pipe' })
    : spawn(BIN, args, { env: { ...process.env, ...env, PATH: path }, stdio: 'pipe' });
  let startAt = 0;
  let firstIterationAt = 0;
  let downloadMs = 0;
  let bars = 0;
  let peak = 0;
  let buffered = '';
  let stderr = '';
  const sampler = setInterval(() => {
    peak = Math.max(peak, peakRss(child.pid ?? 0));
  }, 20);
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline = buffered.indexOf('\n');
    while (newline !== -1) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
      if (line.startsWith('{"type":"start"')) startAt = performance.now();
      else if (line.startsWith('{"type":"round"') && line.includes('"kind":"backfill"')) {
        const round = JSON.parse(line) as { elapsedMs: number; bars: number };
        downloadMs = round.elapsedMs;
        bars = round.bars;
      } else if (line.startsWith('{"type":"iteration"') && firstIterationAt === 0) {
        firstIterationAt = performance.now();
        if (process.env.BENCH_DEBUG === '1') process.stderr.write(`${line}\n`);
        peak = Math.max(peak, peakRss(child.pid ?? 0));
      }
    }
  });
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      clearInterval(sampler);
      if (code !== 0) reject(new Error(`the bot exited with ${code}: ${stderr}`));
      else resolve({ downloadMs, firstIterationMs: firstIterationAt - startAt, bars, peakRssMb: peak });
    });
  });
}

export async function benchBackfill(symbolCount = 500, latencyMs = 50): Promise<BackfillBench> {
  const symbols = Array.from({ length: symbolCount }, (_, i) => `S${String(i).padStart(3, '0')}`);
  const trading = new FakeTradingStream({ keyId: KEY_ID, secretKey: SECRET });
  const data = new FakeMarketDataStream({ keyId: KEY_ID, secretKey: SECRET });
  const [tradingUrl, dataUrl] = await Promise.all([trading.start(), data.start()]);
  const server = await FakeAlpacaServer.start({
    keyId: KEY_ID,
    secretKey: SECRET,
    symbols,
    periodDays: 60,
    shiftToNow: true,
    barsLatencyMs: latencyMs,
  });
  const dir = mkdtempSync(join(tmpdir(), 'tt-backfill-bench-'));
  try {
    const env = {
      APCA_API_KEY_ID: KEY_ID,
      APCA_API_SECRET_KEY: SECRET,
      APCA_API_BASE_URL: server.url,
      APCA_API_DATA_URL: server.url,
      APCA_API_STREAM_URL: tradingUrl,
      APCA_API_DATA_STREAM_URL: dataUrl,
      TRADING_TUI_DB: '',
    };
    const args = [
      '--json',
      '--iterations',
      '1',
      '--interval',
      '0',
      '--period',
      '60d',
      '--symbols',
      symbols.join(','),
      ...(process.env.BENCH_BACKFILL_NO_DB === '1' ? ['--no-db'] : ['--db', join(dir, 'bench.db')]),
    ];
    const before = server.count();
    const fresh = await runOnce(args, env);
    const requests = server.count() - before;
    const restart = await runOnce(args, env);
    const restartRequests = server.count() - before - requests;
    return { symbols: symbolCount, requests, restartRequests, fresh, restart };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await Promise.all([server.close(), trading.stop(), data.stop()]);
  }
}

// Run alone: node --import tsx test/bench/backfill-bench.ts
if (process.argv[1]?.endsWith('backfill-bench.ts')) {
  const r = await benchBackfill(Number(process.env.BENCH_SYMBOLS ?? 500));
  console.log(JSON.stringify(r, null, 1));
}
