import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dataHomes = mkdtempSync(join(tmpdir(), 'trading-tui-data-'));
process.on('exit', () => rmSync(dataHomes, { recursive: true, force: true }));
let dataHomeCount = 0;

/** A data folder of its own for each run, so runs never continue each other's portfolio by accident. */
export function freshDataHome(): string {
  return join(dataHomes, String(++dataHomeCount));
}

/** A developer's own Alpaca keys never reach a test run: a test that wants Alpaca points these at the fakes. */
const NO_ALPACA: NodeJS.ProcessEnv = {
  APCA_API_KEY_ID: '',
  APCA_API_SECRET_KEY: '',
  APCA_API_BASE_URL: '',
  APCA_API_DATA_URL: '',
  APCA_API_STREAM_URL: '',
  APCA_API_DATA_STREAM_URL: '',
};

/** The built command, as `npm install` leaves it. */
export const BIN = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

export interface BinResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A guard against a hang, not a measure: on a loaded machine a run of a few seconds can take minutes
 * (a 300-iteration run with its database: 2.6 s alone, over 60 s beside busy loops).
 */
const HANG_GUARD_MS = 300_000;

/** Runs the built bin with pipes (so it is not a TTY) and collects its output. */
export function runBin(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = HANG_GUARD_MS): Promise<BinResult> {
  return collect(startBin(args, env), timeoutMs);
}

export function startBin(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...NO_ALPACA, XDG_DATA_HOME: freshDataHome(), TRADING_TUI_DB: '', ...env },
    stdio: 'pipe',
  });
}

export function collect(child: ChildProcessWithoutNullStreams, timeoutMs = HANG_GUARD_MS): Promise<BinResult> {
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bin did not finish within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
