/**
 * The ledger audit of seeded runs, as figures (not a benchmark of speed): for each seed, runs the built
 * bin headless with --json and a database, rebuilds the ledger independently (test/support/ledger-audit.ts)
 * and prints what it found. Any build can be audited:
 *
 *   node --import tsx test/bench/ledger-audit.ts [--bin dist/src/cli/main.js] [--seeds 1,2,3] [--iterations 3000] [-- extra bin flags]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { auditRun, type AuditLimits } from '../support/ledger-audit.js';

const argv = process.argv.slice(2);
const split = argv.indexOf('--');
const own = split === -1 ? argv : argv.slice(0, split);
const extra = split === -1 ? [] : argv.slice(split + 1);
const option = (name: string, fallback: string): string => {
  const at = own.indexOf(name);
  return at === -1 ? fallback : (own[at + 1] ?? fallback);
};
const bin = resolve(option('--bin', 'dist/src/cli/main.js'));
const seeds = option('--seeds', '1,2,3').split(',').map(Number);
const iterations = option('--iterations', '3000');
const flag = (name: string, fallback: number): number => {
  const at = extra.indexOf(name);
  if (at === -1) return fallback;
  const text = extra[at + 1] as string;
  return text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text);
};
const limits: AuditLimits = {
  maxPosition: flag('--max-position', 0.1),
  maxExposure: flag('--max-exposure', 1),
  dailyLossLimit: flag('--daily-loss-limit', 0.03),
};

const folder = mkdtempSync(join(tmpdir(), 'ledger-audit-'));
try {
  for (const seed of seeds) {
    const db = join(folder, `seed-${seed}.db`);
    const args = ['--headless', '--json', '--interval', '0', '--seed', String(seed), '--iterations', iterations];
    const stdout = await runBin([bin, ...args, '--db', db, ...extra]);
    const figures = await auditRun(stdout, db, limits);
    console.log(`seed ${seed}: ${JSON.stringify(figures)}`);
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}

function runBin(args: string[]): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('close', (code) => (code === 0 ? done(out) : fail(new Error(`bin exited ${code}`))));
  });
}
