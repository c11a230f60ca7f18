import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSession } from '../../src/cli/start.js';
import { openStore } from '../../src/store/open-store.js';
import { TABLE_TIMES } from '../../src/store/maintenance.js';
import { startOptions } from '../support/session.js';

export interface StoreBenchResult {
  readonly iterations: number;
  readonly symbols: number;
  readonly seconds: number;
  readonly rows: number;
  readonly rowsPerSecond: number;
  readonly iterationsPerSecond: number;
  readonly bytesPer10kIterations: number;
  readonly cachedBars: number;
}

/** The run's own record: every table but the bar cache (counted on its own). */
const TABLES = TABLE_TIMES.map((t) => t.table).filter((table) => table !== 'bar_cache');

/** A run at --interval 0 writing to a fresh database: rows per second and file growth. */
export async function benchStore(
  iterations: number,
  symbols: number,
  extraArgs: readonly string[] = [],
): Promise<StoreBenchResult> {
  const folder = mkdtempSync(join(tmpdir(), 'trading-tui-bench-'));
  try {
    const path = join(folder, 'bench.db');
    const universe = Array.from({ length: symbols }, (_, i) => `S${String(i).padStart(3, '0')}`).join(',');
    // A short history keeps the bar cache small, so the growth measured is the run's own record.
    const session = await createSession(
      startOptions([
        '--db',
        path,
        '--symbols',
        universe,
        '--iterations',
        String(iterations),
        '--interval',
        '0',
        '--period',
        '5d',
        ...extraArgs,
      ]),
    );
    const started = performance.now();
    await session.run();
    const seconds = (performance.now() - started) / 1000;
    const connection = await openStore(path, { readonly: true });
    let rows = 0;
    for (const table of TABLES)
      rows += (await connection.get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))?.n ?? 0;
    const cachedBars = (await connection.get<{ n: number }>('SELECT count(*) AS n FROM bar_cache'))?.n ?? 0;
    await connection.close();
    const size = statSync(path).size;
    return {
      iterations,
      symbols,
      seconds,
      rows: rows + cachedBars,
      rowsPerSecond: (rows + cachedBars) / seconds,
      iterationsPerSecond: iterations / seconds,
      bytesPer10kIterations: (size / iterations) * 10_000,
      cachedBars,
    };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
